"""Requests the API cannot serve answer its one JSON error format, with a documented status.

Each case is one schemathesis found answering otherwise (tests/api/test_schemathesis.py runs
the whole search): an HTML page, an English message, a body outside the document.
"""

import pytest

from maillage.accounts.services import create_api_token
from tests.accounts.factories import AdminFactory
from tests.places.factories import make_place

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_headers():
    return {"Authorization": f"Bearer {create_api_token(user=AdminFactory(), name='t')[1]}"}


def assert_error(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"detail", "errors"}
    assert body["detail"]
    return body


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_a_place_id_that_is_not_an_integer_answers_422_naming_it(client, admin_headers, method):
    # PATCH with a valid body, so that the id is the only problem.
    body = {"data": "{}", "content_type": "application/json"} if method == "patch" else {}
    response = getattr(client, method)("/api/v1/places/abc", headers=admin_headers, **body)
    body = assert_error(response, 422)
    assert [error["field"] for error in body["errors"]] == ["place_id"]


@pytest.mark.parametrize("place_id", ["-3", "0", str(2**70)])
def test_a_place_id_that_names_no_place_answers_the_json_404(client, place_id):
    make_place()
    body = assert_error(client.get(f"/api/v1/places/{place_id}"), 404)
    assert body["detail"] == "Lieu introuvable."


def test_a_plan_id_that_is_not_an_integer_answers_422_naming_it(client):
    body = assert_error(client.get("/api/v1/analysis/plans/null,null"), 422)
    assert [error["field"] for error in body["errors"]] == ["job_id"]


@pytest.mark.parametrize("code", ["6%2F4", "64/extra", "%20"])
def test_a_territory_code_of_any_characters_answers_the_json_404(client, code):
    assert_error(client.get(f"/api/v1/territories/departement/{code}"), 404)


@pytest.mark.parametrize(
    ("method", "url"),
    [("post", "/api/v1/places"), ("patch", "/api/v1/places/1"), ("post", "/api/v1/analysis/plans")],
)
def test_a_body_that_is_not_json_answers_400_in_the_error_format(
    client, admin_headers, method, url
):
    response = getattr(client, method)(
        url, data=b"\x00{", content_type="application/json", headers=admin_headers
    )
    body = assert_error(response, 400)
    assert body == {
        "detail": "Le corps de la requête n'est pas un document JSON lisible.",
        "errors": [],
    }


def test_the_400_follows_the_language_of_the_request(client, admin_headers):
    response = client.post(
        "/api/v1/places",
        data=b"\xff",
        content_type="application/json",
        headers={**admin_headers, "Accept-Language": "en"},
    )
    assert (
        assert_error(response, 400)["detail"] == "The request body is not a readable JSON document."
    )


def test_an_import_without_file_or_source_answers_422_naming_both(client, admin_headers):
    body = assert_error(client.post("/api/v1/imports", headers=admin_headers), 422)
    assert body["detail"] == "Les données envoyées sont invalides."
    assert sorted(error["field"] for error in body["errors"]) == ["file", "source"]
