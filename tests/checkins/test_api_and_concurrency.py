"""The check-ins API, and a person checking in at two places at once from parallel clients."""

import pytest

from maillage.accounts.services import create_api_token
from maillage.checkins.models import CheckIn
from tests.accounts.factories import UserFactory
from tests.checkins.factories import make_member
from tests.concurrency import Call, send_all
from tests.members.factories import make_membership
from tests.places.factories import make_place
from tests.territories.factories import load_reference_sample


def bearer(user):
    return {"HTTP_AUTHORIZATION": f"Bearer {create_api_token(user=user, name='t')[1]}"}


@pytest.mark.django_db
def test_a_member_checks_in_and_out_through_the_api(client):
    place, other = make_place(name="Un"), make_place(name="Deux")
    member = make_member(place)
    make_membership(other, member)
    headers = bearer(member)
    created = client.post(
        "/api/v1/checkins", {"place_id": place.pk}, content_type="application/json", **headers
    )
    assert created.status_code == 201
    again = client.post(
        "/api/v1/checkins", {"place_id": place.pk}, content_type="application/json", **headers
    )
    assert again.status_code == 200 and again.json()["already_here"]
    moved = client.post(
        "/api/v1/checkins", {"place_id": other.pk}, content_type="application/json", **headers
    )
    assert moved.status_code == 201
    assert moved.json()["closed_checkin_id"] == created.json()["id"]
    out = client.post("/api/v1/checkins/current/checkout", **headers)
    assert out.status_code == 200 and out.json()["checked_out_at"]
    assert client.post("/api/v1/checkins/current/checkout", **headers).status_code == 404


@pytest.mark.django_db
def test_the_api_refuses_strangers_and_unknown_places(client):
    place = make_place()
    headers = bearer(UserFactory())
    refused = client.post(
        "/api/v1/checkins", {"place_id": place.pk}, content_type="application/json", **headers
    )
    assert refused.status_code == 403
    assert "membres actifs" in refused.json()["detail"]
    unknown = client.post(
        "/api/v1/checkins", {"place_id": 999999}, content_type="application/json", **headers
    )
    assert unknown.status_code == 404
    anonymous = client.post(
        "/api/v1/checkins", {"place_id": place.pk}, content_type="application/json"
    )
    assert anonymous.status_code == 401


@pytest.mark.django_db(transaction=True)
def test_parallel_check_ins_of_one_person_at_two_places_leave_exactly_one_open(app_server):
    load_reference_sample()  # a transactional test may follow one that emptied the tables
    places = [make_place(name="Un"), make_place(name="Deux")]
    member = make_member(places[0])
    make_membership(places[1], member)
    token = create_api_token(user=member, name="t")[1]
    calls = [
        Call("POST", "/api/v1/checkins", {"place_id": places[n % 2].pk}, token) for n in range(20)
    ]
    responses = send_all(app_server.url, calls, clients=20)
    statuses = [response.status for response in responses]
    assert set(statuses) <= {200, 201, 409}, [r.body for r in responses]
    assert statuses.count(201) >= 1
    assert CheckIn.objects.filter(user=member, checked_out_at=None).count() == 1
    # Every stay but the open one was closed, none before it started.
    for checkin in CheckIn.objects.filter(user=member).exclude(checked_out_at=None):
        assert checkin.checked_out_at >= checkin.checked_in_at
