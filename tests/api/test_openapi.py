"""The OpenAPI document: committed, checked for drift, and browsable offline."""

import difflib
import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders

from maillage.api import api
from maillage.common.management.commands.export_openapi import openapi_document

SNAPSHOT = Path(__file__).resolve().parents[2] / "maillage" / "openapi.json"
REGENERATE = "maillage export_openapi > maillage/openapi.json"


def test_openapi_document_matches_the_committed_copy():
    """A change of the API is a reviewed decision: regenerate the copy and commit the diff."""
    committed = SNAPSHOT.read_text(encoding="utf-8") if SNAPSHOT.exists() else ""
    current = openapi_document()
    if current != committed:
        diff = difflib.unified_diff(
            committed.splitlines(), current.splitlines(), "committed", "current", lineterm=""
        )
        shown = "\n".join(list(diff)[:80])
        pytest.fail(
            f"The API changed. If intended, run `{REGENERATE}` and commit the result.\n{shown}"
        )


def test_operations_have_explicit_ids():
    operations = [
        operation
        for path in api.get_openapi_schema()["paths"].values()
        for operation in path.values()
    ]
    ids = [operation["operationId"] for operation in operations]
    assert len(ids) == len(set(ids))
    # ninja's generated ids are prefixed with the module path.
    assert [name for name in ids if name.startswith("maillage")] == []
    assert {
        "list_places",
        "get_place",
        "create_place",
        "update_place",
        "delete_place",
        "places_geojson",
        "places_csv",
        "get_territory",
        "list_kinds",
    } <= set(ids)


@pytest.mark.django_db
def test_openapi_json_is_served(client):
    document = client.get("/api/v1/openapi.json").json()
    assert document["info"]["title"] == "Maillage API"
    assert "/api/v1/places/{place_id}" in document["paths"]


@pytest.mark.django_db
def test_docs_page_loads_nothing_from_other_servers(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    page = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert "/static/ninja/swagger-ui-bundle.js" in assets
    assert [asset for asset in assets if not asset.startswith("/static/ninja/")] == []
    assert all(finders.find(asset.removeprefix("/static/")) for asset in assets)
    # Swagger UI would otherwise fetch a badge from validator.swagger.io.
    assert '"validatorUrl": null' in page
