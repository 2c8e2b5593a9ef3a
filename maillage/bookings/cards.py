"""The days a member's bookings use on a 10-day card (`members.cards`)."""

from datetime import date

from django.db.models.functions import TruncDate

from maillage.members.models import Membership

from .models import Booking, BookingStatus


def booking_days(
    membership: Membership, since: date, exclude_booking_id: int | None = None
) -> set[date]:
    """The place's days (its calendar) holding a confirmed booking of the member, from `since`."""
    if membership.user_id is None:
        return set()
    zone = membership.place.timezone
    bookings = Booking.objects.filter(
        user_id=membership.user_id,
        resource__place_id=membership.place_id,
        status=BookingStatus.CONFIRMED,
    )
    if exclude_booking_id is not None:
        bookings = bookings.exclude(pk=exclude_booking_id)
    days = (
        bookings.annotate(day=TruncDate("start", tzinfo=zone))
        .filter(day__gte=since)
        .values_list("day", flat=True)
        .distinct()
    )
    return set(days)
