"""The bookings demo: resources around Pau, the laser cutter and its training, months of past
bookings within capacity, deterministic and idempotent."""

from datetime import date, datetime, timedelta

import pytest

from maillage.accounts.models import User
from maillage.audit.models import AuditEntry
from maillage.bookings.models import Booking, Qualification, QualificationGrant, Resource
from maillage.bookings.rules import qualification_refusal
from maillage.devtools.demo import load_demo_places
from maillage.devtools.demo_bookings import (
    DEMO_MEMBER,
    DEMO_PLACE_COUNT,
    TRAINING,
    demo_places,
    load_demo_bookings,
)
from maillage.territories.services import load_territories
from tests.bookings.invariants import max_seats_in_use

pytestmark = pytest.mark.django_db
TODAY = date(2026, 12, 1)


def counts():
    return (
        Resource.objects.count(),
        Booking.objects.count(),
        Qualification.objects.count(),
        QualificationGrant.objects.count(),
        AuditEntry.objects.count(),
    )


def test_the_bookings_demo_around_pau_is_complete_and_idempotent():
    load_territories()
    load_demo_places()
    report = load_demo_bookings(today=TODAY)

    places = demo_places()
    assert len(places) == DEMO_PLACE_COUNT == report.places
    for place in places:
        kinds = set(Resource.objects.filter(place=place).values_list("kind", flat=True))
        assert {"meeting_room", "desk"} <= kinds
    cutters = Resource.objects.filter(name="Découpeuse laser")
    assert cutters.count() == 2
    for cutter in cutters:
        assert cutter.required_qualification.name == "Découpe laser"
        assert cutter.required_qualification.training == TRAINING

    # Months of history, within capacity; none for the demo member, free for a first booking.
    assert report.bookings_created > 300
    assert Booking.objects.filter(start__lt=datetime(2026, 9, 15, tzinfo=places[0].timezone))
    for resource in Resource.objects.all():
        assert max_seats_in_use(resource) <= resource.capacity
    member = User.objects.get(username=DEMO_MEMBER)
    assert not Booking.objects.filter(user=member).exists()
    # No machine qualification for the demo member: the laser cutter names its training.
    assert not QualificationGrant.objects.filter(user=member).exists()
    refusal = qualification_refusal(member, cutters[0], TODAY + timedelta(days=1))
    assert refusal is not None and TRAINING in refusal.message
    assert (
        qualification_refusal(
            User.objects.get(username="demo-thomas"), cutters[0], TODAY + timedelta(days=1)
        )
        is None
    )

    before = counts()
    again = load_demo_bookings(today=TODAY)
    assert (again.resources_created, again.bookings_created, again.grants_created) == (0, 0, 0)
    assert counts() == before
