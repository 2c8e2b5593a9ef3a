"""« Télécharger ces résultats » on the coverage section: the white zones as CSV (with a
byte-order mark, for French Excel) and GeoJSON, for the kind and radius on screen."""

import csv
import io
import json

import pytest

from tests.pages.page_helpers import parse

pytestmark = pytest.mark.django_db

SECTION = "/analyse/couverture/departement/64/"


def test_coverage_section_offers_the_white_zones_for_download(client, fablab_pau):
    page = parse(client.get(f"{SECTION}?kind=fablab&radius_km=5"))
    downloads = page.select_one(".downloads")
    assert "Télécharger ces résultats" in downloads.get_text()
    links = [link["href"] for link in downloads.select("a")]
    assert links == [
        f"{SECTION}zones-blanches.csv?kind=fablab&radius_km=5",
        f"{SECTION}zones-blanches.geojson?kind=fablab&radius_km=5",
    ]


def test_white_zones_csv_opens_in_french_excel(client, fablab_pau):
    response = client.get(f"{SECTION}zones-blanches.csv?radius_km=10")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="zones-blanches-departement-64.csv"'
    )
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows == [
        ["code", "name", "population_uncovered", "population_total"],
        ["64102", "Bayonne", "51411", "51411"],
        ["64024", "Anglet", "39932", "39932"],
    ]


def test_white_zones_geojson_gives_points_with_the_same_figures(client, fablab_pau):
    response = client.get(f"{SECTION}zones-blanches.geojson?radius_km=10")
    assert response["Content-Type"] == "application/geo+json"
    features = json.loads(response.content)["features"]
    assert [feature["properties"] for feature in features] == [
        {
            "code": "64102",
            "name": "Bayonne",
            "population_uncovered": 51411,
            "population_total": 51411,
        },
        {
            "code": "64024",
            "name": "Anglet",
            "population_uncovered": 39932,
            "population_total": 39932,
        },
    ]
    assert features[0]["geometry"] == {"type": "Point", "coordinates": [-1.4748, 43.4929]}


def test_white_zones_of_an_unknown_territory_are_404(client):
    assert client.get("/analyse/couverture/departement/999/zones-blanches.csv").status_code == 404
