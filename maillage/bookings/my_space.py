"""The sections bookings adds to a member's page, « Mon espace » (registry:
`members.member_page`): the next bookings, the calendar feed of one's bookings, and one's
valid qualifications with the resources they open."""

from django.http import HttpRequest
from django.utils import timezone

from maillage.members.member_page import register_section

from .models import BookingStatus, CalendarFeed
from .selectors import bookings_of, valid_qualifications

COMING_SHOWN = 5


def coming_bookings_context(request: HttpRequest) -> dict | None:
    if not request.user.is_authenticated:
        return None
    coming = list(
        bookings_of(request.user).filter(status=BookingStatus.CONFIRMED, end__gt=timezone.now())[
            :COMING_SHOWN
        ]
    )
    for booking in coming:
        zone = booking.resource.place.timezone
        booking.local_start = booking.start.astimezone(zone)
        booking.local_end = booking.end.astimezone(zone)
    return {"coming": coming}


def calendar_feed_context(request: HttpRequest) -> dict | None:
    if not request.user.is_authenticated:
        return None
    live = CalendarFeed.objects.filter(
        user=request.user, place__isnull=True, revoked_at__isnull=True
    ).first()
    return {"own_feed": live}


def qualifications_context(request: HttpRequest) -> dict | None:
    """The person's valid qualifications and the resources each opens (left out if none)."""
    if not request.user.is_authenticated:
        return None
    grants = list(valid_qualifications(request.user))
    if not grants:
        return None
    return {"grants": grants}


def register() -> None:
    register_section(
        "reservations", "bookings/my_space/_bookings.html", coming_bookings_context, order=20
    )
    register_section("agenda", "bookings/my_space/_calendar.html", calendar_feed_context, order=25)
    register_section(
        "habilitations",
        "bookings/my_space/_qualifications.html",
        qualifications_context,
        order=27,
    )
