"""The events API as issue 9's contract fixes it: fields, filters, status codes, errors."""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from maillage.accounts.services import create_api_token
from maillage.common.actors import SYSTEM
from maillage.events.models import Event, Registration
from maillage.places.services import grant_place_role
from tests.accounts.factories import UserFactory
from tests.bookings.factories import tomorrow_at
from tests.events.factories import make_event
from tests.members.factories import make_membership
from tests.places.factories import make_place

pytestmark = pytest.mark.django_db

CONTRACT_ITEM_FIELDS = {"id", "place_id", "title", "start", "end", "capacity", "seats_left"}


@pytest.fixture
def place():
    return make_place(name="La Fabrique de Pau")


@pytest.fixture
def staff(place):
    user = UserFactory(username="equipe")
    grant_place_role(actor=SYSTEM, place=place, user=user, role="staff")
    return user


def token(user):
    return create_api_token(user=user, name="test")[1]


def call(client, method, path, user=None, body=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token(user)}"} if user else {}
    kwargs = {"content_type": "application/json"}
    if body is not None:
        kwargs["data"] = json.dumps(body)
    return getattr(client, method)(path, **kwargs, **headers)


def member_of(place, name):
    user = UserFactory(username=name)
    make_membership(place, user)
    return user


def test_the_list_carries_the_contract_fields_without_a_token(client, place):
    event = make_event(place, capacity=4)
    response = client.get("/api/v1/events")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    [item] = body["items"]
    assert set(item) >= CONTRACT_ITEM_FIELDS
    assert (item["id"], item["place_id"], item["capacity"], item["seats_left"]) == (
        event.pk,
        place.pk,
        4,
        4,
    )


def test_the_list_filters(client, place):
    other = make_place(name="Ailleurs", insee_code="75056", latitude=48.85, longitude=2.35)
    workshop = make_event(place, category="workshop", title="Atelier")
    full = make_event(place, capacity=1, title="Complet")
    make_event(other, title="Paris")
    Event.objects.filter(pk=full.pk).update(taken=1)
    later = make_event(place, title="Plus tard", start=tomorrow_at(place, 10, days=20))

    def ids(query):
        response = client.get(f"/api/v1/events?{query}")
        assert response.status_code == 200, response.content
        return {item["id"] for item in response.json()["items"]}

    assert ids(f"place={place.pk}") == {workshop.pk, full.pk, later.pk}
    assert ids("territory=departement:64") == {workshop.pk, full.pk, later.pk}
    assert ids("category=workshop") == {workshop.pk}
    assert full.pk not in ids("has_seats=1")
    cut = tomorrow_at(place, 10, days=10).isoformat()
    assert ids(f"from={cut.replace('+', '%2B')}") == {later.pk}
    assert later.pk not in ids(f"to={cut.replace('+', '%2B')}")


def test_a_bare_day_filters_what_happens_that_day(client, place):
    """`from=2026-12-04&to=2026-12-04` is the 4th, midnight to midnight in the instance's
    time zone; an invalid day is a 422 on that field."""
    that_day = make_event(place, title="Ce jour", start=tomorrow_at(place, 10, days=10))
    make_event(place, title="La veille", start=tomorrow_at(place, 10, days=9))
    make_event(place, title="Le lendemain", start=tomorrow_at(place, 10, days=11))
    day = that_day.start.astimezone(place.timezone).date().isoformat()
    response = client.get(f"/api/v1/events?from={day}&to={day}")
    assert response.status_code == 200, response.content
    assert [item["id"] for item in response.json()["items"]] == [that_day.pk]
    refused = client.get("/api/v1/events?from=2026-13-45")
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "from"


def test_the_list_reads_a_fixed_number_of_queries(client, place):
    for n in range(3):
        make_event(place, title=f"E{n}")
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/events")
    for n in range(20):
        make_event(place, title=f"F{n}")
    with CaptureQueriesContext(connection) as many:
        client.get("/api/v1/events")
    assert len(many) == len(few) <= 4


def test_members_only_events_need_a_token_of_a_member(client, place):
    event = make_event(place, visibility="members")
    assert client.get("/api/v1/events").json()["count"] == 0
    assert client.get(f"/api/v1/events/{event.pk}").status_code == 404
    ada = member_of(place, "ada")
    assert call(client, "get", "/api/v1/events", ada).json()["count"] == 1
    bad = client.get("/api/v1/events", HTTP_AUTHORIZATION="Bearer nope")
    assert bad.status_code == 401


def test_staff_create_an_event_with_the_contract_fields(client, place, staff):
    start = tomorrow_at(place, 18, days=2)
    body = {
        "place_id": place.pk,
        "title": "Repair café",
        "start": start.isoformat(),
        "end": (start + timedelta(hours=2)).isoformat(),
        "capacity": 12,
    }
    response = call(client, "post", "/api/v1/events", staff, body)
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["title"] == "Repair café" and created["seats_left"] == 12
    assert created["start"].startswith(start.strftime("%Y-%m-%dT18:00"))
    # A member of the place may not.
    response = call(client, "post", "/api/v1/events", member_of(place, "ada"), body)
    assert response.status_code == 403
    assert set(response.json()) == {"detail", "errors"}
    # Nor anyone without a token.
    assert call(client, "post", "/api/v1/events", None, body).status_code == 401


def test_invalid_events_answer_422_naming_the_field(client, place, staff):
    start = tomorrow_at(place, 18)
    body = {
        "place_id": place.pk,
        "title": "X",
        "start": start.isoformat(),
        "end": (start - timedelta(hours=1)).isoformat(),
        "capacity": 3,
    }
    response = call(client, "post", "/api/v1/events", staff, body)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["end"]


def test_a_member_registers_with_an_empty_body(client, place):
    event = make_event(place, capacity=1)
    ada, bob = member_of(place, "ada"), member_of(place, "bob")
    response = call(client, "post", f"/api/v1/events/{event.pk}/registrations", ada)
    assert response.status_code == 201
    assert response.json() == {
        "id": Registration.objects.get(user=ada).pk,
        "status": "confirmed",
        "position": None,
    }
    response = call(client, "post", f"/api/v1/events/{event.pk}/registrations", bob, {})
    assert response.status_code == 201
    assert (response.json()["status"], response.json()["position"]) == ("waiting", 1)
    again = call(client, "post", f"/api/v1/events/{event.pk}/registrations", ada)
    assert again.status_code == 409


def test_staff_register_someone_else_and_list_the_registrations(client, place, staff):
    event = make_event(place, capacity=5)
    response = call(
        client,
        "post",
        f"/api/v1/events/{event.pk}/registrations",
        staff,
        {"name": "Jean Dupont", "email": "jean@example.org"},
    )
    assert response.status_code == 201 and response.json()["status"] == "confirmed"
    listing = call(client, "get", f"/api/v1/events/{event.pk}/registrations", staff)
    assert listing.status_code == 200
    [item] = listing.json()["items"]
    assert (item["name"], item["email"]) == ("Jean Dupont", "jean@example.org")
    ada = member_of(place, "ada")
    assert call(client, "get", f"/api/v1/events/{event.pk}/registrations", ada).status_code == 403


def test_deleting_a_registration_promotes_the_first_waiting(client, place):
    event = make_event(place, capacity=1)
    ada, bob = member_of(place, "ada"), member_of(place, "bob")
    first = call(client, "post", f"/api/v1/events/{event.pk}/registrations", ada).json()
    second = call(client, "post", f"/api/v1/events/{event.pk}/registrations", bob).json()
    # Bob may not cancel Ada's registration: he does not see it.
    assert call(client, "delete", f"/api/v1/registrations/{first['id']}", bob).status_code == 404
    response = call(client, "delete", f"/api/v1/registrations/{first['id']}", ada)
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert Registration.objects.get(pk=second["id"]).status == "confirmed"
    again = call(client, "delete", f"/api/v1/registrations/{first['id']}", ada)
    assert again.status_code == 409


def test_my_registrations(client, place):
    event = make_event(place)
    ada = member_of(place, "ada")
    call(client, "post", f"/api/v1/events/{event.pk}/registrations", ada)
    response = call(client, "get", "/api/v1/registrations", ada)
    assert response.status_code == 200 and response.json()["count"] == 1


def test_staff_change_and_cancel_an_event(client, place, staff):
    event = make_event(place, capacity=2)
    response = call(client, "patch", f"/api/v1/events/{event.pk}", staff, {"capacity": 8})
    assert response.status_code == 200 and response.json()["capacity"] == 8
    response = call(client, "delete", f"/api/v1/events/{event.pk}?reason=Neige", staff)
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert call(client, "delete", f"/api/v1/events/{event.pk}", staff).status_code == 409
