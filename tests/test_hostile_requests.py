"""Hostile requests: each answers a 4xx with a message naming what is wrong, never a 500, on
SQLite and on PostgreSQL (the suite runs on PostgreSQL when DATABASE_URL is set).

Each case once caused a 500 or tied up the server: an overflowing date or offset, a query of a
thousand LIKE conditions, a NUL byte that PostgreSQL refuses in text.
"""

import json

import pytest
from bs4 import BeautifulSoup
from django.core.files.uploadedfile import SimpleUploadedFile

from maillage.accounts.services import create_api_token
from maillage.opendata.models import ImportJob
from maillage.places.filters import MAX_SEARCH_CHARS, MAX_SERVICES
from tests.accounts.factories import AdminFactory, UserFactory
from tests.places.factories import make_place

pytestmark = pytest.mark.django_db

CONTROL = "Caractère de contrôle interdit"
CONTROL_MESSAGE = f"{CONTROL} (octet nul, etc.) : retirez-le et réessayez."
# (query parameters, the field named in the error, words of its message)
FILTER_CASES = {
    "date before year 1": ({"updated_since": "0001-01-01"}, "updated_since", "entre les années"),
    "date at the end of time": (
        {"updated_since": "9999-12-31T23:59:59+14:00"},
        "updated_since",
        "entre les années",
    ),
    "date with a NUL": ({"updated_since": "2025-01-01\x00"}, "updated_since", CONTROL),
    "1,100-word search": ({"q": " ".join(["mot"] * 1100)}, "q", "Recherche trop longue"),
    "very long search": ({"q": "a" * (MAX_SEARCH_CHARS + 1)}, "q", "Recherche trop longue"),
    "NUL in the search": ({"q": "fab\x00lab"}, "q", CONTROL),
    "NUL in a kind": ({"kind": "fablab\x00"}, "kind", CONTROL),
    "NUL in a territory": ({"territory": "64\x00"}, "territory", CONTROL),
    "NUL in a service": ({"service": "wifi\x00"}, "service", CONTROL),
    "too many services": (
        {"service": [f"service {n}" for n in range(MAX_SERVICES + 1)]},
        "service",
        "services au plus",
    ),
    "bbox garbage": ({"bbox": "1,2,3,zz"}, "bbox", "Rectangle attendu"),
    "huge radius": ({"near": "43.3,-0.37", "radius_km": "1e300"}, "radius_km", "Rayon"),
    "near garbage": ({"near": "nord,sud"}, "near", "Point attendu"),
    "unknown status": ({"status": "'; DROP TABLE"}, "status", "Code(s) inconnu(s)"),
}
API_ONLY_CASES = {
    "offset beyond any integer": ({"offset": str(10**20)}, "offset", "1000000"),
    "negative limit": ({"limit": "-1"}, "limit", "1"),
    "limit beyond any integer": ({"limit": str(10**20)}, "limit", "500"),
}
FILTERED_ENDPOINTS = ("/api/v1/places", "/api/v1/places.geojson", "/api/v1/places.csv")


@pytest.fixture(autouse=True)
def a_place():
    return make_place(name="La Fabrique")


@pytest.mark.parametrize("endpoint", FILTERED_ENDPOINTS)
@pytest.mark.parametrize(("params", "field", "words"), FILTER_CASES.values(), ids=FILTER_CASES)
def test_the_api_answers_422_naming_the_parameter(client, endpoint, params, field, words):
    response = client.get(endpoint, params)
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "Les données envoyées sont invalides."
    assert [error["field"] for error in body["errors"]] == [field]
    assert words in body["errors"][0]["message"]


@pytest.mark.parametrize(("params", "field", "words"), API_ONLY_CASES.values(), ids=API_ONLY_CASES)
def test_the_api_refuses_unbounded_paging(client, params, field, words):
    response = client.get("/api/v1/places", params)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert [error["field"] for error in errors] == [field]
    assert words in errors[0]["message"].replace(" ", "").replace("\u202f", "")


@pytest.mark.parametrize(("params", "field", "words"), FILTER_CASES.values(), ids=FILTER_CASES)
def test_the_list_page_answers_400_with_the_error_next_to_the_field(client, params, field, words):
    response = client.get("/lieux/", params)
    assert response.status_code == 400
    page = BeautifulSoup(response.content.decode(), "html.parser")
    slot = page.select_one(f"#error-{field}") or page.select_one("#resultats .alert-error")
    assert words in slot.get_text()


@pytest.mark.parametrize("page_number", [str(10**20), "-1", "0", "abc", "3"])
def test_a_list_page_that_does_not_exist_answers_404(client, page_number):
    response = client.get("/lieux/", {"page": page_number})
    assert response.status_code == 404
    assert "Page introuvable" in response.content.decode()


def test_an_api_page_past_the_end_is_empty(client):
    response = client.get("/api/v1/places", {"offset": "1000"})
    assert response.status_code == 200
    assert response.json() == {"count": 1, "items": []}


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/territories/commune/6%004",
        "/api/v1/territories/departement/%00",
    ],
)
def test_a_territory_code_with_a_nul_is_not_found_in_the_api(client, url):
    response = client.get(url)
    assert response.status_code == 404
    assert response.json()["detail"].startswith("Aucun territoire de niveau")


def test_a_territory_page_with_a_nul_is_not_found(client):
    assert client.get("/territoires/commune/6%004/").status_code == 404


@pytest.mark.parametrize("query", ["6\x004", "Pa\x00u"])
def test_a_territory_search_with_a_nul_answers_400(client, query):
    response = client.get("/territoires/", {"q": query})
    assert response.status_code == 400
    assert CONTROL in response.content.decode()


@pytest.mark.parametrize("field", ["territory", "near_commune"])
def test_a_list_page_search_for_a_commune_name_with_a_nul_answers_400(client, field):
    response = client.get("/lieux/", {field: "Pa\x00u"})
    assert response.status_code == 400
    page = BeautifulSoup(response.content.decode(), "html.parser")
    assert page.select_one(f"#error-{field}").get_text(strip=True) == CONTROL_MESSAGE


@pytest.mark.parametrize("territory", ["6\x004", "departement:6\x004"])
def test_a_coverage_territory_with_a_nul_answers_422(client, territory):
    response = client.get("/api/v1/analysis/coverage", {"territory": territory, "radius_km": 10})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "territory", "message": CONTROL_MESSAGE}]


@pytest.mark.parametrize(
    ("url", "status"),
    [
        # Bytes that are not UTF-8 are read as U+FFFD: a search that finds nothing.
        ("/api/v1/places?q=%ff%fe", 200),
        ("/lieux/?q=%ff%fe", 200),
        # An offset Python accepts that PostgreSQL would refuse (±15:59 at most) is read in UTC.
        ("/api/v1/places?updated_since=2025-01-01T00:00:00%2B23:59", 200),
    ],
)
def test_odd_but_readable_input_is_answered(client, url, status):
    assert client.get(url).status_code == status


# --- authenticated writes -------------------------------------------------------------------


def bearer(user) -> dict:
    return {"Authorization": f"Bearer {create_api_token(user=user, name='test')[1]}"}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": "La\x00Fabrique"}, "name"),
        ({"name": "\x00\x00"}, "name"),
        ({"services": ["wifi", "impression\x003D"]}, "services"),
        ({"description": "Un atelier\x1b[31m"}, "description"),
        ({"address": "1 rue \ud800"}, "address"),
    ],
)
def test_a_place_write_with_a_control_character_is_a_field_error(client, changes, field):
    body = {"name": "Le Hangar", "kinds": ["fablab"], "insee_code": "64445", **changes}
    response = client.post(
        "/api/v1/places",
        json.dumps(body),
        content_type="application/json",
        headers=bearer(AdminFactory()),
    )
    assert response.status_code == 422
    assert {"field": field, "message": CONTROL_MESSAGE} in response.json()["errors"]


def test_a_description_keeps_its_line_breaks_and_tabs(client):
    body = {"name": "Le Hangar", "kinds": ["fablab"], "insee_code": "64445"}
    body["description"] = "Un atelier\r\n\tde quartier"
    response = client.post(
        "/api/v1/places",
        json.dumps(body),
        content_type="application/json",
        headers=bearer(AdminFactory()),
    )
    assert response.status_code == 201


def test_the_edit_form_shows_the_field_error(client):
    admin = AdminFactory()
    client.force_login(admin)
    response = client.post("/lieux/nouveau/", {"name": "Le\x1bHangar", "kinds": ["fablab"]})
    assert response.status_code == 200
    page = BeautifulSoup(response.content.decode(), "html.parser")
    name_field = page.select_one("#id_name").find_parent(class_="field")
    assert "has-error" in name_field["class"]
    assert CONTROL in name_field.get_text()


@pytest.mark.parametrize("territory", ["6\x004", "departement:\x00", "\x00:64"])
def test_a_plan_territory_with_a_control_character_is_a_field_error(client, territory):
    body = {"territory": territory, "kind": "fablab", "radius_km": 10, "n_new": 1}
    response = client.post(
        "/api/v1/analysis/plans",
        json.dumps(body),
        content_type="application/json",
        headers=bearer(UserFactory()),
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "territory", "message": CONTROL_MESSAGE}]


def test_an_import_source_with_a_control_character_is_a_field_error(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("lieux.csv", b"source_id,name,kinds\n1,A,fablab\n")
    response = client.post(
        "/api/v1/imports", {"file": upload, "source": "api\x00"}, headers=bearer(AdminFactory())
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "source", "message": CONTROL_MESSAGE}]
    assert not ImportJob.objects.exists()
