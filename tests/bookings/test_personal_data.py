"""The bookings' section of a person's data export and erasure."""

from datetime import datetime, timedelta

import pytest

from maillage.accounts.personal_data import erase_person, export_person
from maillage.bookings import services
from maillage.bookings.models import Booking, QualificationGrant
from maillage.common.actors import SYSTEM
from tests.bookings.factories import make_qualification, make_resource, tomorrow_at
from tests.factories import UserFactory, make_place
from tests.members.factories import make_membership

pytestmark = pytest.mark.django_db


def test_a_person_s_bookings_are_exported_then_stay_as_anonymous_hours():
    place = make_place()
    person = UserFactory()
    make_membership(place, person)
    room = make_resource(place)
    start = tomorrow_at(place, 10)
    booking = services.book(
        actor=person, resource=room, start=start, end=start + timedelta(hours=1), note="Atelier"
    )
    grant = services.grant_qualification(
        actor=SYSTEM, qualification=make_qualification(place), user=person
    )

    exported = export_person(person)["bookings"]
    assert [b["note"] for b in exported["bookings"]] == ["Atelier"]
    assert datetime.fromisoformat(exported["bookings"][0]["start"]) == booking.start
    assert [q["qualification"] for q in exported["qualifications"]] == ["Découpe laser"]

    erase_person(person)
    person.delete()
    kept = Booking.objects.get(pk=booking.pk)
    assert (kept.user_id, kept.booked_by_id, kept.note) == (None, None, "")
    assert kept.end - kept.start == timedelta(hours=1)
    assert not QualificationGrant.objects.filter(pk=grant.pk).exists()
