"""Opening hours in OpenStreetMap syntax, evaluated in the place's own time zone.

Hours are wall-clock times where the place is: `Mo-Fr 09:00-18:00` in La Réunion means 9:00
Indian/Reunion time, which is 6:00 in Paris in winter. Every function takes the zone (a place
gives it with `Place.timezone`); Paris is only the default for hours not yet tied to a place.
French public holidays (`PH`) apply everywhere: opening-hours-py's calendar is the national one
(country "FR"), so holidays proper to one overseas territory are not known to it.
"""

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
def _parsed(expression: str, zone: ZoneInfo = PARIS) -> opening_hours.OpeningHours:
    # `country="FR"` makes `PH` mean French public holidays; times are wall time in `zone`.
    return opening_hours.OpeningHours(expression, country="FR", timezone=zone)


def is_open_at(expression: str, moment: datetime, *, zone: ZoneInfo = PARIS) -> bool | None:
    """True/False when the hours say so at `moment` in `zone`; None when unknown or not given."""
    if not expression:
        return None
    hours = _parsed(expression, zone)
    local = moment.astimezone(zone)
    if hours.is_unknown(local):
        return None
    return hours.is_open(local)


def next_change(expression: str, moment: datetime, *, zone: ZoneInfo = PARIS) -> datetime | None:
    """When the state changes next after `moment`, as an aware datetime in `zone`."""
    if not expression:
        return None
    return _parsed(expression, zone).next_change(moment.astimezone(zone))


@dataclass(frozen=True)
class DaySchedule:
    day: date
    intervals: list[tuple[str, str]]  # ("09:00", "18:00") pairs when open
    comment: str = ""


def week_schedule(expression: str, start: date, *, zone: ZoneInfo = PARIS) -> list[DaySchedule]:
    """The seven days from `start` with their open intervals (holidays applied), in `zone`."""
    if not expression:
        return []
    hours = _parsed(expression, zone)
    days = []
    for offset in range(7):
        day = start + timedelta(days=offset)
        begin = datetime(day.year, day.month, day.day, tzinfo=zone)
        end = begin + timedelta(days=1)
        intervals = []
        comments = set()
        for opens, closes, state, comment in hours.intervals(begin, end):
            if comment:
                comments.add(comment)
            if state == opening_hours.State.OPEN:
                closing = "24:00" if closes >= end else closes.astimezone(zone).strftime("%H:%M")
                intervals.append((opens.astimezone(zone).strftime("%H:%M"), closing))
        days.append(DaySchedule(day=day, intervals=intervals, comment=" ".join(sorted(comments))))
    return days
