"""Import errors are stored as codes with params and shown in the reader's language (issue 13):
an import run in French reads in English, and the other way round; rows stored before codes
existed still show their message."""

import io
import json
import re
from importlib import import_module
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from maillage.accounts.services import create_api_token
from maillage.common.errors import ErrorCode, ValidationFailed, known_codes, render_message
from maillage.opendata import selectors
from maillage.opendata.models import ImportJob
from maillage.opendata.reading import SOURCE_ID_DUPLICATE
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
    # The codes are those of the modules that define them: the import's (those `selectors`
    # imports), the plans' and the harvests' stop reasons.
    for module in ("maillage.opendata.selectors", "planning.services", "federation.services"):
        import_module(module if module.startswith("maillage.") else f"maillage.{module}")
    docs = (Path(__file__).resolve().parents[2] / "docs" / "data.md").read_text()
    docs = docs.split("## Import error codes", 1)[1].split("\n## ", 1)[0]
    table = set(re.findall(r"^\| `([a-z0-9_.]+)` \|", docs, re.MULTILINE))
    assert table == set(known_codes())


def run_file(language: str, body: bytes, admin=None, name: str = "lieux.csv") -> ImportJob:
    with translation.override(language):
        job = create_import_job(
            actor=admin or AdminFactory(), source="web", file=ContentFile(body, name=name)
        )
        job = run_import_job(job_id=job.pk)
    job.refresh_from_db()
    return job


def shown_in(language: str, errors: list[dict]) -> list[dict]:
    with translation.override(language):
        return selectors.displayed_errors(errors)


@pytest.mark.parametrize(
    ("body", "code", "params", "french", "english"),
    [
        (
            b'{"type": "Polygon", "features": []}',
            "json.feature_collection_expected",
            {},
            "GeoJSON : une FeatureCollection est attendue",
            "GeoJSON: a FeatureCollection is expected",
        ),
        (
            b'{"type": "FeatureCollection"',
            "json.expected",
            {"expected": ",", "found": {"code": "json.end_of_file", "params": {}}},
            "« , » attendu, « fin du fichier » trouvé",
            "“,” expected, “end of file” found",
        ),
        (
            b'{"type": "FeatureCollection", "features": [{"type": tru}]}',
            "json.syntax",
            {"error": "Expecting value"},
            "GeoJSON illisible : Expecting value.",
            "Unreadable GeoJSON: Expecting value.",
        ),
    ],
)
def test_geojson_syntax_errors_are_coded(body, code, params, french, english):
    job = run_file("fr", body, name="lieux.geojson")
    [error] = job.errors
    assert (error["code"], error["params"], error["field"]) == (code, params, "__file__")
    assert french in error["message"]
    assert english in shown_in("en", job.errors)[0]["message"]


def test_datainclusion_schema_errors_keep_pydantics_type_as_a_param():
    from tests.opendata.test_data_inclusion import STRUCTURE

    bad = {name: value for name, value in STRUCTURE.items() if name != "nom"}
    job = run_file("en", json.dumps([bad]).encode(), name="structures.json")
    error = next(error for error in job.errors if error["field"] == "nom")
    assert error["code"] == "schema.invalid"
    assert error["params"] == {
        "problem": {"code": "schema.required", "params": {}},
        "type": "missing",
    }
    assert error["message"] == "This field is required."
    shown = next(e for e in shown_in("fr", job.errors) if e["field"] == "nom")
    assert shown["message"] == "Ce champ est obligatoire."


def test_a_stop_reason_is_coded_and_rendered_in_the_readers_language(client):
    admin, author = AdminFactory(), AdminFactory()
    with translation.override("fr"):
        job = create_import_job(actor=author, source="web", file=ContentFile(BAD, name="l.csv"))
    author.delete()
    with translation.override("fr"):
        job = run_import_job(job_id=job.pk)
    job.refresh_from_db()
    assert (job.error_code, job.error_params) == ("job.author_deleted", {})
    assert job.error_message.startswith("Le compte qui a lancé l'import n'existe plus")
    client.force_login(admin)
    page = client.get(f"/imports/{job.pk}/", headers={"Accept-Language": "en"}).content.decode()
    assert "The account that started the import no longer exists" in page
    assert "Le compte qui a lancé" not in page
    [stopped] = api_get(client, admin, job, "en").json()["errors"]
    assert (stopped["code"], stopped["line"], stopped["field"]) == (
        "job.author_deleted",
        0,
        "__file__",
    )
    assert stopped["message"].startswith("The account that started the import no longer exists")


def test_a_stop_reason_without_a_code_shows_its_text(client):
    admin = AdminFactory()
    job = ImportJobFactory(created_by=admin, error_message="Arrêté (ancien).")
    [stopped] = api_get(client, admin, job, "en").json()["errors"]
    assert (stopped["code"], stopped["message"]) == ("", "Arrêté (ancien).")


@pytest.mark.parametrize(
    ("source", "code", "english"),
    [("   ", "source.required", "The source is required."), ("x" * 101, "field.too_long", "100")],
)
def test_the_source_check_is_coded(source, code, english):
    with translation.override("fr"), pytest.raises(ValidationFailed) as raised:
        create_import_job(actor=AdminFactory(), source=source, file=ContentFile(BAD, name="l.csv"))
    [error] = raised.value.errors
    assert (error.field, error.code) == ("source", code)
    with translation.override("en"):
        assert english in render_message(error.code, error.params, "")


def test_warnings_are_stored_coded_and_rendered_in_the_readers_language(client):
    admin = AdminFactory()
    body = b"source_id,name,kinds,insee_code,couleur\n1,La Fabrique,fablab,64445,bleu\n"
    job = run_file("fr", body, admin)
    assert job.warnings == [
        {
            "code": "warning.unknown_column",
            "params": {"name": "couleur"},
            "message": "Colonne inconnue ignorée : « couleur ».",
        }
    ]
    client.force_login(admin)
    page = client.get(f"/imports/{job.pk}/", headers={"Accept-Language": "en"}).content.decode()
    assert "Unknown column ignored: “couleur”." in page
    response = api_get(client, admin, job, "en")
    assert response.json()["warnings"] == ["Unknown column ignored: “couleur”."]


def test_a_warning_stored_before_codes_shows_its_text(client):
    admin = AdminFactory()
    job = ImportJobFactory(created_by=admin, warnings=["Ancien avertissement."])
    assert api_get(client, admin, job, "en").json()["warnings"] == ["Ancien avertissement."]
    assert selectors.displayed_warnings(job.warnings) == ["Ancien avertissement."]


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_duplicate_shows_an_osm_line_as_the_text_it_is(language):
    with translation.override(language):
        message = SOURCE_ID_DUPLICATE(id="node/123", line="n1234")
        assert "n1234" in message and "node/123" in message
        assert "n1234" in render_message(message.code, message.stored_params(), "")
        # A line number is shown as it is too, without a thousands separator.
        assert "12345 " in SOURCE_ID_DUPLICATE(id="a", line=12345)


def test_a_duplicate_source_id_is_coded_with_its_first_line():
    body = b"source_id,name,kinds,insee_code\nnode/123,A,fablab,64445\nnode/123,B,fablab,64445\n"
    job = run_file("fr", body)
    [error] = job.errors
    assert (error["code"], error["params"]) == (
        "source_id.duplicate",
        {"id": "node/123", "line": 2},
    )
    assert shown_in("en", job.errors)[0]["message"] == (
        "Identifier “node/123” already used on line 2 of the file."
    )
