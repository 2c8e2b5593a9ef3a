"""Resources, bookings and qualifications, created through the bookings services."""

from datetime import datetime, timedelta

from django.utils import timezone

from maillage.bookings import services
from maillage.bookings.models import ResourceKind
from maillage.common.actors import SYSTEM

# Every hour of every day: tests that are not about hours are not stopped by them.
ALWAYS = "24/7"


def make_resource(place, **overrides):
    values = {
        "name": "Salle Pyrène",
        "kind": ResourceKind.MEETING_ROOM,
        "capacity": 1,
        "opening_hours": ALWAYS,
        "min_duration_minutes": 30,
        "max_duration_minutes": 480,
        "slot_step_minutes": 30,
        "max_advance_days": 60,
        "cancellation_deadline_hours": 2,
        "bookable_by": "members",
    }
    values.update(overrides)
    return services.create_resource(actor=SYSTEM, place=place, **values)


def make_qualification(place, **overrides):
    values = {"name": "Découpe laser", "training": "Initiation découpe laser"}
    values.update(overrides)
    return services.create_qualification(actor=SYSTEM, place=place, **values)


def tomorrow_at(place, hour: int, minute: int = 0, *, days: int = 1) -> datetime:
    """A wall-clock time `days` days from today in the place's zone (aware)."""
    zone = place.timezone
    day = timezone.localdate(timezone=zone) + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)


def make_booking(resource, user, start, end, **overrides):
    """A booking made by staff for `user`, overriding the rules (for fixtures in the past)."""
    values = {"override_reason": "jeu de test"}
    values.update(overrides)
    return services.book(actor=SYSTEM, resource=resource, start=start, end=end, user=user, **values)
