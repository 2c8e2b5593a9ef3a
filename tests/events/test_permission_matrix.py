"""Who may make every events write, by role, through the services and the API.

The seven people of issue 9 §4: anonymous, a guest (no account, by email), a member of place
A, the staff of A, a member of place B, the coordinator of a network that contains A, and an
instance administrator. Services answer allowed or PermissionDenied; the API 401 (no token),
403 (a right the person lacks) or 404 (what they may not see).
"""

import json
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from maillage.accounts.services import create_api_token
from maillage.common.actors import SYSTEM
from maillage.common.errors import PermissionDenied
from maillage.events import services
from maillage.events.models import Event, Registration
from maillage.events.rules import can_see_event, events_where
from maillage.places.services import grant_place_role, save_network
from tests.accounts.factories import AdminFactory, UserFactory
from tests.events.factories import event_data, make_event
from tests.members.factories import make_membership
from tests.places.factories import make_place

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "guest", "member_a", "staff_a", "member_b", "coordinator", "admin")
RUN_A = ("staff_a", "admin")


def allowed_to(*roles: str) -> list[tuple[str, bool]]:
    return [(role, role in roles) for role in ROLES]


@pytest.fixture
def world():
    people = {
        "anonymous": AnonymousUser(),
        "guest": AnonymousUser(),
        "member_a": UserFactory(username="membre-a"),
        "staff_a": UserFactory(username="equipe-a"),
        "member_b": UserFactory(username="membre-b"),
        "coordinator": UserFactory(username="coordination"),
        "admin": AdminFactory(username="admin-instance"),
    }
    place_a = make_place(name="Lieu A")
    place_b = make_place(name="Lieu B")
    grant_place_role(actor=SYSTEM, place=place_a, user=people["staff_a"], role="staff")
    make_membership(place_a, people["member_a"])
    make_membership(place_b, people["member_b"])
    network = save_network(
        actor=SYSTEM,
        network=None,
        data={
            "name": "Réseau",
            "slug": "reseau",
            "places": [place_a],
            "coordinators": [people["coordinator"]],
        },
    )
    event = make_event(place_a, capacity=5)
    members_only = make_event(place_a, visibility="members", title="Assemblée")
    registration = services.register(actor=people["member_a"], event=event)
    return {
        **people,
        "place_a": place_a,
        "network": network,
        "event": event,
        "members_only": members_only,
        "registration": registration,
    }


def attempt(write) -> bool:
    try:
        write()
    except PermissionDenied:
        return False
    return True


@pytest.mark.parametrize(("role", "allowed"), allowed_to(*RUN_A))
def test_create_an_event_of_the_place(world, role, allowed):
    def write():
        services.create_event(
            actor=world[role], place=world["place_a"], data=event_data(world["place_a"])
        )

    assert attempt(write) is allowed


@pytest.mark.parametrize(("role", "allowed"), allowed_to("coordinator", "admin"))
def test_create_a_network_event(world, role, allowed):
    data = event_data(world["place_a"], location_kind="address", address="Salle des fêtes")

    def write():
        services.create_event(actor=world[role], network=world["network"], data=data)

    assert attempt(write) is allowed


@pytest.mark.parametrize(("role", "allowed"), allowed_to(*RUN_A))
def test_change_an_event(world, role, allowed):
    assert (
        attempt(
            lambda: services.update_event(
                actor=world[role], event=world["event"], data={"title": "Nouveau titre"}
            )
        )
        is allowed
    )


@pytest.mark.parametrize(("role", "allowed"), allowed_to(*RUN_A))
def test_cancel_an_event(world, role, allowed):
    assert attempt(lambda: services.cancel_event(actor=world[role], event=world["event"])) is (
        allowed
    )


@pytest.mark.parametrize(
    ("role", "allowed"),
    allowed_to("guest", "member_a", "staff_a", "member_b", "coordinator", "admin"),
)
def test_register_oneself_to_a_public_event(world, role, allowed):
    def write():
        if role == "guest":  # no account: by email, confirmed by the signed link
            services.register_guest(event=world["event"], name="X", email="x@example.org")
        else:  # anonymous: without an email, nobody to register
            services.register(actor=world[role], event=world["event"])

    if role == "member_a":  # already registered in the fixture: cancel first
        services.cancel_registration(actor=SYSTEM, registration=world["registration"])
    assert attempt(write) is allowed


@pytest.mark.parametrize(("role", "allowed"), allowed_to("member_a", "staff_a", "admin"))
def test_register_oneself_to_a_members_only_event(world, role, allowed):
    def write():
        if role == "guest":
            services.register_guest(event=world["members_only"], name="X", email="x@example.org")
        else:
            services.register(actor=world[role], event=world["members_only"])

    assert attempt(write) is allowed


@pytest.mark.parametrize(("role", "allowed"), allowed_to(*RUN_A))
def test_register_someone_else(world, role, allowed):
    def write():
        services.register(
            actor=world[role], event=world["event"], name="Jean", email="jean@example.org"
        )

    assert attempt(write) is allowed


@pytest.mark.parametrize(("role", "allowed"), allowed_to("member_a", *RUN_A))
def test_cancel_a_registration(world, role, allowed):
    assert (
        attempt(
            lambda: services.cancel_registration(
                actor=world[role], registration=world["registration"]
            )
        )
        is allowed
    )


@pytest.mark.parametrize(("role", "allowed"), allowed_to(*RUN_A))
def test_mark_attendance(world, role, allowed):
    Event.objects.filter(pk=world["event"].pk).update(start=timezone.now() - timedelta(hours=1))
    registration = Registration.objects.select_related("event").get(pk=world["registration"].pk)
    assert (
        attempt(
            lambda: services.mark_attendance(
                actor=world[role], registration=registration, attendance="present"
            )
        )
        is allowed
    )


# --- the same rights through the API ------------------------------------------------------------


def api(client, world, role, method, path, *, body=None):
    headers = {}
    if role not in ("anonymous", "guest"):
        headers["HTTP_AUTHORIZATION"] = f"Bearer {create_api_token(user=world[role], name='t')[1]}"
    kwargs = {"content_type": "application/json"}
    if body is not None:
        kwargs["data"] = json.dumps(body)
    return getattr(client, method)(path, **kwargs, **headers)


API_RUN_A = {"anonymous": 401, "guest": 401, "member_a": 403, "staff_a": 201, "member_b": 403}


@pytest.mark.parametrize("role", ROLES)
def test_api_create_event(client, world, role):
    start = world["event"].start
    body = {
        "place_id": world["place_a"].pk,
        "title": "Nouveau",
        "start": start.isoformat(),
        "end": (start + timedelta(hours=1)).isoformat(),
        "capacity": 3,
    }
    expected = {**API_RUN_A, "coordinator": 403, "admin": 201}[role]
    assert api(client, world, role, "post", "/api/v1/events", body=body).status_code == expected


@pytest.mark.parametrize("role", ROLES)
def test_api_list_registrations_of_an_event(client, world, role):
    path = f"/api/v1/events/{world['event'].pk}/registrations"
    expected = {**API_RUN_A, "staff_a": 200, "coordinator": 403, "admin": 200}[role]
    assert api(client, world, role, "get", path).status_code == expected


@pytest.mark.parametrize("role", ROLES)
def test_api_register_someone_else(client, world, role):
    path = f"/api/v1/events/{world['event'].pk}/registrations"
    body = {"name": "Jean", "email": "jean@example.org"}
    expected = {**API_RUN_A, "coordinator": 403, "admin": 201}[role]
    assert api(client, world, role, "post", path, body=body).status_code == expected


@pytest.mark.parametrize("role", ROLES)
def test_api_cancel_a_registration(client, world, role):
    path = f"/api/v1/registrations/{world['registration'].pk}"
    expected = {
        "anonymous": 401,
        "guest": 401,
        "member_a": 200,
        "staff_a": 200,
        "member_b": 404,
        "coordinator": 404,
        "admin": 200,
    }[role]
    assert api(client, world, role, "delete", path).status_code == expected


@pytest.mark.parametrize("role", ROLES)
def test_api_change_and_cancel_an_event(client, world, role):
    path = f"/api/v1/events/{world['event'].pk}"
    expected = {**API_RUN_A, "staff_a": 200, "coordinator": 403, "admin": 200}[role]
    assert api(client, world, role, "patch", path, body={"capacity": 9}).status_code == expected
    assert api(client, world, role, "delete", path).status_code == expected


@pytest.mark.parametrize("role", ROLES)
def test_can_see_event_agrees_with_the_events_scoper(world, role):
    """The API reads one event by its id and asks `can_see_event` (one plain query for a public
    event): it must answer as `events_where` does, for every person and kind of event."""
    network_event = make_event(
        network=world["network"],
        visibility="members",
        location_kind="address",
        address="Salle des fêtes",
    )
    user = world[role]
    for event in (world["event"], world["members_only"], network_event):
        assert can_see_event(user, event) is events_where(user).filter(pk=event.pk).exists()
