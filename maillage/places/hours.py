"""Opening hours in OpenStreetMap syntax, evaluated in Paris time with French public holidays."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import opening_hours
from django.utils.translation import gettext as _

PARIS = ZoneInfo("Europe/Paris")


def opening_hours_error(expression: str) -> str | None:
    """A message explaining why `expression` is not valid OSM opening_hours, or None."""
    try:
        # Parsed through the cache that evaluation uses: imports repeat the same few hours.
        _parsed(expression)
    except (opening_hours.ParserError, ValueError) as exc:
        first_line = str(exc).splitlines()[0].strip()
        return _(
            "Horaires illisibles (syntaxe OpenStreetMap attendue, "
            "ex. « Mo-Fr 09:00-18:00; PH off ») : %(detail)s"
        ) % {"detail": first_line}
    return None


@lru_cache(maxsize=4096)
def _parsed(expression: str) -> opening_hours.OpeningHours:
    # `country="FR"` makes `PH` mean French public holidays; times are Europe/Paris wall time.
    return opening_hours.OpeningHours(expression, country="FR", timezone=PARIS)


def is_open_at(expression: str, moment: datetime) -> bool | None:
    """True/False when the hours say so at `moment`; None when unknown or not given."""
    if not expression:
        return None
    hours = _parsed(expression)
    if hours.is_unknown(moment.astimezone(PARIS)):
        return None
    return hours.is_open(moment.astimezone(PARIS))


def next_change(expression: str, moment: datetime) -> datetime | None:
    if not expression:
        return None
    return _parsed(expression).next_change(moment.astimezone(PARIS))


@dataclass(frozen=True)
class DaySchedule:
    day: date
    intervals: list[tuple[str, str]]  # ("09:00", "18:00") pairs when open
    comment: str = ""


def week_schedule(expression: str, start: date) -> list[DaySchedule]:
    """The seven days from `start` with their open intervals (holidays applied)."""
    if not expression:
        return []
    hours = _parsed(expression)
    days = []
    for offset in range(7):
        day = start + timedelta(days=offset)
        begin = datetime(day.year, day.month, day.day, tzinfo=PARIS)
        end = begin + timedelta(days=1)
        intervals = []
        comments = set()
        for opens, closes, state, comment in hours.intervals(begin, end):
            if comment:
                comments.add(comment)
            if state == opening_hours.State.OPEN:
                closing = "24:00" if closes >= end else closes.astimezone(PARIS).strftime("%H:%M")
                intervals.append((opens.astimezone(PARIS).strftime("%H:%M"), closing))
        days.append(DaySchedule(day=day, intervals=intervals, comment=" ".join(sorted(comments))))
    return days
