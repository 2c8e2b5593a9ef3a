"""API validation errors follow the request's language, ninja's (pydantic's) own included."""

import pytest

pytestmark = pytest.mark.django_db


def _messages(response) -> dict[str, str]:
    assert response.status_code == 422, response.content
    return {error["field"]: error["message"] for error in response.json()["errors"]}


def test_schema_errors_are_in_french_by_default(client):
    response = client.get("/api/v1/places?limit=abc")
    assert response.json()["detail"] == "Les données envoyées sont invalides."
    assert _messages(response) == {"limit": "Un nombre entier est attendu."}


def test_schema_errors_are_in_english_when_asked(client):
    response = client.get("/api/v1/places?limit=abc", HTTP_ACCEPT_LANGUAGE="en")
    assert response.json()["detail"] == "The data sent is invalid."
    assert _messages(response) == {"limit": "An integer is expected."}
    response = client.get("/api/v1/places?limit=abc&lang=en")
    assert _messages(response) == {"limit": "An integer is expected."}


def test_our_own_validation_messages_follow_the_language_too(client):
    french = _messages(client.get("/api/v1/places?bbox=nope"))
    english = _messages(client.get("/api/v1/places?bbox=nope", HTTP_ACCEPT_LANGUAGE="en"))
    assert french["bbox"] != english["bbox"]
    assert english["bbox"].startswith("Rectangle expected as min_lon,min_lat,max_lon,max_lat")


def test_unknown_ids_and_bounds_are_explained(client):
    assert _messages(client.get("/api/v1/places/notanid", HTTP_ACCEPT_LANGUAGE="en")) == {
        "place_id": "An integer is expected."
    }
