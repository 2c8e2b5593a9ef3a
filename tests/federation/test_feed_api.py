"""What a peer reads: `GET /api/v1/federation/instance` and the changes feed with
`expand=place` (the place as it is now) and its ETag."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from maillage.common.actors import SYSTEM
from maillage.federation.schemas import PeerChangesPage, PeerInstance
from maillage.places.schemas import PlaceChangesPageOut
from maillage.places.services import delete_place, update_place
from tests.places.factories import make_place

pytestmark = pytest.mark.django_db


def test_the_instance_says_who_it_is_and_keeps_saying_it(client):
    first = client.get("/api/v1/federation/instance").json()
    identity = PeerInstance.model_validate(first)
    assert identity.software == "maillage" and isinstance(identity.uuid, uuid.UUID)
    assert client.get("/api/v1/federation/instance").json()["uuid"] == first["uuid"]
    assert first["changes_feed"] == "/api/v1/places/changes"


def test_expand_place_carries_each_place_as_it_is_now(client):
    place = make_place(name="Le Hangar", services=["Wifi"], siret="73282932000074")
    gone = make_place(name="La Recyclerie")
    update_place(actor=SYSTEM, place=place, changes={"name": "Le Grand Hangar"})
    delete_place(actor=SYSTEM, place=gone)
    body = client.get("/api/v1/places/changes", {"expand": "place"}).json()
    PlaceChangesPageOut.model_validate(body)
    page = PeerChangesPage.model_validate(body)  # what a harvesting peer accepts
    records = [item.place for item in page.items]
    assert records[0].name == "Le Grand Hangar" and records[0].services == ["Wifi"]
    assert records[0].siret == "73282932000074" and records[0].insee_code == "64445"
    assert [item.change for item in page.items] == ["created", "created", "updated", "deleted"]
    assert records[1] is None and records[3] is None  # deleted since, and its tombstone
    # Without expand, the feed is as it was.
    assert "place" not in client.get("/api/v1/places/changes").json()["items"][0]


def test_expand_costs_the_same_queries_whatever_the_page_size(client):
    for number in range(6):
        make_place(name=f"Lieu {number}", services=[f"Service {number}"])

    def queries(limit: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert (
                client.get(
                    "/api/v1/places/changes", {"expand": "place", "limit": limit}
                ).status_code
                == 200
            )
        return len(captured)

    assert queries(1) == queries(6)


def test_the_feed_answers_304_until_something_changes(client):
    place = make_place()
    response = client.get("/api/v1/places/changes", {"expand": "place"})
    etag = response["ETag"]
    again = client.get(
        "/api/v1/places/changes", {"expand": "place"}, headers={"if-none-match": etag}
    )
    assert again.status_code == 304 and again["ETag"] == etag
    # Another query is another answer.
    assert client.get("/api/v1/places/changes", {"limit": 5})["ETag"] != etag
    update_place(actor=SYSTEM, place=place, changes={"name": "Autre nom"})
    changed = client.get(
        "/api/v1/places/changes", {"expand": "place"}, headers={"if-none-match": etag}
    )
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_an_unknown_expand_is_a_422(client):
    response = client.get("/api/v1/places/changes", {"expand": "everything"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "expand"
