"""The sections bookings adds to a place's staff dashboard (registry: `members.dashboard`).

- today's bookings (order 10), with who booked;
- the pending membership requests (order 20), with buttons to accept or refuse them (posted to
  the members app's own staff action, `members:action`, which comes back here);
- this week's occupancy per resource (order 30): seat-hours booked over seat-hours bookable,
  Monday to Sunday on the place's clock.

Each context reads a fixed number of queries, whatever the number of resources or bookings.
"""

from datetime import datetime, timedelta

from django.http import HttpRequest
from django.utils import timezone

from maillage.members.dashboard import register_section
from maillage.members.models import Membership, MembershipStatus
from maillage.places.models import Place

from .grid import DEFAULT_DAY, bookable_expression, monday_of, open_intervals
from .models import Booking, BookingStatus, Resource


def _day_bounds(place: Place, day) -> tuple[datetime, datetime]:
    zone = place.timezone
    start = datetime.combine(day, datetime.min.time(), tzinfo=zone)
    return start, datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=zone)


def today_context(request: HttpRequest, place: Place) -> dict:
    today = timezone.localdate(timezone=place.timezone)
    start, end = _day_bounds(place, today)
    bookings = list(
        Booking.objects.filter(
            resource__place=place, status=BookingStatus.CONFIRMED, start__lt=end, end__gt=start
        )
        .select_related("resource", "user")
        .order_by("start", "resource__name", "pk")
    )
    return {"today": today, "bookings": bookings}


def requests_context(request: HttpRequest, place: Place) -> dict:
    pending = (
        Membership.objects.filter(place=place, status=MembershipStatus.REQUESTED)
        .select_related("user", "plan")
        .order_by("created_at", "pk")
    )
    return {"requests": list(pending)}


def _hours(delta: timedelta) -> float:
    return delta.total_seconds() / 3600


def occupancy_rows(place: Place, monday, resources, bookings) -> list[dict]:
    """Per resource: seat-hours booked and bookable this week, and their ratio (None when the
    resource is closed all week)."""
    zone = place.timezone
    days = [monday + timedelta(days=offset) for offset in range(7)]
    week_start, _end = _day_bounds(place, days[0])
    week_end = _day_bounds(place, days[-1])[1]
    booked: dict[int, float] = {resource.pk: 0.0 for resource in resources}
    for booking in bookings:
        overlap = min(booking.end, week_end) - max(booking.start, week_start)
        if overlap > timedelta(0):
            booked[booking.resource_id] = booked.get(booking.resource_id, 0.0) + (
                booking.seats * _hours(overlap)
            )
    rows = []
    for resource in resources:
        intervals = open_intervals(bookable_expression(resource), days, zone)
        open_hours = 0.0
        for day, day_intervals in intervals.items():
            if day_intervals is None:
                default_start = datetime.combine(day, DEFAULT_DAY[0], tzinfo=zone)
                open_hours += _hours(
                    datetime.combine(day, DEFAULT_DAY[1], tzinfo=zone) - default_start
                )
            else:
                open_hours += sum(_hours(end - start) for start, end in day_intervals)
        bookable = open_hours * resource.capacity
        hours_booked = booked.get(resource.pk, 0.0)
        rows.append(
            {
                "resource": resource,
                "booked_hours": round(hours_booked, 1),
                "bookable_hours": round(bookable, 1),
                "percent": round(100 * hours_booked / bookable) if bookable else None,
            }
        )
    return rows


def occupancy_context(request: HttpRequest, place: Place) -> dict:
    monday = monday_of(timezone.localdate(timezone=place.timezone))
    start = _day_bounds(place, monday)[0]
    end = _day_bounds(place, monday + timedelta(days=6))[1]
    resources = list(
        Resource.objects.filter(place=place, is_active=True)
        .select_related("place")
        .order_by("name")
    )
    bookings = list(
        Booking.objects.filter(
            resource__place=place, status=BookingStatus.CONFIRMED, start__lt=end, end__gt=start
        ).only("resource_id", "start", "end", "seats")
    )
    return {
        "monday": monday,
        "sunday": monday + timedelta(days=6),
        "rows": occupancy_rows(place, monday, resources, bookings),
    }


def register() -> None:
    register_section(
        "reservations-du-jour",
        template="bookings/dashboard/_today.html",
        context=today_context,
        order=10,
    )
    register_section(
        "demandes-adhesion",
        template="bookings/dashboard/_requests.html",
        context=requests_context,
        order=20,
    )
    register_section(
        "occupation",
        template="bookings/dashboard/_occupancy.html",
        context=occupancy_context,
        order=30,
    )
