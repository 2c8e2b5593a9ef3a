"""A machine that requires a qualification is refused without a valid grant, on every path,
with a message naming the training; a grant opens it, an expired or revoked one does not."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from maillage.accounts.services import create_api_token
from maillage.bookings import selectors, services
from maillage.bookings.models import Booking, ResourceKind
from maillage.common.actors import SYSTEM
from maillage.common.errors import PermissionDenied
from tests.bookings.factories import make_qualification, make_resource, tomorrow_at
from tests.factories import UserFactory, make_place
from tests.members.factories import make_membership

pytestmark = pytest.mark.django_db
TRAINING = "Initiation découpe laser"


@pytest.fixture
def place():
    return make_place(staff=[UserFactory(username="desk")])


@pytest.fixture
def staff(place):
    return place.roles.get(role="staff").user


@pytest.fixture
def member(place):
    person = UserFactory()
    make_membership(place, person)
    return person


@pytest.fixture
def laser(place):
    return make_qualification(place, name="Découpe laser", training=TRAINING)


@pytest.fixture
def cutter(place, laser):
    return make_resource(
        place, name="Découpeuse laser", kind=ResourceKind.MACHINE, required_qualification=laser
    )


def times(place, hour=10):
    start = tomorrow_at(place, hour)
    return {"start": start, "end": start + timedelta(hours=1)}


def test_the_service_refuses_naming_the_training_then_accepts_after_a_grant(
    place, cutter, laser, member, staff
):
    with pytest.raises(PermissionDenied, match=TRAINING):
        services.book(actor=member, resource=cutter, **times(place))
    services.grant_qualification(actor=staff, qualification=laser, user=member)
    booking = services.book(actor=member, resource=cutter, **times(place))
    assert booking.is_confirmed


def test_the_api_refuses_with_403_naming_the_training_then_accepts(
    client, place, cutter, laser, member
):
    token = create_api_token(user=member, name="t")[1]
    body = {
        "resource_id": cutter.pk,
        **{name: value.isoformat() for name, value in times(place).items()},
    }

    def post():
        return client.post(
            "/api/v1/bookings",
            data=json.dumps(body),
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )

    refused = post()
    assert refused.status_code == 403
    assert TRAINING in refused.json()["detail"]
    services.grant_qualification(actor=SYSTEM, qualification=laser, user=member)
    assert post().status_code == 201


def test_a_series_is_refused_naming_the_training(place, cutter, member):
    when = times(place)
    with pytest.raises(PermissionDenied, match=TRAINING):
        services.book_series(
            actor=member,
            resource=cutter,
            interval_weeks=1,
            until=(when["start"] + timedelta(weeks=3)).date(),
            **when,
        )
    assert not Booking.objects.exists()


def test_staff_booking_for_a_member_without_override_is_refused_with_one_it_passes(
    place, cutter, member, staff
):
    with pytest.raises(PermissionDenied, match=TRAINING):
        services.book(actor=staff, resource=cutter, user=member, **times(place))
    booking = services.book(
        actor=staff,
        resource=cutter,
        user=member,
        override_reason="accompagnée par l'animateur",
        **times(place),
    )
    assert booking.override_reason == "accompagnée par l'animateur"


def test_changing_a_booking_checks_the_qualification_on_the_new_day(place, cutter, laser, member):
    today = timezone.localdate(timezone=place.timezone)
    services.grant_qualification(
        actor=SYSTEM, qualification=laser, user=member, expires_on=today + timedelta(days=2)
    )
    booking = services.book(actor=member, resource=cutter, **times(place))
    later = tomorrow_at(place, 10, days=5)
    with pytest.raises(PermissionDenied, match=TRAINING):
        services.change_booking(
            actor=member, booking=booking, start=later, end=later + timedelta(hours=1)
        )


def test_an_expired_grant_is_refused(place, cutter, laser, member):
    today = timezone.localdate(timezone=place.timezone)
    services.grant_qualification(
        actor=SYSTEM,
        qualification=laser,
        user=member,
        granted_on=today - timedelta(days=400),
        expires_on=today - timedelta(days=35),
    )
    with pytest.raises(PermissionDenied, match=TRAINING):
        services.book(actor=member, resource=cutter, **times(place))
    assert list(selectors.valid_qualifications(member)) == []


def test_a_grant_expiring_before_the_booking_day_is_refused(place, cutter, laser, member):
    today = timezone.localdate(timezone=place.timezone)
    services.grant_qualification(actor=SYSTEM, qualification=laser, user=member, expires_on=today)
    with pytest.raises(PermissionDenied, match=TRAINING):
        services.book(actor=member, resource=cutter, **times(place))


def test_a_revoked_grant_is_refused(place, cutter, laser, member, staff):
    grant = services.grant_qualification(actor=staff, qualification=laser, user=member)
    services.revoke_qualification(actor=staff, grant=grant)
    with pytest.raises(PermissionDenied, match=TRAINING):
        services.book(actor=member, resource=cutter, **times(place))


def test_availability_is_empty_without_the_qualification(place, cutter, laser, member):
    window = (tomorrow_at(place, 0), tomorrow_at(place, 23))
    assert selectors.availability(cutter, *window, for_user=member) == []
    services.grant_qualification(actor=SYSTEM, qualification=laser, user=member)
    assert selectors.availability(cutter, *window, for_user=member) != []
