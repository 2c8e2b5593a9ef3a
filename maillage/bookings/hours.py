"""A resource's bookable hours: its own OSM `opening_hours`, or its place's, in the place's zone.

Hours are read on the place's wall clock (`Place.timezone`): "Mo-Fr 09:00-18:00" in La Réunion
is 9:00 Indian/Reunion time. A resource and a place both without hours are bookable at any
time. Only the "open" state counts; "unknown" and "closed" are not bookable.
"""

from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

import opening_hours

from maillage.common.timeranges import TimeRange

from .models import Resource


@lru_cache(maxsize=1024)
def _parsed(expression: str, zone: ZoneInfo) -> opening_hours.OpeningHours:
    # As `places.hours`: `PH` means French public holidays, times are wall time in `zone`.
    return opening_hours.OpeningHours(expression, country="FR", timezone=zone)


def hours_of(resource: Resource) -> str:
    """The OSM expression that says when `resource` may be booked ("" for always)."""
    return (resource.opening_hours or resource.place.opening_hours or "").strip()


def bookable_ranges(resource: Resource, during: TimeRange) -> list[TimeRange]:
    """The stretches of `during` within the resource's bookable hours, merged and in order."""
    expression = hours_of(resource)
    if not expression:
        return [during]
    zone = resource.place.timezone
    begin: datetime = during.start.astimezone(zone)
    end: datetime = during.end.astimezone(zone)
    try:
        hours = _parsed(expression, zone)
    except (opening_hours.ParserError, ValueError):
        # Hours that cannot be read open nothing: staff see the refusal and fix them.
        return []
    ranges: list[TimeRange] = []
    # Compared in UTC: Python compares two datetimes of one zone on their wall clock, which
    # is wrong in the hour repeated when clocks go back.
    first, last = begin.astimezone(UTC), end.astimezone(UTC)
    for raw_opens, raw_closes, state, _comment in hours.intervals(begin, end):
        if state != opening_hours.State.OPEN:
            continue
        opens = max(raw_opens.astimezone(UTC), first)
        closes = min(raw_closes.astimezone(UTC), last)
        if closes <= opens:
            continue
        if ranges and ranges[-1].end >= opens:
            ranges[-1] = TimeRange(ranges[-1].start, max(ranges[-1].end, closes))
        else:
            ranges.append(TimeRange(opens, closes))
    return ranges
