"""GET /api/v1/places.geojson and /api/v1/places.csv: every match, same filters as the list."""

import csv
import io

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from maillage.common.actors import SYSTEM
from maillage.places.formats.canonical import CANONICAL_FIELDS
from maillage.places.services import delete_place, update_place
from tests.places.factories import make_place

pytestmark = pytest.mark.django_db

GEOJSON = "/api/v1/places.geojson"
CSV = "/api/v1/places.csv"


@pytest.fixture(autouse=True)
def empty_cache():
    """The whole map's GeoJSON is cached: every test starts without a stored body."""
    cache.clear()


@pytest.fixture
def pau_and_lescar():
    pau = make_place(
        name="Fablab de Pau",
        kinds=["fablab", "makerspace"],
        services=["Impression 3D"],
        opening_hours="24/7",
    )
    lescar = make_place(
        name="Coworking Lescar",
        kinds=["coworking"],
        insee_code="64348",
        latitude=43.3333,
        longitude=-0.4347,
    )
    return pau, lescar


def test_geojson_has_every_place_with_full_properties(client, pau_and_lescar):
    pau, lescar = pau_and_lescar
    response = client.get(GEOJSON)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    collection = response.json()
    assert collection["type"] == "FeatureCollection"
    assert [feature["id"] for feature in collection["features"]] == [lescar.pk, pau.pk]
    feature = collection["features"][1]
    assert feature["geometry"] == {"type": "Point", "coordinates": [-0.3708, 43.2951]}
    properties = feature["properties"]
    assert properties["name"] == "Fablab de Pau"
    assert properties["kinds"] == ["fablab", "makerspace"]
    assert properties["services"] == ["Impression 3D"]
    assert properties["url"] == "/lieux/fablab-de-pau-pau/"
    assert properties["insee_code"] == "64445"


def test_compact_geojson_keeps_what_a_map_needs(client, pau_and_lescar):
    pau, _ = pau_and_lescar
    features = client.get(GEOJSON, {"compact": "1", "kind": "fablab"}).json()["features"]
    assert features == [
        {
            "type": "Feature",
            "id": pau.pk,
            "geometry": {"type": "Point", "coordinates": [-0.3708, 43.2951]},
            "properties": {
                "id": pau.pk,
                "slug": "fablab-de-pau-pau",
                "url": "/lieux/fablab-de-pau-pau/",
                "name": "Fablab de Pau",
                "kinds": ["fablab", "makerspace"],
                "status": "open",
                "city": "Pau",
            },
        }
    ]


def test_geojson_filters_and_errors_are_the_lists(client, pau_and_lescar):
    features = client.get(GEOJSON, {"territory": "commune:64348"}).json()["features"]
    assert [feature["properties"]["name"] for feature in features] == ["Coworking Lescar"]
    near = client.get(GEOJSON, {"near": "64348", "radius_km": "20"}).json()["features"]
    assert [feature["properties"]["name"] for feature in near] == [
        "Coworking Lescar",
        "Fablab de Pau",
    ]
    response = client.get(GEOJSON, {"bbox": "west"})
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["bbox"]


def test_geojson_is_cacheable_and_answers_conditional_requests(client, pau_and_lescar):
    pau, lescar = pau_and_lescar
    first = client.get(GEOJSON)
    etag, last_modified = first["ETag"], first["Last-Modified"]
    assert "public" in first["Cache-Control"]
    assert "max-age=60" in first["Cache-Control"]

    again = client.get(GEOJSON, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    assert client.get(GEOJSON, headers={"If-Modified-Since": last_modified}).status_code == 304

    assert client.get(GEOJSON, {"compact": "1"})["ETag"] != etag

    update_place(actor=SYSTEM, place=pau, changes={"description": "Nouveaux horaires"})
    edited = client.get(GEOJSON, headers={"If-None-Match": etag})
    assert edited.status_code == 200
    assert edited["ETag"] != etag

    delete_place(actor=SYSTEM, place=lescar)
    deleted = client.get(GEOJSON, headers={"If-None-Match": edited["ETag"]})
    assert deleted.status_code == 200
    assert len(deleted.json()["features"]) == 1


def test_the_whole_map_comes_from_the_cache_until_a_change(client, pau_and_lescar):
    pau, _ = pau_and_lescar
    first = client.get(GEOJSON)
    with CaptureQueriesContext(connection) as captured:
        again = client.get(GEOJSON)
    assert len(captured) == 1  # the ETag's count and latest update; the body is the stored one
    assert again.content == first.content
    assert again["ETag"] == first["ETag"]

    update_place(actor=SYSTEM, place=pau, changes={"name": "Fablab des Usines"})
    names = [feature["properties"]["name"] for feature in client.get(GEOJSON).json()["features"]]
    assert names == ["Coworking Lescar", "Fablab des Usines"]


def test_filtered_maps_are_computed_every_time(client, pau_and_lescar):
    query = {"territory": "commune:64445"}
    assert count_queries(client, GEOJSON, query) == count_queries(client, GEOJSON, query) == 6


def test_the_cache_can_be_turned_off(client, pau_and_lescar, settings):
    settings.GEOJSON_CACHE_SECONDS = 0
    assert count_queries(client, GEOJSON, {}) == count_queries(client, GEOJSON, {}) == 5


def test_open_now_answers_are_not_validated(client, pau_and_lescar):
    """Whether a place is open changes with the clock, not with the data."""
    response = client.get(GEOJSON, {"open_now": "1"})
    assert [feature["properties"]["name"] for feature in response.json()["features"]] == [
        "Fablab de Pau"
    ]
    assert not response.has_header("ETag")
    assert not response.has_header("Last-Modified")


def read_csv(response) -> list[dict]:
    text = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_is_the_canonical_format_as_an_attachment(client, pau_and_lescar):
    pau, _ = pau_and_lescar
    response = client.get(CSV, {"kind": "fablab"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="tiers-lieux.csv"'
    rows = read_csv(response)
    assert list(rows[0]) == list(CANONICAL_FIELDS)
    assert [(row["name"], row["kinds"], row["services"]) for row in rows] == [
        ("Fablab de Pau", "fablab|makerspace", "Impression 3D")
    ]
    assert rows[0]["source_id"] == f"maillage:{pau.pk}"


def test_csv_errors_are_json(client):
    response = client.get(CSV, {"territory": "departement:99"})
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["territory"]


def count_queries(client, url, query) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, query)
        assert response.status_code == 200
        if response.streaming:
            b"".join(response.streaming_content)
    return len(captured)


@pytest.mark.parametrize(
    ("url", "query", "expected"),
    [
        # validators, rows, kinds, services, equipment
        (GEOJSON, {}, 5),
        # validators, rows, kinds
        (GEOJSON, {"compact": "1"}, 3),
        # + the territory lookup
        (GEOJSON, {"territory": "commune:64445"}, 6),
        # rows, kinds, services, equipment
        (CSV, {}, 4),
    ],
)
def test_query_count_does_not_grow_with_the_places(client, url, query, expected):
    make_place(name="Seul", services=["Café"], equipment=["Imprimante 3D"])
    assert count_queries(client, url, query) == expected
    for number in range(30):
        make_place(name=f"Lieu {number:02d}", services=["Café"], equipment=["Imprimante 3D"])
    assert count_queries(client, url, query) == expected
