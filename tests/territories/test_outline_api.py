"""`GET /api/v1/territories/{level}/{code}/outline`: the GeoJSON outline, with an ETag."""

import pytest

from tests.territories.factories import set_square_outlines

pytestmark = pytest.mark.django_db

URL = "/api/v1/territories/commune/64445/outline"


@pytest.fixture(autouse=True)
def outlines():
    set_square_outlines()


def test_outline_is_a_geojson_feature(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        response = client.get(URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    assert "max-age=86400" in response["Cache-Control"]
    feature = response.json()
    assert feature["type"] == "Feature"
    assert feature["properties"] == {"level": "commune", "code": "64445"}
    assert feature["geometry"]["type"] == "MultiPolygon"
    ring = feature["geometry"]["coordinates"][0][0]
    assert ring[0] == ring[-1] and len(ring) == 5
    assert ring[0] == [-0.3908, 43.2751]  # longitude first, 5 decimals


def test_etag_answers_not_modified(client):
    etag = client.get(URL)["ETag"]
    assert etag.startswith('"')
    again = client.get(URL, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again["ETag"] == etag
    assert client.get(URL, headers={"If-None-Match": '"other"'}).status_code == 200


def test_etag_changes_with_the_outline(client):
    from tests.territories.factories import set_outline, square

    before = client.get(URL)["ETag"]
    set_outline("commune", "64445", square(43.2951, -0.3708, half=0.03))
    assert client.get(URL)["ETag"] != before


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/territories/commune/99999/outline",  # unknown code
        "/api/v1/territories/canton/64445/outline",  # unknown level
        "/api/v1/territories/commune/64024/outline",  # known, without an outline
    ],
)
def test_unknown_or_missing_outline_answers_a_json_404(client, url):
    response = client.get(url)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"]


def test_the_territory_page_asks_for_its_outline_and_keeps_working_without(client):
    page = client.get("/territoires/commune/64445/").content.decode()
    assert 'data-outline-url="/api/v1/territories/commune/64445/outline"' in page
    assert "territories/outline.js" in page
    other = client.get("/territoires/commune/64024/").content.decode()
    assert "data-outline-url" not in other


def test_commune_outlines_of_an_epci_fill_its_communes(client, django_assert_max_num_queries):
    url = "/api/v1/territories/epci/200067254/communes/outlines"
    with django_assert_max_num_queries(2):
        response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    collection = response.json()
    assert collection["type"] == "FeatureCollection"
    # The sample's EPCI has Pau and "Lescar" (64348), both given an outline by the fixture.
    assert [feature["properties"]["code"] for feature in collection["features"]] == [
        "64348",
        "64445",
    ]
    assert collection["features"][1]["properties"] == {
        "code": "64445",
        "name": "Pau",
        "population": 75665,
    }
    etag = response["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert client.get("/api/v1/territories/epci/1/communes/outlines").status_code == 404
