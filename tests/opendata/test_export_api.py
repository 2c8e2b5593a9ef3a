"""`GET /api/v1/places.{format}` in the national schemas, the omissions, and the licence that
every export answer carries."""

import io
import json

import pytest
from data_inclusion.schema import v1

from maillage.common.actors import SYSTEM
from maillage.opendata.services import import_places
from tests.opendata.test_mednum import SOURCE_ROWS, assert_valid, read_csv

pytestmark = pytest.mark.django_db

ETALAB = "https://www.etalab.gouv.fr/licence-ouverte-open-licence"
ODBL = "https://opendatacommons.org/licenses/odbl/1-0/"


@pytest.fixture
def imported():
    lines = "\r\n".join(SOURCE_ROWS) + "\r\n"
    report = import_places(actor=SYSTEM, source="réseau", stream=io.BytesIO(lines.encode()))
    assert report.created == 3, report.errors


@pytest.mark.usefixtures("imported")
def test_mednum_endpoint_validates_and_counts_omissions(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        response = client.get("/api/v1/places.mednum")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode()
    assert_valid(text)
    assert len(read_csv(text)) == 2
    assert response["X-Omitted-Places"] == "1"
    assert "/api/v1/exports/omitted?format=mednum" in response["Link"]


@pytest.mark.usefixtures("imported")
def test_omissions_report_lists_places_with_their_reasons(client):
    response = client.get("/api/v1/exports/omitted", {"format": "mednum", "kind": "coworking"})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert body["items"][0]["name"] == "Cowork Étoile"
    assert body["items"][0]["reasons"]
    assert client.get("/api/v1/exports/omitted", {"format": "pdf"}).status_code == 422


@pytest.mark.usefixtures("imported")
def test_data_inclusion_endpoints_validate(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        structures = client.get("/api/v1/places.data-inclusion-structures")
    assert structures.status_code == 200
    for structure in structures.json():
        v1.Structure.model_validate(structure)
    assert structures["X-Omitted-Places"] == "0"
    services = client.get("/api/v1/places.data-inclusion-services", {"kind": "fablab"})
    assert services.status_code == 200
    assert [service["nom"] for service in services.json()] == ["Impression 3D"]
    for service in services.json():
        v1.Service.model_validate(service)


@pytest.mark.usefixtures("imported")
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/places.csv",
        "/api/v1/places.geojson",
        "/api/v1/places.mednum",
        "/api/v1/places.data-inclusion-structures",
        "/api/v1/places.data-inclusion-services",
        "/lieux/export.csv",
    ],
)
def test_every_export_answer_carries_its_licence(client, settings, path):
    response = client.get(path, {"kind": "fablab"})
    assert response.status_code == 200
    assert f'<{ETALAB}>; rel="license"' in response["Link"]
    assert "/api/v1/licence?kind=fablab" in response["Link"]
    settings.OPEN_DATA_LICENCE = "odbl-1.0"
    response = client.get(path, {"kind": "coworking"})
    assert f'<{ODBL}>; rel="license"' in response["Link"]


@pytest.mark.usefixtures("imported")
def test_geojson_carries_licence_and_attribution_members(client, settings):
    settings.OPEN_DATA_ATTRIBUTION = "Région Exemple"
    body = json.loads(client.get("/api/v1/places.geojson", {"kind": "fablab"}).content)
    assert body["licence"]["url"] == ETALAB
    assert body["attribution"] == "Région Exemple, d'après : réseau"


@pytest.mark.usefixtures("imported")
def test_licence_document_names_the_sources_of_the_same_filters(client, settings):
    settings.OPEN_DATA_ATTRIBUTION = "Région Exemple"
    body = client.get("/api/v1/licence").json()
    assert body == {
        "licence": {"code": "etalab-2.0", "title": "Licence Ouverte 2.0", "url": ETALAB},
        "publisher": "Région Exemple",
        "sources": ["réseau"],
        "attribution": "Région Exemple, d'après : réseau",
    }
    assert client.get("/api/v1/licence", {"kind": "telecentre"}).json()["sources"] == []
