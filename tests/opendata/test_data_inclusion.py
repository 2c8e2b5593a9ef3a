"""data·inclusion: structures and services exported as JSON and validated with the
`data-inclusion-schema` package; structures imported back through the importer."""

import io
import json

import pytest
from data_inclusion.schema import v1
from django.core.management import call_command

from maillage.common.actors import SYSTEM
from maillage.opendata.selectors import iter_export_rows
from maillage.opendata.services import import_places
from maillage.places.formats import datainclusion, mednum
from maillage.places.models import Place
from maillage.places.selectors import PlaceFilters
from tests.opendata.test_mednum import SOURCE_ROWS

pytestmark = pytest.mark.django_db
BASE_URL = "https://maillage.example.org"


@pytest.fixture
def imported():
    lines = "\r\n".join(SOURCE_ROWS) + "\r\n"
    report = import_places(actor=SYSTEM, source="réseau", stream=io.BytesIO(lines.encode()))
    assert report.created == 3, report.errors


def rows(source="réseau"):
    return iter_export_rows(PlaceFilters(source=source), fields=mednum.ROW_FIELDS)


def structures(source="réseau") -> list[dict]:
    return list(datainclusion.structure_records(rows(source), BASE_URL))


@pytest.mark.usefixtures("imported")
def test_structures_validate_against_the_schema():
    exported = structures()
    assert len(exported) == 3
    for structure in exported:
        v1.Structure.model_validate(structure, context={"ignore_warnings": False})
    first = next(structure for structure in exported if structure["id"] == "1")
    assert first["siret"] == "73282932000074"
    assert first["reseaux_porteurs"] == ["espaces-publics-numeriques"]
    assert first["lien_source"].startswith(f"{BASE_URL}/lieux/")
    assert first["horaires_accueil"] == "Mo-Fr 09:00-18:00; PH off"
    centred = next(structure for structure in exported if structure["id"] == "2")
    assert centred["latitude"] is None  # at its commune's centre


@pytest.mark.usefixtures("imported")
def test_services_validate_against_the_schema():
    services = list(datainclusion.service_records(rows(), BASE_URL))
    assert services
    for service in services:
        v1.Service.model_validate(service, context={"ignore_warnings": False})
    by_name = {service["nom"]: service for service in services}
    assert by_name["Accompagnement numérique"]["thematiques"] == [
        "numerique--maitriser-les-fondamentaux-du-numerique"
    ]
    assert by_name["Café"]["thematiques"] is None
    structure_ids = {structure["id"] for structure in structures()}
    assert {service["structure_id"] for service in services} <= structure_ids
    assert len({service["id"] for service in services}) == len(services)


@pytest.mark.usefixtures("imported")
def test_structures_reimport_as_all_unchanged():
    before = dict(Place.objects.values_list("source_id", "updated_at"))
    body = json.dumps(structures()).encode()
    report = import_places(actor=SYSTEM, source="réseau", stream=io.BytesIO(body))
    assert (report.created, report.updated, report.unchanged, report.rejected) == (0, 0, 3, 0)
    assert report.warnings == []
    assert dict(Place.objects.values_list("source_id", "updated_at")) == before


STRUCTURE = {
    "source": "dora",
    "id": "dora--42",
    "nom": "Centre social Le Tournesol",
    "date_maj": "2025-02-14",
    "siret": "73282932000074",
    "commune": "Pau",
    "code_postal": "64000",
    "code_insee": "64445",
    "adresse": "4 rue des Fleurs",
    "complement_adresse": "bâtiment B",
    "latitude": 43.3,
    "longitude": -0.37,
    "courriel": "contact@tournesol.example.org",
    "site_web": "https://tournesol.example.org/",
    "horaires_accueil": "Mo-Fr 08:30-12:30; PH off",
    "reseaux_porteurs": ["espaces-publics-numeriques", "caf"],
}


def test_a_structures_file_imports_and_reimports_unchanged():
    body = json.dumps([STRUCTURE]).encode()
    report = import_places(actor=SYSTEM, source="dora", stream=io.BytesIO(body))
    assert report.created == 1, report.errors
    place = Place.objects.get(source="dora", source_id="dora--42")
    assert place.address == "4 rue des Fleurs, bâtiment B"
    assert [link.kind for link in place.kind_links.all()] == ["digital_inclusion"]
    assert place.source_updated_at.date().isoformat() == "2025-02-14"
    again = import_places(actor=SYSTEM, source="dora", stream=io.BytesIO(body))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    back = json.dumps(structures("dora")).encode()
    report = import_places(actor=SYSTEM, source="dora", stream=io.BytesIO(back))
    assert (report.created, report.updated, report.unchanged, report.rejected) == (0, 0, 1, 0)


def test_unknown_codes_and_bad_members_are_reported_by_item_and_field():
    bad = STRUCTURE | {"id": "dora--43", "reseaux_porteurs": ["planete-mars"], "code_postal": "6"}
    body = json.dumps([STRUCTURE, bad, "pas un objet"]).encode()
    report = import_places(actor=SYSTEM, source="dora", stream=io.BytesIO(body))
    assert report.created == 0 and report.rejected == 2
    fields = {(error.line, error.field) for error in report.errors}
    assert (2, "code_postal") in fields
    assert any(line == 2 and field.startswith("reseaux_porteurs") for line, field in fields)
    assert any(line == 3 for line, _ in fields)


def test_command_writes_json_lists(imported, capsys):
    call_command("export_places", "--format", "data-inclusion-structures", "--source", "réseau")
    out, err = capsys.readouterr()
    exported = json.loads(out)
    assert len(exported) == 3
    for structure in exported:
        v1.Structure.model_validate(structure)
    assert "Licence" in err
    call_command("export_places", "--format", "data-inclusion-services", "--source", "réseau")
    out, _ = capsys.readouterr()
    for service in json.loads(out):
        v1.Service.model_validate(service)
