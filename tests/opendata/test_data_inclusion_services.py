"""Import of data·inclusion services: each attaches to its structure's place (same source)."""

import io
import json

import pytest

from maillage.common.actors import SYSTEM
from maillage.opendata.reading import open_place_file
from maillage.opendata.services import import_places
from maillage.places.formats import datainclusion
from tests.opendata.test_data_inclusion import BASE_URL, rows, structures
from tests.opendata.test_mednum import SOURCE_ROWS

pytestmark = pytest.mark.django_db

# Demo-like places: those of the national-schema tests, and one with labels no services export
# carries (a short one, a second of the same slug), which an import of services must keep.
EXTRA_ROW = (
    "4,Repair café du Hédas,repair_cafe,open,,1 rue du Hédas,64000,Pau,64445,,,,,,,,,"
    '"Réparation|Wi|Réparation !|Accès internet",,'
)


@pytest.fixture
def imported():
    lines = "\r\n".join([*SOURCE_ROWS, EXTRA_ROW]) + "\r\n"
    report = import_places(actor=SYSTEM, source="réseau", stream=io.BytesIO(lines.encode()))
    assert report.created == 4, report.errors


def services(source="réseau") -> list[dict]:
    return list(datainclusion.service_records(rows(source), BASE_URL))


def run(items, source="réseau", **options):
    body = json.dumps(items).encode()
    return import_places(actor=SYSTEM, source=source, stream=io.BytesIO(body), **options)


def labels(source_id: str) -> list[str]:
    return next(row["services"] for row in rows() if row["source_id"] == source_id)


def snapshot():
    return {row["source_id"]: (row["updated_at"], list(row["services"])) for row in rows()}


@pytest.mark.usefixtures("imported")
def test_structures_and_services_round_trip_all_unchanged():
    before = snapshot()
    exported_structures, exported_services = structures(), services()
    assert len(exported_structures) == 4 and exported_services
    first = run(exported_structures)
    assert (first.created, first.updated, first.unchanged, first.rejected) == (0, 0, 4, 0)
    second = run(exported_services)
    assert second.errors == []
    assert second.rows == len(exported_services)
    structures_with_services = {service["structure_id"] for service in exported_services}
    assert (second.created, second.updated, second.rejected) == (0, 0, 0)
    assert second.unchanged == len(structures_with_services)
    assert snapshot() == before
    # Re-running changes nothing either.
    again = run(exported_services)
    assert (again.created, again.updated, again.unchanged) == (0, 0, second.unchanged)
    assert snapshot() == before


@pytest.mark.usefixtures("imported")
def test_services_attach_to_their_structure_and_labels_no_export_carries_stay():
    kept = [service for service in services() if service["nom"] != "Café"]
    kept.append(
        kept[0]
        | {"id": "1--atelier-cv", "nom": "Atelier CV", "thematiques": None, "structure_id": "1"}
    )
    report = run(kept)
    assert report.errors == [] and report.updated == 1, report.as_dict()
    assert sorted(labels("1")) == sorted(
        ["Accompagnement numérique", "Accès internet et matériel informatique", "Atelier CV"]
    )
    # « Wi » (too short) and « Réparation ! » (the slug of « Réparation ») are in no export:
    # a file of services cannot say them, so they stay.
    assert sorted(labels("4")) == sorted(["Réparation", "Wi", "Réparation !", "Accès internet"])


@pytest.mark.usefixtures("imported")
def test_unknown_structures_and_codes_are_reported_by_line_and_field_and_nothing_written():
    before = snapshot()
    good = services()
    changed = good[0] | {"nom": "Un tout autre service", "id": "1--autre"}
    unknown_structure = good[1] | {"structure_id": "inconnue", "id": "x--1"}
    unknown_code = good[2] | {"id": "2--y", "thematiques": ["numerique--sur-la-lune"]}
    report = run([changed, unknown_structure, unknown_code])
    assert (report.created, report.updated, report.unchanged) == (0, 0, 0)
    fields = {(error.line, error.field) for error in report.errors}
    assert (2, "structure_id") in fields
    assert any(line == 3 and field.startswith("thematiques") for line, field in fields)
    assert not any(line == 1 for line, _ in fields)
    assert snapshot() == before  # all or nothing: line 1 is not written either


@pytest.mark.usefixtures("imported")
def test_partial_import_leaves_out_a_structure_whose_service_is_bad():
    good = services()
    of_first = [service for service in good if service["structure_id"] == "1"]
    bad = of_first[0] | {"id": "1--z", "nom": "Atelier", "modes_accueil": ["par-telepathie"]}
    report = run([*of_first, bad], partial=True)
    assert report.rejected == len(of_first) + 1
    assert {error.line for error in report.errors} == set(range(1, len(of_first) + 2))
    assert "Atelier" not in labels("1")


def test_a_services_file_under_a_source_with_no_structures_imports_nothing():
    report = run(
        [
            {
                "source": "dora",
                "structure_id": "dora--42",
                "id": "dora--42--cv",
                "nom": "Atelier CV",
                "description": "Un atelier pour écrire son CV.",
                "date_maj": "2025-02-14",
            }
        ],
        source="dora",
    )
    assert report.rejected == 1 and report.created == 0
    assert [(error.line, error.field) for error in report.errors] == [(1, "structure_id")]


def test_services_file_detected_by_its_first_object():
    body = json.dumps([{"structure_id": "a", "id": "b"}]).encode()
    assert open_place_file(io.BytesIO(body)).format == datainclusion.SERVICE_FORMAT
    assert open_place_file(io.BytesIO(b"[]")).format == datainclusion.STRUCTURE_FORMAT
