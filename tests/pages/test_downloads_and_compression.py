"""« Télécharger ces résultats » on the list and territory pages (a CSV for people, with a
byte-order mark, and the API's GeoJSON for the same filters), and compressed responses."""

import csv
import gzip
import io
import json

import pytest

from maillage.common.actors import SYSTEM
from maillage.opendata.services import import_places
from tests.accounts.factories import UserFactory
from tests.pages.page_helpers import parse
from tests.places.factories import make_place

pytestmark = pytest.mark.django_db


@pytest.fixture
def places():
    return [
        make_place(name="La Fabrique", kinds=["fablab"]),
        make_place(
            name="Café des Pyrénées",
            kinds=["coworking"],
            insee_code="64348",
            latitude=43.3333,
            longitude=-0.4347,
        ),
    ]


def test_list_page_offers_its_results_for_download(client, places):
    page = parse(client.get("/lieux/?kind=fablab"))
    links = [link["href"] for link in page.select("#resultats .downloads a")]
    assert links == ["/lieux/export.csv?kind=fablab", "/api/v1/places.geojson?kind=fablab"]
    geojson = json.loads(client.get(links[1]).content)
    assert [feature["properties"]["name"] for feature in geojson["features"]] == ["La Fabrique"]


def test_list_download_follows_the_filters_of_an_htmx_update(client, places):
    page = parse(
        client.get(
            "/lieux/?kind=coworking", headers={"HX-Request": "true", "HX-Target": "resultats"}
        )
    )
    assert page.select_one(".downloads a")["href"] == "/lieux/export.csv?kind=coworking"


def test_place_list_csv_has_a_byte_order_mark_and_reads_back(client, places):
    response = client.get("/lieux/export.csv?kind=coworking")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert [row["name"] for row in rows] == ["Café des Pyrénées"]
    # The importer reads the file back as it is, mark included: every row is understood.
    report = import_places(stream=io.BytesIO(body), source="tableur", actor=SYSTEM, dry_run=True)
    assert report.rejected == 0
    assert report.created + report.updated + report.unchanged == 1


def test_place_list_csv_refuses_filters_that_do_not_validate(client):
    response = client.get("/lieux/export.csv?bbox=nope")
    assert response.status_code == 400
    assert response.content.decode().startswith("bbox: ")


def test_territory_page_offers_its_places_for_download(client, places):
    page = parse(client.get("/territoires/departement/64/"))
    links = [link["href"] for link in page.select(".downloads a")]
    assert links == [
        "/lieux/export.csv?territory=departement%3A64",
        "/api/v1/places.geojson?territory=departement%3A64",
    ]
    body = b"".join(client.get(links[0]).streaming_content).decode("utf-8-sig")
    assert len(list(csv.DictReader(io.StringIO(body)))) == 2


def test_pages_and_api_answers_are_gzipped(client, places):
    page = client.get("/lieux/", HTTP_ACCEPT_ENCODING="gzip, br")
    assert page["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in page["Vary"]
    assert "Annuaire des tiers-lieux" in gzip.decompress(page.content).decode()
    api = client.get("/api/v1/places.geojson", HTTP_ACCEPT_ENCODING="gzip")
    assert api["Content-Encoding"] == "gzip"
    assert len(json.loads(gzip.decompress(api.content))["features"]) == 2
    plain = client.get("/lieux/")
    assert not plain.has_header("Content-Encoding")


def test_pages_that_print_a_secret_are_not_compressed(client):
    client.force_login(UserFactory())
    for path in ("/comptes/jetons/", "/comptes/mes-donnees/export.json", "/reservations/agendas/"):
        response = client.get(path, HTTP_ACCEPT_ENCODING="gzip")
        assert response.status_code == 200, path
        assert not response.has_header("Content-Encoding"), path
