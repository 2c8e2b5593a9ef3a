"""Who may make every bookings write, by role, through the services and the API.

The six people of tests/places/test_permission_matrix.py: anonymous, the staff of place A, the
manager of A, the manager of B, the coordinator of a network that contains A, and an instance
administrator. Services answer allowed or PermissionDenied; the API 401 (no token), 403 (a
right the person lacks) or 404 (a booking they may not see).
"""

import json
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser

from maillage.accounts.services import create_api_token
from maillage.bookings import services
from maillage.bookings.models import Booking, QualificationGrant, Resource, ResourceKind
from maillage.common.actors import SYSTEM
from maillage.common.errors import PermissionDenied
from maillage.places.services import save_network
from tests.bookings.factories import make_qualification, make_resource, tomorrow_at
from tests.factories import AdminFactory, UserFactory, make_place
from tests.members.factories import make_membership

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "staff_a", "manager_a", "manager_b", "coordinator", "admin")
RUNNERS_OF_A = ("staff_a", "manager_a", "admin")


def allowed_to(*roles: str) -> list[tuple[str, bool]]:
    return [(role, role in roles) for role in ROLES]


@pytest.fixture
def world():
    people = {
        "anonymous": AnonymousUser(),
        "staff_a": UserFactory(username="equipe-a"),
        "manager_a": UserFactory(username="gestion-a"),
        "manager_b": UserFactory(username="gestion-b"),
        "coordinator": UserFactory(username="coordination"),
        "admin": AdminFactory(username="admin-instance"),
    }
    place_a = make_place(name="Lieu A", managers=[people["manager_a"]], staff=[people["staff_a"]])
    make_place(name="Lieu B", managers=[people["manager_b"]])
    save_network(
        actor=SYSTEM,
        network=None,
        data={
            "name": "Réseau",
            "slug": "reseau",
            "places": [place_a],
            "coordinators": [people["coordinator"]],
        },
    )
    member = UserFactory(username="membre-a")
    make_membership(place_a, member)
    room = make_resource(place_a)
    public = make_resource(place_a, name="Salle publique", bookable_by="public")
    start = tomorrow_at(place_a, 10)
    booking = services.book(
        actor=member, resource=room, start=start, end=start + timedelta(hours=1)
    )
    qualification = make_qualification(place_a)
    return {
        **people,
        "place_a": place_a,
        "member": member,
        "room": room,
        "public": public,
        "booking": booking,
        "qualification": qualification,
    }


def attempt(write) -> bool:
    try:
        write()
    except PermissionDenied:
        return False
    return True


def later(world, hour):
    start = tomorrow_at(world["place_a"], hour)
    return {"start": start, "end": start + timedelta(hours=1)}


@pytest.mark.parametrize(("role", "allowed"), allowed_to(*RUNNERS_OF_A))
def test_create_resource(world, role, allowed):
    create = lambda: services.create_resource(  # noqa: E731
        actor=world[role], place=world["place_a"], name="Imprimante 3D", kind=ResourceKind.MACHINE
    )
    assert attempt(create) == allowed
    assert Resource.objects.filter(name="Imprimante 3D").exists() == allowed


@pytest.mark.parametrize(("role", "allowed"), allowed_to(*RUNNERS_OF_A))
def test_update_resource(world, role, allowed):
    update = lambda: services.update_resource(  # noqa: E731
        actor=world[role], resource=world["room"], capacity=1, name="Salle Ossau"
    )
    assert attempt(update) == allowed
    assert Resource.objects.filter(name="Salle Ossau").exists() == allowed


@pytest.mark.parametrize(("role", "allowed"), allowed_to(*[r for r in ROLES if r != "anonymous"]))
def test_book_a_public_resource_for_oneself(world, role, allowed):
    book = lambda: services.book(  # noqa: E731
        actor=world[role], resource=world["public"], **later(world, 14)
    )
    assert attempt(book) == allowed


@pytest.mark.parametrize(("role", "allowed"), allowed_to(*RUNNERS_OF_A))
def test_book_for_a_member(world, role, allowed):
    book = lambda: services.book(  # noqa: E731
        actor=world[role], resource=world["room"], user=world["member"], **later(world, 14)
    )
    assert attempt(book) == allowed


@pytest.mark.parametrize(("role", "allowed"), allowed_to(*RUNNERS_OF_A))
def test_book_overriding_the_rules(world, role, allowed):
    book = lambda: services.book(  # noqa: E731
        actor=world[role],
        resource=world["public"],
        user=world["member"],
        start=tomorrow_at(world["place_a"], 10, 10),
        end=tomorrow_at(world["place_a"], 10, 25),
        override_reason="créneau court exceptionnel",
    )
    assert attempt(book) == allowed


@pytest.mark.parametrize(("role", "allowed"), allowed_to(*RUNNERS_OF_A))
def test_book_a_series_for_a_member(world, role, allowed):
    when = later(world, 16)
    series = lambda: services.book_series(  # noqa: E731
        actor=world[role],
        resource=world["room"],
        user=world["member"],
        interval_weeks=1,
        until=(when["start"] + timedelta(weeks=1)).date(),
        **when,
    )
    assert attempt(series) == allowed


@pytest.mark.parametrize(("role", "allowed"), allowed_to(*RUNNERS_OF_A))
def test_change_a_member_s_booking(world, role, allowed):
    change = lambda: services.change_booking(  # noqa: E731
        actor=world[role], booking=world["booking"], **later(world, 15)
    )
    assert attempt(change) == allowed


@pytest.mark.parametrize(("role", "allowed"), allowed_to(*RUNNERS_OF_A))
def test_cancel_a_member_s_booking(world, role, allowed):
    cancel = lambda: services.cancel_booking(actor=world[role], booking=world["booking"])  # noqa: E731
    assert attempt(cancel) == allowed
    assert Booking.objects.get(pk=world["booking"].pk).is_confirmed != allowed


@pytest.mark.parametrize(("role", "allowed"), allowed_to(*RUNNERS_OF_A))
def test_create_qualification(world, role, allowed):
    create = lambda: services.create_qualification(  # noqa: E731
        actor=world[role], place=world["place_a"], name="Tour à bois"
    )
    assert attempt(create) == allowed


@pytest.mark.parametrize(("role", "allowed"), allowed_to(*RUNNERS_OF_A))
def test_grant_qualification(world, role, allowed):
    grant = lambda: services.grant_qualification(  # noqa: E731
        actor=world[role], qualification=world["qualification"], user=world["member"]
    )
    assert attempt(grant) == allowed
    assert QualificationGrant.objects.exists() == allowed


@pytest.mark.parametrize(("role", "allowed"), allowed_to(*RUNNERS_OF_A))
def test_revoke_qualification(world, role, allowed):
    grant = services.grant_qualification(
        actor=SYSTEM, qualification=world["qualification"], user=world["member"]
    )
    revoke = lambda: services.revoke_qualification(actor=world[role], grant=grant)  # noqa: E731
    assert attempt(revoke) == allowed


# --- API ----------------------------------------------------------------------------------------

EXPECTED_API = {
    "anonymous": 401,
    "staff_a": "ok",
    "manager_a": "ok",
    "manager_b": 404,
    "coordinator": 404,
    "admin": "ok",
}


def call(client, world, role, method, url, *, body=None):
    headers = {}
    if role != "anonymous":
        headers["Authorization"] = f"Bearer {create_api_token(user=world[role], name='t')[1]}"
    return getattr(client, method)(
        url,
        data=json.dumps(body) if body is not None else None,
        content_type="application/json",
        headers=headers,
    )


def iso(when):
    return {name: value.isoformat() for name, value in when.items()}


@pytest.mark.parametrize("role", ROLES)
def test_api_book_for_a_member(client, world, role):
    body = {"resource_id": world["room"].pk, "user_id": world["member"].pk, **iso(later(world, 14))}
    answer = call(client, world, role, "post", "/api/v1/bookings", body=body)
    expected = {"anonymous": 401, "manager_b": 403, "coordinator": 403}.get(role, 201)
    assert answer.status_code == expected, answer.content


@pytest.mark.parametrize("role", ROLES)
def test_api_change_a_member_s_booking(client, world, role):
    url = f"/api/v1/bookings/{world['booking'].pk}"
    answer = call(client, world, role, "patch", url, body=iso(later(world, 15)))
    expected = EXPECTED_API[role]
    assert answer.status_code == (200 if expected == "ok" else expected)


@pytest.mark.parametrize("role", ROLES)
def test_api_cancel_a_member_s_booking(client, world, role):
    answer = call(client, world, role, "delete", f"/api/v1/bookings/{world['booking'].pk}")
    expected = EXPECTED_API[role]
    assert answer.status_code == (200 if expected == "ok" else expected)
    assert Booking.objects.get(pk=world["booking"].pk).is_confirmed == (expected != "ok")
