"""The slot grids of the booking pages: a resource's week, a place's day, on the place's clock.

Pure functions over rows already read: a week grid takes the resource and the week's confirmed
bookings (one query, made by the view), so the page's query count does not grow with the
bookings or the resources. Slots are the resource's steps (`slot_step_minutes`) from the earliest
opening of the week to the latest closing; a slot is `closed` outside the bookable hours (the
resource's own, or its place's), `past` once started, `taken` when its seats are all held,
`free` otherwise (with the seats left for an open space of N seats).

Hours empty on the resource and on its place mean "no hours given": the grid then shows
`DEFAULT_DAY` and leaves the rules to the booking service.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from maillage.places.hours import week_schedule

from .models import Booking, Resource

DEFAULT_DAY = (time(8), time(20))
FREE, TAKEN, CLOSED, PAST = "free", "taken", "closed", "past"


@dataclass
class Cell:
    start: datetime
    end: datetime
    state: str
    seats_left: int = 0
    bookings: list[Booking] = field(default_factory=list)
    link: str = ""  # where a free slot leads (the booking form, prefilled), set by the page

    @property
    def is_free(self) -> bool:
        return self.state == FREE


@dataclass
class Row:
    start: time
    end: time
    cells: list[Cell]


@dataclass
class Grid:
    columns: list  # days (week view) or resources (day view)
    rows: list[Row]


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def bookable_expression(resource: Resource) -> str:
    return resource.opening_hours or resource.place.opening_hours


def _wall(day: date, moment: time, zone: ZoneInfo) -> datetime:
    """The instant at this wall-clock time of `day` where the place is."""
    return datetime.combine(day, moment, tzinfo=zone)


def _clock(text: str) -> time:
    return time(0) if text == "24:00" else time.fromisoformat(text)


def open_intervals(expression: str, days: Sequence[date], zone: ZoneInfo) -> dict:
    """For each day, its bookable `[start, end)` as aware datetimes; None when no hours given."""
    if not expression:
        return dict.fromkeys(days)
    schedule = {item.day: item for item in week_schedule(expression, days[0], zone=zone)}
    result: dict[date, list[tuple[datetime, datetime]] | None] = {}
    for day in days:
        intervals = []
        for opens, closes in schedule[day].intervals if day in schedule else []:
            start = _wall(day, _clock(opens), zone)
            end_day = day + timedelta(days=1) if closes == "24:00" else day
            intervals.append((start, _wall(end_day, _clock(closes), zone)))
        result[day] = intervals
    return result


def _frame(intervals: dict, step: timedelta) -> list[tuple[time, time]]:
    """The rows' wall-clock slots: from the earliest opening to the latest closing."""
    opens, closes = [], []
    for day, day_intervals in intervals.items():
        if day_intervals is None:
            opens.append(DEFAULT_DAY[0])
            closes.append(DEFAULT_DAY[1])
            continue
        for start, end in day_intervals:
            opens.append(start.time())
            closes.append(time(23, 59, 59) if end.date() > day else end.time())
    if not opens:
        return []
    first = datetime.combine(date.min, min(opens))
    last = datetime.combine(date.min, max(closes))
    rows = []
    moment = first
    while moment < last:
        following = moment + step
        rows.append((moment.time(), following.time() if following.date() == date.min else time(0)))
        moment = following
    return rows


def _cell(
    start: datetime,
    end: datetime,
    *,
    intervals: list | None,
    bookings: Sequence[Booking],
    capacity: int,
    now: datetime,
) -> Cell:
    start_utc, end_utc = start.astimezone(UTC), end.astimezone(UTC)
    overlapping = [b for b in bookings if b.start < end_utc and start_utc < b.end]
    seats_left = max(0, capacity - sum(b.seats for b in overlapping))
    is_open = intervals is None or any(
        opens <= start_utc and end_utc <= closes for opens, closes in intervals
    )
    if overlapping and seats_left == 0:
        state = TAKEN
    elif not is_open:
        state = CLOSED
    elif start_utc < now:
        state = PAST
    else:
        state = FREE
    return Cell(start, end, state, seats_left, overlapping)


def week_grid(
    resource: Resource, monday: date, bookings: Sequence[Booking], *, now: datetime
) -> Grid:
    """The week from `monday` of `resource`: one column per day, one row per slot step."""
    zone = resource.place.timezone
    days = [monday + timedelta(days=offset) for offset in range(7)]
    intervals = open_intervals(bookable_expression(resource), days, zone)
    step = timedelta(minutes=resource.slot_step_minutes)
    rows = []
    for row_start, row_end in _frame(intervals, step):
        cells = []
        for day in days:
            start = _wall(day, row_start, zone)
            end = _wall(day + timedelta(days=1) if row_end == time(0) else day, row_end, zone)
            cells.append(
                _cell(
                    start,
                    end,
                    intervals=intervals[day],
                    bookings=bookings,
                    capacity=resource.capacity,
                    now=now,
                )
            )
        rows.append(Row(row_start, row_end, cells))
    return Grid(days, rows)


def day_grid(
    resources: Sequence[Resource],
    day: date,
    bookings: Sequence[Booking],
    *,
    zone: ZoneInfo,
    now: datetime,
    step_minutes: int = 60,
) -> Grid:
    """A place's day: one column per resource, one row per `step_minutes` (an hour)."""
    by_resource: dict[int, list[Booking]] = {resource.pk: [] for resource in resources}
    for booking in bookings:
        by_resource.setdefault(booking.resource_id, []).append(booking)
    intervals = {
        resource.pk: open_intervals(bookable_expression(resource), [day], zone)[day]
        for resource in resources
    }
    frame = _frame(
        {day: None} if not resources else _merge(intervals, day), timedelta(minutes=step_minutes)
    )
    rows = []
    for row_start, row_end in frame:
        start = _wall(day, row_start, zone)
        end = _wall(day + timedelta(days=1) if row_end == time(0) else day, row_end, zone)
        cells = [
            _cell(
                start,
                end,
                intervals=intervals[resource.pk],
                bookings=by_resource[resource.pk],
                capacity=resource.capacity,
                now=now,
            )
            for resource in resources
        ]
        rows.append(Row(row_start, row_end, cells))
    return Grid(list(resources), rows)


def _merge(intervals: dict, day: date) -> dict:
    """The day's frame covers every resource's hours (a resource without hours: the default)."""
    merged: list[tuple[datetime, datetime]] = []
    for day_intervals in intervals.values():
        if day_intervals is None:
            return {day: None}
        merged.extend(day_intervals)
    return {day: merged}
