"""Opening hours per week, from an OpenStreetMap ``opening_hours`` string.

The hours are evaluated by opening-hours-py (the parser `maillage.places.hours` uses, with the
French public-holiday calendar) over one **reference week**: Monday 8 June 2026 to Sunday
14 June 2026, naive wall-clock time. That week has no French public holiday (Whit Monday is
25 May, the next holiday 14 July) and no daylight-saving change, so ``PH off`` rules do not
shorten it and every day has 24 hours; it is outside the usual school holidays. The figure is
therefore the place's ordinary week: « Mo-Fr 09:00-18:00 » gives 45.0, « 24/7 » 168.0.
Periods in the *unknown* state (``open "sur rendez-vous"``, ``unknown``) are not counted as open.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import opening_hours

REFERENCE_WEEK_START = datetime(2026, 6, 8)  # a Monday; no public holiday that week
REFERENCE_WEEK_END = REFERENCE_WEEK_START + timedelta(days=7)
# The parser raises `ParserError` (a subclass of Exception), absent from the package's stubs.
_PARSER_ERROR: type[Exception] = getattr(opening_hours, "ParserError", SyntaxError)


def opening_hours_per_week(oh: str) -> float | None:
    """Hours open in the reference week, or None for an empty or invalid expression.

    >>> opening_hours_per_week("Mo-Fr 09:00-12:00,14:00-18:00; Sa 10:00-12:00")
    37.0
    """
    if not oh or not oh.strip():
        return None
    try:
        hours = opening_hours.OpeningHours(oh, country="FR")
        intervals = list(hours.intervals(REFERENCE_WEEK_START, REFERENCE_WEEK_END))
    except (_PARSER_ERROR, ValueError):
        return None
    seconds = 0.0
    for opens, closes, state, _comment in intervals:
        if state == opening_hours.State.OPEN:
            seconds += (
                min(closes, REFERENCE_WEEK_END) - max(opens, REFERENCE_WEEK_START)
            ).total_seconds()
    return seconds / 3600
