"""Import errors are stored as codes with params and shown in the reader's language (issue 13):
an import run in French reads in English, and the other way round; rows stored before codes
existed still show their message."""

import io
import json
import re
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from maillage.accounts.services import create_api_token
from maillage.common.errors import ErrorCode, known_codes, render_message
from maillage.opendata import selectors
from maillage.opendata.models import ImportJob
from maillage.opendata.services import create_import_job, run_import_job
from maillage.places.hours import HOURS_EXAMPLE
from tests.accounts.factories import AdminFactory
from tests.opendata.factories import ImportJobFactory

pytestmark = pytest.mark.django_db

BAD = (
    b"source_id,name,kinds,insee_code,opening_hours\n"
    b"1,,fablab,64445,\n"
    b"2,La Fabrique,fablab,99999,\n"
    b"3,Le Cowork,coworking,64445,lundi 9h-18h\n"
)
FRENCH = {
    "name.required": "Le nom est obligatoire.",
    "insee_code.unknown": "Code INSEE « 99999 » inconnu.",
    "hours.invalid": "Les jours s’écrivent en abrégé anglais",
}
ENGLISH = {
    "name.required": "The name is required.",
    "insee_code.unknown": "Unknown INSEE code “99999”.",
    "hours.invalid": "A valid example",
}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def run_in(language: str, admin) -> ImportJob:
    with translation.override(language):
        job = create_import_job(
            actor=admin, source="web", file=ContentFile(BAD, name="lieux.csv"), partial=True
        )
        job = run_import_job(job_id=job.pk)
    job.refresh_from_db()
    return job


def by_code(errors: list[dict]) -> dict[str, dict]:
    return {error["code"]: error for error in errors}


def api_get(client, admin, job: ImportJob, language: str):
    _token, raw = create_api_token(user=admin, name="test")
    return client.get(
        f"/api/v1/imports/{job.pk}",
        headers={"Authorization": f"Bearer {raw}", "Accept-Language": language},
    )


def test_codes_and_params_are_stored_with_the_message_of_the_run():
    job = run_in("fr", AdminFactory())
    errors = by_code(job.errors)
    assert set(errors) == set(FRENCH)
    assert errors["insee_code.unknown"]["params"] == {"value": "99999"}
    assert errors["insee_code.unknown"]["field"] == "insee_code"
    assert errors["insee_code.unknown"]["line"] == 3
    # A nested message is stored as its own code and params.
    assert errors["hours.invalid"]["params"] == {
        "problem": {"code": "hours.french_day", "params": {"word": "lundi"}},
        "example": HOURS_EXAMPLE,
    }
    for code, french in FRENCH.items():
        assert errors[code]["message"].startswith(french)


@pytest.mark.parametrize(
    ("run", "read", "expected", "other"),
    [
        ("fr", "en", ENGLISH, FRENCH),
        ("en", "fr", FRENCH, ENGLISH),
    ],
)
def test_the_report_page_and_the_api_render_in_the_readers_language(
    client, run, read, expected, other
):
    admin = AdminFactory()
    job = run_in(run, admin)
    # The stored messages are in the language of the run.
    assert all(other[error["code"]] in error["message"] for error in job.errors)
    client.force_login(admin)
    page = client.get(f"/imports/{job.pk}/", headers={"Accept-Language": read})
    text = page.content.decode()
    for code, message in expected.items():
        escaped = message.replace("’", "&#x27;").replace("'", "&#x27;")
        assert message in text or escaped in text, code
    assert other["name.required"] not in text

    response = api_get(client, admin, job, read)
    assert response.status_code == 200
    errors = by_code(response.json()["errors"])
    for code, message in expected.items():
        assert message in errors[code]["message"]
        assert set(errors[code]) == {"line", "field", "code", "params", "message"}
    assert errors["insee_code.unknown"]["params"] == {"value": "99999"}


def test_legacy_rows_and_unknown_codes_show_their_stored_message(client):
    admin = AdminFactory()
    job = ImportJobFactory(
        created_by=admin,
        errors=[
            {"line": 2, "field": "name", "message": "Le nom est obligatoire (ancien)."},
            {"line": 3, "field": "x", "code": "gone.code", "params": {}, "message": "Texte"},
            # Params that no longer fit the message: the stored text, not a crash.
            {"line": 4, "field": "y", "code": "insee_code.unknown", "params": {}, "message": "T"},
        ],
    )
    [legacy, unknown, unfit] = selectors.displayed_errors(job.errors)
    assert legacy == {
        "line": 2,
        "field": "name",
        "code": "",
        "params": {},
        "message": "Le nom est obligatoire (ancien).",
    }
    assert (unknown["code"], unknown["message"]) == ("gone.code", "Texte")
    assert unfit["message"] == "T"
    client.force_login(admin)
    page = client.get(f"/imports/{job.pk}/", headers={"Accept-Language": "en"})
    assert "Le nom est obligatoire (ancien)." in page.content.decode()
    response = api_get(client, admin, job, "en")
    assert [error["message"] for error in response.json()["errors"]] == [
        "Le nom est obligatoire (ancien).",
        "Texte",
        "T",
    ]


def test_the_api_answers_404_for_an_unknown_job(client):
    admin = AdminFactory()
    job = ImportJobFactory(created_by=admin)
    assert api_get(client, admin, job, "en").status_code == 200
    job_id = job.pk
    job.delete()
    job.pk = job_id
    assert api_get(client, admin, job, "en").status_code == 404


def test_the_command_json_report_carries_codes(tmp_path):
    path = tmp_path / "lieux.csv"
    path.write_bytes(BAD)
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_places", path, "--source", "cli", "--format", "json", "--partial", stdout=out
        )
    errors = by_code(json.loads(out.getvalue())["errors"])
    assert set(errors) == set(FRENCH)
    assert errors["hours.invalid"]["params"]["problem"]["code"] == "hours.french_day"


def test_a_file_error_is_coded_and_rendered_again():
    with translation.override("fr"):
        job = create_import_job(
            actor=AdminFactory(), source="web", file=ContentFile(b"name,kinds\nA,fablab\n")
        )
        job = run_import_job(job_id=job.pk)
    job.refresh_from_db()
    [error] = job.errors
    assert (error["code"], error["field"]) == ("file.missing_columns", "__file__")
    with translation.override("en"):
        [shown] = selectors.displayed_errors(job.errors)
    assert shown["message"].startswith("Missing required column(s): source_id")


def test_an_error_code_is_defined_once_with_one_message():
    with pytest.raises(ValueError, match="defined twice"):
        ErrorCode("name.required", "Un autre message.")
    assert render_message("name.required", {}, "fallback") == "Le nom est obligatoire."


def test_every_code_is_documented():
    selectors.displayed_errors([])  # the codes are those of the modules selectors imports
    docs = (Path(__file__).resolve().parents[2] / "docs" / "data.md").read_text()
    docs = docs.split("## Import error codes", 1)[1].split("\n## ", 1)[0]
    table = set(re.findall(r"^\| `([a-z0-9_.]+)` \|", docs, re.MULTILINE))
    assert table == set(known_codes())
