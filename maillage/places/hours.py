"""Opening hours in OpenStreetMap syntax, evaluated in the place's own time zone.

Hours are wall-clock times where the place is: `Mo-Fr 09:00-18:00` in La Réunion means 9:00
Indian/Reunion time, which is 6:00 in Paris in winter. Every function takes the zone (a place
gives it with `Place.timezone`); Paris is only the default for hours not yet tied to a place.
French public holidays (`PH`) apply everywhere: opening-hours-py's calendar is the national one
(country "FR"), so holidays proper to one overseas territory are not known to it.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import opening_hours
from django.utils.translation import gettext_noop

from maillage.common.errors import ErrorCode, Message

PARIS = ZoneInfo("Europe/Paris")


# A valid example shown with every message (the common shape: weekdays with a lunch break,
# Saturday, closed on public holidays).
HOURS_EXAMPLE = "Mo-Fr 09:00-12:30,14:00-18:00; Sa 10:00-17:00; PH off"
FRENCH_DAYS = re.compile(
    r"\b(lu|ma|me|je|ve|di|lun|mar|mer|jeu|ven|sam|dim|lundi|mardi|mercredi|jeudi|vendredi|"
    r"samedi|dimanche)\b",
    re.IGNORECASE,
)
# The stable codes of the messages below (docs/data.md, « Import error codes »).
HOURS_INVALID = ErrorCode(
    "hours.invalid", gettext_noop("%(problem)s Exemple valide : « %(example)s ».")
)
HOURS_FRENCH_DAY = ErrorCode(
    "hours.french_day",
    gettext_noop(
        "Les jours s’écrivent en abrégé anglais (Mo, Tu, We, Th, Fr, Sa, Su) : "
        "« %(word)s » n’en est pas un."
    ),
)
HOURS_FRENCH_TIME = ErrorCode(
    "hours.french_time",
    gettext_noop(
        "Les heures s’écrivent sur 24 heures avec deux points (09:00, 18:30) : "
        "« %(time)s » ne se lit pas."
    ),
)
HOURS_IMPOSSIBLE_TIME = ErrorCode(
    "hours.impossible_time", gettext_noop("L’heure « %(time)s » n’existe pas.")
)
HOURS_SYNTAX = ErrorCode(
    "hours.syntax",
    gettext_noop(
        "Ces horaires ne suivent pas la syntaxe OpenStreetMap : des jours (Mo-Fr), un espace, "
        "des plages horaires (09:00-18:00) séparées par des virgules, et un point-virgule "
        "entre deux règles."
    ),
)
FRENCH_TIME = re.compile(r"\b\d{1,2}\s*h\s*\d{0,2}\b", re.IGNORECASE)
TIME = re.compile(r"\b(\d{1,2}):(\d{2})\b")


def opening_hours_error(expression: str) -> Message | None:
    """A message in plain words saying why `expression` is not valid OSM opening_hours, with a
    valid example, or None. The parser's own message (a grammar trace) is never shown: the
    common mistakes are recognised first (French day names, « 9h-18h », impossible times), and
    anything else gets the general rule."""
    try:
        # Parsed through the cache that evaluation uses: imports repeat the same few hours.
        _parsed(expression)
    except (opening_hours.ParserError, ValueError):
        return HOURS_INVALID(problem=_hours_problem(expression), example=HOURS_EXAMPLE)
    return None


def _hours_problem(expression: str) -> Message:
    if match := FRENCH_DAYS.search(expression):
        return HOURS_FRENCH_DAY(word=match.group(0))
    if match := FRENCH_TIME.search(expression):
        return HOURS_FRENCH_TIME(time=match.group(0).strip())
    for match in TIME.finditer(expression):
        hours, minutes = int(match.group(1)), int(match.group(2))
        if hours > 48 or minutes > 59:  # OSM allows 26:00, past midnight
            return HOURS_IMPOSSIBLE_TIME(time=match.group(0))
    return HOURS_SYNTAX()


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
