"""The bookings API: resources, availability, bookings CRUD, my qualifications."""

import json
from datetime import datetime, timedelta

import pytest

from maillage.accounts.services import create_api_token
from maillage.bookings import services
from maillage.bookings.models import Booking, ResourceKind
from maillage.common.actors import SYSTEM
from tests.accounts.factories import UserFactory
from tests.bookings.factories import make_qualification, make_resource, tomorrow_at
from tests.members.factories import make_membership
from tests.places.factories import make_place

pytestmark = pytest.mark.django_db


def call(client, method: str, url: str, user=None, body=None):
    headers = {}
    if user is not None:
        headers["Authorization"] = f"Bearer {create_api_token(user=user, name='test')[1]}"
    return getattr(client, method)(
        url,
        data=json.dumps(body) if body is not None else None,
        content_type="application/json",
        headers=headers,
    )


@pytest.fixture
def place():
    return make_place(staff=[UserFactory(username="desk")])


@pytest.fixture
def staff(place):
    return place.roles.get(role="staff").user


@pytest.fixture
def member(place):
    person = UserFactory(username="membre")
    make_membership(place, person)
    return person


@pytest.fixture
def room(place):
    return make_resource(place)


def slot(place, hour=10, hours=1, days=1):
    start = tomorrow_at(place, hour, days=days)
    return {"start": start.isoformat(), "end": (start + timedelta(hours=hours)).isoformat()}


def test_resources_list_paginates_and_filters(client, place, member, django_assert_max_num_queries):
    make_resource(place, name="A")
    make_resource(place, name="B", kind=ResourceKind.DESK, capacity=6)
    make_resource(place, name="C", bookable_by="public", kind=ResourceKind.MACHINE)
    make_resource(make_place(name="Ailleurs"), name="D")
    url = "/api/v1/resources"
    token = create_api_token(user=member, name="t")[1]
    headers = {"Authorization": f"Bearer {token}"}
    with django_assert_max_num_queries(6):
        answer = client.get(url, {"limit": 2, "offset": 1}, headers=headers)
    assert answer.status_code == 200
    body = answer.json()
    assert body["count"] == 4 and len(body["items"]) == 2
    item = body["items"][0]
    assert {"id", "place_id", "name", "kind", "capacity", "requires_qualification"} <= set(item)
    by_place = client.get(url, {"place": place.pk}, headers=headers).json()
    assert by_place["count"] == 3
    desks = client.get(url, {"kind": "desk"}, headers=headers).json()
    assert [r["name"] for r in desks["items"]] == ["B"]
    with django_assert_max_num_queries(8):
        mine = client.get(url, {"bookable_by_me": 1}, headers=headers).json()
    assert sorted(r["name"] for r in mine["items"]) == ["A", "B", "C"]
    stranger = call(client, "get", f"{url}?bookable_by_me=1", UserFactory()).json()
    assert [r["name"] for r in stranger["items"]] == ["C"]
    assert client.get(url, {"kind": "spaceship"}, headers=headers).status_code == 422
    assert client.get(url).status_code == 401


def test_a_resource_and_an_inactive_one(client, place, member, staff):
    room = make_resource(place)
    closed = make_resource(place, name="Fermée", is_active=False)
    assert call(client, "get", f"/api/v1/resources/{room.pk}", member).json()["id"] == room.pk
    assert call(client, "get", f"/api/v1/resources/{closed.pk}", member).status_code == 404
    assert call(client, "get", f"/api/v1/resources/{closed.pk}", staff).status_code == 200
    assert call(client, "get", "/api/v1/resources/999999", member).status_code == 404


def test_availability_gives_the_free_intervals_for_the_caller(client, place, member):
    room = make_resource(place, opening_hours="Mo-Su 09:00-12:00")
    services.book(
        actor=member, resource=room, start=tomorrow_at(place, 10), end=tomorrow_at(place, 11)
    )
    params = {
        "from": tomorrow_at(place, 0).isoformat(),
        "to": tomorrow_at(place, 23).isoformat(),
    }
    answer = call(
        client,
        "get",
        f"/api/v1/resources/{room.pk}/availability?"
        + "&".join(f"{k}={v.replace('+', '%2B')}" for k, v in params.items()),
        member,
    )
    assert answer.status_code == 200
    free = answer.json()["free"]
    assert [(datetime.fromisoformat(f["start"]).hour, f["seats"]) for f in free] == [
        (9, 1),
        (11, 1),
    ]
    assert datetime.fromisoformat(free[0]["end"]) == tomorrow_at(place, 10)


def test_availability_refuses_bad_ranges(client, room, member):
    url = f"/api/v1/resources/{room.pk}/availability"
    for query in (
        "from=2026-12-02T10:00&to=2026-12-03T10:00Z",
        "from=2026-12-03T10:00Z&to=2026-12-02T10:00Z",
        "from=2026-01-01T00:00Z&to=2026-12-01T00:00Z",
    ):
        answer = call(client, "get", f"{url}?{query}", member)
        assert answer.status_code == 422, query


def test_book_then_list_change_and_cancel(client, place, room, member):
    answer = call(
        client, "post", "/api/v1/bookings", member, {"resource_id": room.pk, **slot(place)}
    )
    assert answer.status_code == 201, answer.content
    booking = answer.json()
    assert booking["status"] == "confirmed" and booking["resource_id"] == room.pk
    assert datetime.fromisoformat(booking["start"]) == tomorrow_at(place, 10)
    assert booking["seats"] == 1 and {"id", "end"} <= set(booking)

    listed = call(client, "get", f"/api/v1/bookings?resource_id={room.pk}", member).json()
    assert [b["id"] for b in listed["items"]] == [booking["id"]]
    one = call(client, "get", f"/api/v1/bookings/{booking['id']}", member).json()
    assert one["id"] == booking["id"]

    moved = call(client, "patch", f"/api/v1/bookings/{booking['id']}", member, slot(place, 14))
    assert moved.status_code == 200
    assert datetime.fromisoformat(moved.json()["start"]) == tomorrow_at(place, 14)

    cancelled = call(client, "delete", f"/api/v1/bookings/{booking['id']}", member)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    again = call(client, "delete", f"/api/v1/bookings/{booking['id']}", member)
    assert again.status_code == 409


def test_a_taken_slot_answers_409_naming_the_taken_range(client, place, room, member):
    call(client, "post", "/api/v1/bookings", member, {"resource_id": room.pk, **slot(place, 10, 2)})
    answer = call(
        client, "post", "/api/v1/bookings", member, {"resource_id": room.pk, **slot(place, 11)}
    )
    assert answer.status_code == 409
    assert "de 10:00 à 12:00" in answer.json()["detail"]


def test_rules_answer_403_or_422_naming_the_rule(client, place, room, member):
    stranger = call(
        client, "post", "/api/v1/bookings", UserFactory(), {"resource_id": room.pk, **slot(place)}
    )
    assert stranger.status_code == 403 and "membres" in stranger.json()["detail"]
    too_long = call(
        client, "post", "/api/v1/bookings", member, {"resource_id": room.pk, **slot(place, 8, 9)}
    )
    assert too_long.status_code == 422
    assert "maximale" in too_long.json()["errors"][0]["message"]
    naive = call(
        client,
        "post",
        "/api/v1/bookings",
        member,
        {"resource_id": room.pk, "start": "2026-12-02T10:00", "end": "2026-12-02T11:00"},
    )
    assert naive.status_code == 422


def test_staff_book_for_someone_with_an_override(client, place, room, staff):
    guest = UserFactory()
    body = {"resource_id": room.pk, **slot(place), "user_id": guest.pk}
    assert call(client, "post", "/api/v1/bookings", staff, body).status_code == 403
    body["override_reason"] = "invitée"
    answer = call(client, "post", "/api/v1/bookings", staff, body)
    assert answer.status_code == 201 and answer.json()["user_id"] == guest.pk
    assert Booking.objects.get().override_reason == "invitée"
    # The person sees it among their bookings; someone else does not.
    assert call(client, "get", "/api/v1/bookings", guest).json()["count"] == 1
    assert call(client, "get", "/api/v1/bookings", UserFactory()).json()["count"] == 0
    assert call(client, "get", "/api/v1/bookings", staff).json()["count"] == 1


def test_someone_else_s_booking_is_not_found(client, place, room, member):
    booking = services.book(
        actor=member, resource=room, start=tomorrow_at(place, 10), end=tomorrow_at(place, 11)
    )
    other = UserFactory()
    for method in ("get", "delete"):
        assert call(client, method, f"/api/v1/bookings/{booking.pk}", other).status_code == 404
    patch = call(client, "patch", f"/api/v1/bookings/{booking.pk}", other, slot(place, 14))
    assert patch.status_code == 404


def test_bookings_list_filters_by_time_and_keeps_its_queries(
    client, place, room, member, django_assert_max_num_queries
):
    for day in range(1, 6):
        services.book(
            actor=member,
            resource=room,
            start=tomorrow_at(place, 10, days=day),
            end=tomorrow_at(place, 11, days=day),
        )
    token = create_api_token(user=member, name="t")[1]
    headers = {"Authorization": f"Bearer {token}"}
    params = {
        "from": tomorrow_at(place, 0, days=2).isoformat(),
        "to": tomorrow_at(place, 0, days=4).isoformat(),
    }
    with django_assert_max_num_queries(5):
        answer = client.get("/api/v1/bookings", params, headers=headers)
    assert answer.json()["count"] == 2
    with django_assert_max_num_queries(5):
        everything = client.get("/api/v1/bookings", {"limit": 500}, headers=headers)
    assert everything.json()["count"] == 5


def test_my_qualifications_list_the_resources_they_open(
    client, place, member, django_assert_max_num_queries
):
    laser = make_qualification(place)
    cutter = make_resource(
        place, name="Découpeuse", kind=ResourceKind.MACHINE, required_qualification=laser
    )
    services.grant_qualification(
        actor=SYSTEM,
        qualification=laser,
        user=member,
        expires_on=tomorrow_at(place, 0, days=30).date(),
    )
    token = create_api_token(user=member, name="t")[1]
    with django_assert_max_num_queries(5):
        answer = client.get(
            "/api/v1/me/qualifications", headers={"Authorization": f"Bearer {token}"}
        )
    items = answer.json()["items"]
    assert items[0]["resource_ids"] == [cutter.pk]
    assert items[0]["expires_at"] == tomorrow_at(place, 0, days=30).date().isoformat()
    assert items[0]["training"] == "Initiation découpe laser"


# PostgreSQL accepts UTC offsets up to ±15:59 only; ISO 8601 and Python up to ±23:59. Instants
# are turned to UTC when read (common.schemas.Instant), so such a value is an ordinary instant
# (schemathesis found GET /bookings answering 500 on PostgreSQL before).
FAR_OFFSET = "0169-01-06T18:39:08-16:41"


def test_instants_with_offsets_beyond_postgresql_s_are_read_as_utc(client, member, room):
    listed = call(client, "get", f"/api/v1/bookings?from={FAR_OFFSET}", user=member)
    assert listed.status_code == 200, listed.content
    free = call(
        client,
        "get",
        f"/api/v1/resources/{room.pk}/availability?from={FAR_OFFSET}&to=0169-01-07T00:00:00-16:41",
        user=member,
    )
    assert free.status_code in (200, 422), free.content
    start = datetime.fromisoformat(slot(room.place)["start"]).astimezone()
    body = {
        "resource_id": room.pk,
        "start": start.astimezone(_offset(-16, -41)).isoformat(),
        "end": (start + timedelta(hours=1)).astimezone(_offset(-16, -41)).isoformat(),
    }
    created = call(client, "post", "/api/v1/bookings", user=member, body=body)
    assert created.status_code == 201, created.content
    assert Booking.objects.get(pk=created.json()["id"]).start == start


def _offset(hours: int, minutes: int):
    from datetime import timezone

    return timezone(timedelta(hours=hours, minutes=minutes))
