"""The days a member's check-ins use on a 10-day card (`members.cards`)."""

from datetime import date

from django.db.models.functions import TruncDate

from maillage.members.models import Membership

from .models import CheckIn


def checkin_days(
    membership: Membership, since: date, exclude_booking_id: int | None = None
) -> set[date]:
    """The place's days (its calendar) on which the member was checked in, from `since`."""
    if membership.user_id is None:
        return set()
    zone = membership.place.timezone
    days = (
        CheckIn.objects.filter(user_id=membership.user_id, place_id=membership.place_id)
        .annotate(day=TruncDate("checked_in_at", tzinfo=zone))
        .filter(day__gte=since)
        .values_list("day", flat=True)
        .distinct()
    )
    return set(days)
