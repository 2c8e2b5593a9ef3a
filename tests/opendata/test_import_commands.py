"""`maillage import_places` and `maillage export_places`: output formats and exit codes."""

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command

from maillage.places.models import Place
from tests.places.factories import make_place

pytestmark = pytest.mark.django_db

HEADER = "source_id,name,kinds,insee_code,latitude,longitude"
GOOD = "1,La Fabrique,fablab,64445,43.2951,-0.3708"
BAD = "2,Sans type,,64445,43.3,-0.37"


def write(tmp_path, *lines, name="lieux.csv"):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(*args):
    """Run a command; return (exit code, standard output, standard error)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
    except CommandError as exc:
        return exc.returncode, out.getvalue(), err.getvalue() + str(exc)
    return 0, out.getvalue(), err.getvalue()


def test_text_report_and_exit_code_0(tmp_path):
    code, out, _ = run("import_places", write(tmp_path, HEADER, GOOD), "--source", "cli")
    assert code == 0
    assert "créés : 1" in out
    assert Place.objects.filter(source="cli").count() == 1


def test_rejected_row_gives_exit_code_1_and_lists_the_error(tmp_path):
    code, out, err = run("import_places", write(tmp_path, HEADER, GOOD, BAD), "--source", "cli")
    assert code == 1
    assert "ligne 3, kinds :" in out
    assert "rien n'a été écrit" in err
    assert not Place.objects.exists()


def test_json_report_has_exactly_the_documented_keys(tmp_path):
    path = write(tmp_path, HEADER + ",couleur", GOOD + ",bleu", BAD + ",")
    code, out, err = run("import_places", path, "--source", "cli", "--format", "json", "--partial")
    assert code == 1
    report = json.loads(out)
    assert report == {
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "rejected": 1,
        "errors": [
            {
                "line": 3,
                "field": "kinds",
                "code": "kinds.required",
                "params": {},
                "message": "Au moins un type de lieu est obligatoire.",
            }
        ],
    }
    assert "couleur" in err  # warnings stay out of the JSON


def test_file_level_error_in_json(tmp_path):
    path = write(tmp_path, "name,kinds", "La Fabrique,fablab")
    code, out, _ = run("import_places", path, "--source", "cli", "--format", "json")
    assert code == 1
    [error] = json.loads(out)["errors"]
    assert (error["line"], error["field"]) == (1, "__file__")


def test_dry_run_writes_nothing(tmp_path):
    code, out, _ = run(
        "import_places", write(tmp_path, HEADER, GOOD), "--source", "cli", "--dry-run"
    )
    assert code == 0
    assert "Simulation" in out
    assert not Place.objects.exists()


def test_second_import_is_unchanged(tmp_path):
    path = write(tmp_path, HEADER, GOOD)
    run("import_places", path, "--source", "cli")
    code, out, _ = run("import_places", path, "--source", "cli", "--format", "json")
    assert (code, json.loads(out)["unchanged"]) == (0, 1)


def test_missing_file_and_empty_source_are_command_errors(tmp_path):
    assert run("import_places", tmp_path / "absent.csv", "--source", "cli")[0] == 1
    assert run("import_places", write(tmp_path, HEADER, GOOD), "--source", " ")[0] == 1


@pytest.fixture
def places():
    make_place(name="La Fabrique", kinds=["fablab"])
    make_place(
        name="Le Cowork", kinds=["coworking"], insee_code="75056", latitude=48.85, longitude=2.35
    )


@pytest.mark.usefixtures("places")
def test_export_csv_with_filters():
    code, out, _ = run(
        "export_places", "--format", "csv", "--kind", "fablab", "--kind", "makerspace"
    )
    assert code == 0
    assert [row["name"] for row in csv.DictReader(io.StringIO(out))] == ["La Fabrique"]
    code, out, _ = run("export_places", "--territory", "departement:75")
    assert [row["name"] for row in csv.DictReader(io.StringIO(out))] == ["Le Cowork"]


@pytest.mark.usefixtures("places")
def test_export_geojson_and_jsonld_are_json_documents():
    _, out, _ = run("export_places", "--format", "geojson")
    assert [feature["properties"]["name"] for feature in json.loads(out)["features"]] == [
        "La Fabrique",
        "Le Cowork",
    ]
    _, out, _ = run("export_places", "--format", "jsonld", "--base-url", "https://m.example")
    document = json.loads(out)
    assert document["@context"] == "https://schema.org"
    assert [node["url"] for node in document["@graph"]] == [
        "https://m.example/lieux/la-fabrique-pau/",
        "https://m.example/lieux/le-cowork-paris/",
    ]


def test_export_of_an_unknown_territory_is_a_command_error():
    assert run("export_places", "--territory", "departement:00")[0] == 1


def test_export_reimports_as_unchanged(tmp_path):
    path = write(tmp_path, HEADER, GOOD, "2,Le Cowork,coworking,64348,,")
    run("import_places", path, "--source", "cli")
    _, out, _ = run("export_places", "--source", "cli")
    exported = tmp_path / "export.csv"
    exported.write_text(out, encoding="utf-8")
    code, out, _ = run("import_places", exported, "--source", "cli", "--format", "json")
    assert (code, json.loads(out)["unchanged"]) == (0, 2)
