"""The OpenAPI document: committed, checked for drift, valid, usable by a generated client,
and browsable offline."""

import difflib
import importlib
import json
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from types import ModuleType

import pytest
from django.contrib.staticfiles import finders
from openapi_spec_validator import validate

from maillage.api import api
from maillage.devtools.management.commands.export_openapi import openapi_document
from maillage.places.models import Place

SNAPSHOT = Path(__file__).resolve().parents[2] / "maillage" / "openapi.json"
REGENERATE = "maillage export_openapi > maillage/openapi.json"
CLIENT_PACKAGE = "maillage_client"


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


def test_committed_document_is_valid_openapi():
    """Client generators and validators refuse an invalid document (e.g. a parameter's
    `examples` given as a list instead of a map of Example objects)."""
    validate(json.loads(SNAPSHOT.read_text(encoding="utf-8")))


STRING_CONSTRAINTS = {"pattern", "minLength", "maxLength", "format", "enum"}


def may_not_validate(parameter: dict) -> bool:
    """Whether a request can carry a value of `parameter` that ninja rejects (422): any typed
    or constrained value, and a required query parameter, which may be missing. (A path
    segment of plain text is always present and always a string.)"""
    schema = parameter["schema"]
    plain_text = schema.get("type") == "string" and not STRING_CONSTRAINTS & set(schema)
    return not plain_text or (parameter["required"] and parameter["in"] != "path")


def test_every_operation_documents_its_errors_in_the_error_format():
    """Each operation declares the error statuses it can answer, with the one error body."""
    document = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    error = {"$ref": "#/components/schemas/ErrorOut"}
    declared = {}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            statuses = {int(status) for status in operation["responses"] if int(status) >= 400}
            declared[operation["operationId"]] = statuses
            for status in statuses:
                schema = operation["responses"][str(status)]["content"]["application/json"]
                assert error in [schema["schema"], *schema["schema"].get("anyOf", [])], (
                    method,
                    path,
                    status,
                )
            if operation.get("requestBody") or any(
                may_not_validate(parameter) for parameter in operation.get("parameters", [])
            ):
                assert 422 in statuses, (method, path)
            if "application/json" in operation.get("requestBody", {}).get("content", {}):
                assert 400 in statuses, (method, path)
            if operation.get("security"):
                assert 401 in statuses, (method, path)
    assert declared["get_place"] == {404, 422}
    assert declared["list_kinds"] == set()


def generate_client(directory: Path) -> ModuleType:
    """A Python client generated from the committed document by openapi-python-client, imported.

    `--fail-on-warning`: an operation or a schema the generator cannot read fails the test.
    Post-hooks (formatting the code with ruff) are turned off: the code only has to run.
    """
    config = directory / "config.yaml"
    config.write_text("post_hooks: []\n", encoding="utf-8")
    generator = Path(sys.executable).parent / "openapi-python-client"
    result = subprocess.run(
        [
            str(generator),
            "generate",
            f"--path={SNAPSHOT}",
            "--meta=none",
            f"--output-path={directory / CLIENT_PACKAGE}",
            f"--config={config}",
            "--fail-on-warning",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    sys.path.insert(0, str(directory))
    try:
        return importlib.import_module(CLIENT_PACKAGE)
    finally:
        sys.path.remove(str(directory))


@pytest.fixture
def generated_client(tmp_path):
    yield generate_client(tmp_path)
    for name in [name for name in sys.modules if name.split(".")[0] == CLIENT_PACKAGE]:
        del sys.modules[name]


def test_generated_client_lists_reads_and_creates_places(live_api, generated_client):
    """What a client generated from the document does against a live server: list places,
    read one, create one with a token; errors come back as the document's ErrorOut."""
    from maillage_client import AuthenticatedClient, Client
    from maillage_client.api.places import create_place, get_place, list_places
    from maillage_client.models import ErrorOut, PlaceCreateIn, PlaceDetailOut, PlacePageOut

    # Each client holds an httpx connection pool: the blocks close them.
    with Client(base_url=live_api.url, raise_on_unexpected_status=True) as anonymous:
        page = list_places.sync(
            client=anonymous, kind=["fablab"], territory="commune:64445", limit=3
        )
        assert isinstance(page, PlacePageOut)
        assert page.count >= len(page.items) > 0
        assert all("fablab" in item.kinds and item.insee_code == "64445" for item in page.items)

        first = page.items[0]
        place = get_place.sync(client=anonymous, place_id=first.id)
        assert isinstance(place, PlaceDetailOut)
        assert (place.id, place.name, place.url) == (first.id, first.name, first.url)
        assert isinstance(place.updated_at, datetime)

    new_place = PlaceCreateIn(name="La Fabrique du client", kinds=["fablab"], insee_code="64445")
    with AuthenticatedClient(base_url=live_api.url, token="mlg_wrong") as stranger:
        refused = create_place.sync_detailed(client=stranger, body=new_place)
    assert refused.status_code == 401
    assert isinstance(refused.parsed, ErrorOut)

    with AuthenticatedClient(
        base_url=live_api.url, token=live_api.admin_token, raise_on_unexpected_status=True
    ) as admin:
        created = create_place.sync_detailed(client=admin, body=new_place)
        invalid = create_place.sync(client=admin, body=PlaceCreateIn(name="Sans type", kinds=[]))
    assert created.status_code == 201
    assert isinstance(created.parsed, PlaceDetailOut)
    assert created.parsed.name == "La Fabrique du client"
    assert created.parsed.commune.code == "64445"
    assert Place.objects.filter(pk=created.parsed.id, name="La Fabrique du client").exists()
    assert isinstance(invalid, ErrorOut)
    assert "kinds" in [error.field for error in invalid.errors]
