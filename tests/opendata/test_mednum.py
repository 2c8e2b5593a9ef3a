"""The national schema « Lieux de médiation numérique »: exports validated against the shipped
table schema with frictionless, imports through the ordinary importer, the round trip."""

import csv
import io
import json

import pytest
from data_inclusion.schema import v1
from django.core.management import call_command
from frictionless import Resource, Schema

from maillage.common.actors import SYSTEM
from maillage.opendata.selectors import iter_export_rows
from maillage.opendata.services import import_places
from maillage.places.formats import mednum
from maillage.places.models import Place
from maillage.places.selectors import PlaceFilters
from maillage.places.services import update_place
from maillage.territories.services import load_territories

pytestmark = pytest.mark.django_db

HEADER = (
    "source_id,name,kinds,status,description,address,postal_code,city,insee_code,latitude,"
    "longitude,opening_hours,website,email,phone,siret,legal_form,services,equipment,wheelchair"
)
SOURCE_ROWS = [
    HEADER,
    # Two national services (one named as ours, one as theirs), a SIRET, a summary to cut.
    '1,"Espace numérique ""Le Lien""",digital_inclusion|coworking,open,'
    f'"{"Un lieu pour apprendre le numérique. " * 12}\r\n\r\nDeuxième paragraphe.",'
    "2 rue Pasteur,64000,Pau,64445,43.2951,-0.3708,"
    "Mo-Fr 09:00-18:00; PH off,lien.example.org,contact@lien.example.org,05 59 00 00 00,"
    "73282932000074,association,Accompagnement numérique|Accès internet et matériel informatique|"
    "Café,Imprimante,yes",
    # At its commune's centre, no SIRET, a fablab with a service that maps.
    "2,Fablab du Gave,fablab,project,,3 place Royale,64000,Pau,64445,,,,,,,,,Impression 3D,,",
    # No service of the national list: omitted, and reported.
    "3,Cowork Étoile,coworking,open,,5 rue de Rivoli,75001,Paris,,48.8566,2.3522,24/7,,,"
    "+33 1 23 45 67 89,,scic,Location de salle,,",
]


def mednum_schema() -> Schema:
    return Schema.from_descriptor(mednum.table_schema())


def validate_mednum(text: str):
    """The frictionless report of a CSV text against the shipped schema."""
    resource = Resource(data=text.encode(), format="csv", schema=mednum_schema())
    return resource.validate()


def assert_valid(text: str) -> None:
    report = validate_mednum(text)
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def export_text(source: str = "réseau", omitted=None) -> str:
    rows = iter_export_rows(PlaceFilters(source=source), fields=mednum.ROW_FIELDS)
    records = mednum.mednum_records(rows, on_omitted=omitted)
    return "".join(mednum.iter_mednum_csv(records))


def read_csv(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def imported():
    lines = "\r\n".join(SOURCE_ROWS) + "\r\n"
    report = import_places(actor=SYSTEM, source="réseau", stream=io.BytesIO(lines.encode()))
    assert report.created == 3, report.errors
    return report


def test_shipped_schema_is_the_pinned_table_schema():
    descriptor = mednum.table_schema()
    assert descriptor["version"] == mednum.SCHEMA_VERSION
    assert descriptor["licenses"][0]["name"] == "etalab-2.0"
    assert tuple(field.name for field in mednum_schema().fields) == mednum.HEADER
    notice = (mednum.SCHEMA_PATH.parent / "LICENCE.md").read_text()
    assert mednum.SCHEMA_VERSION in notice and "Licence Ouverte" in notice
    # The nine services of the closed list are those of the schema's pattern.
    pattern = next(f for f in descriptor["fields"] if f["name"] == "services")["constraints"]
    assert all(name in pattern["pattern"] for name in mednum.SERVICES)
    assert len(mednum.SERVICES) == 9


@pytest.mark.usefixtures("imported")
def test_export_validates_against_the_shipped_schema():
    omitted = []
    text = export_text(omitted=omitted.append)
    assert_valid(text)
    rows = {row["id"]: row for row in read_csv(text)}
    assert set(rows) == {"1", "2"}
    first = rows["1"]
    assert first["pivot"] == "732829320"  # the SIREN: the pinned schema admits 9-10 characters
    assert first["services"] == (
        "Maîtrise des outils numériques du quotidien|Accès internet et matériel informatique"
    )
    assert first["typologie"] == "EPN|TIERS_LIEUX"
    assert first["horaires"] == "Mo-Fr 09:00-18:00; PH off"
    assert first["telephone"] == "+33559000000"
    assert len(first["presentation_resume"]) <= 280 and first["presentation_resume"].endswith("…")
    assert "Deuxième paragraphe." in first["presentation_detail"]
    assert rows["2"]["pivot"] == mednum.PIVOT_UNKNOWN
    assert rows["2"]["latitude"] == ""  # at its commune's centre: derived again on import
    assert rows["2"]["typologie"] == "FABLAB"
    # The place without a national service is reported, with why.
    assert [omission.name for omission in omitted] == ["Cowork Étoile"]
    assert "liste nationale" in omitted[0].reasons[0]


@pytest.mark.usefixtures("imported")
def test_export_reimports_as_all_unchanged():
    before = dict(Place.objects.values_list("source_id", "updated_at"))
    text = export_text()
    report = import_places(actor=SYSTEM, source="réseau", stream=io.BytesIO(text.encode()))
    assert (report.created, report.updated, report.unchanged, report.rejected) == (0, 0, 2, 0)
    assert report.warnings == []
    assert dict(Place.objects.values_list("source_id", "updated_at")) == before
    kept = Place.objects.get(source_id="1")
    assert kept.siret == "73282932000074"  # the SIREN of the file confirmed the SIRET
    assert sorted(kept.services.values_list("name", flat=True)) == [
        "Accompagnement numérique",
        "Accès internet et matériel informatique",
        "Café",
    ]


def national_file(*rows: dict) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=mednum.HEADER, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(dict.fromkeys(mednum.HEADER, "") | row)
    return buffer.getvalue().encode()


LIEU = {
    "id": "lieu-1",
    "pivot": "73282932000074",
    "nom": "Médiathèque de Pau",
    "commune": "Pau",
    "code_postal": "64000",
    "code_insee": "64445",
    "adresse": "10 rue Mathieu Lalanne",
    "complement_adresse": "2e étage",
    "latitude": "43.2951",
    "longitude": "-0.3708",
    "typologie": "BIB|EPN",
    "telephone": "+33559000000",
    "courriels": "contact@mediatheque.example.org|autre@example.org",
    "site_web": "https://mediatheque.example.org",
    "horaires": "Tu-Sa 10:00-18:00",
    "presentation_resume": "Ateliers numériques pour tous.",
    "date_maj": "2024-06-02",
    "services": "Aide aux démarches administratives|Loisirs et créations numériques",
    "itinerance": "Itinérant|Fixe",
    "publics_specifiquement_adresses": "Jeunes|Seniors",
    "prise_en_charge_specifique": "Surdité|Déficience visuelle",
    "frais_a_charge": "Gratuit sous condition|Payant",
    "formations_labels": "Fabriques de Territoire",
    "modalites_acces": "Se présenter|Prendre un RDV en ligne",
    "modalites_accompagnement": "Accompagnement individuel|À distance",
    "fiche_acces_libre": "https://acceslibre.beta.gouv.fr/app/64-pau/a/mediatheque/erp/m-1/",
}


def test_a_national_file_imports_through_the_importer():
    report = import_places(actor=SYSTEM, source="carto", stream=io.BytesIO(national_file(LIEU)))
    assert report.created == 1, report.errors
    place = Place.objects.get(source="carto", source_id="lieu-1")
    assert place.siret == "73282932000074"
    assert place.address == "10 rue Mathieu Lalanne, 2e étage"
    assert place.email == "contact@mediatheque.example.org"
    assert place.opening_hours == "Tu-Sa 10:00-18:00"
    assert place.description == "Ateliers numériques pour tous."
    assert place.acceslibre_url.startswith("https://acceslibre.beta.gouv.fr/")
    assert place.source_updated_at.date().isoformat() == "2024-06-02"
    assert [link.kind for link in place.kind_links.all()] == ["digital_inclusion"]
    assert sorted(place.services.values_list("name", flat=True)) == [
        "Aide aux démarches administratives",
        "Loisirs et créations numériques",
    ]
    # The schema's closed lists that are fields are stored as our codes, in their order.
    assert place.mobility == ["fixed", "mobile"]
    assert place.audiences == ["youth", "seniors"]
    assert place.specific_support == ["deafness", "visual_impairment"]
    assert place.fees == ["free_conditional", "paid"]
    assert place.access_modes == ["walk_in", "online_booking"]
    assert place.support_modes == ["individual", "remote"]
    # The columns Maillage has no field for are said, once, as a warning; the others are not.
    assert any("formations_labels" in warning for warning in report.warnings)
    assert not any("frais_a_charge" in warning for warning in report.warnings)
    # Importing the same file again changes nothing; so does importing our export of it.
    again = import_places(actor=SYSTEM, source="carto", stream=io.BytesIO(national_file(LIEU)))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    text = export_text(source="carto")
    assert_valid(text)
    back = import_places(actor=SYSTEM, source="carto", stream=io.BytesIO(text.encode()))
    assert (back.created, back.updated, back.unchanged, back.rejected) == (0, 0, 1, 0)


@pytest.mark.usefixtures("imported")
def test_a_mobile_place_is_exported_itinerant_with_its_lists():
    place = Place.objects.get(source="réseau", source_id="1")
    update_place(
        actor=SYSTEM,
        place=place,
        changes={"mobility": ["mobile"], "fees": "free|paid", "support_modes": ["workshop"]},
    )
    text = export_text()
    assert_valid(text)
    rows = {row["id"]: row for row in read_csv(text)}
    assert rows["1"]["itinerance"] == "Itinérant"
    assert rows["1"]["frais_a_charge"] == "Gratuit|Payant"
    assert rows["1"]["modalites_accompagnement"] == "Dans un atelier collectif"
    assert rows["1"]["modalites_acces"] == ""
    # A place that says nothing of its mobility is fixed, as before these fields.
    assert rows["2"]["itinerance"] == "Fixe"
    # And the export re-imports with nothing changed, byte for byte.
    import_places(actor=SYSTEM, source="réseau", stream=io.BytesIO(text.encode()))
    assert export_text() == text
    place.refresh_from_db()
    assert (place.mobility, place.fees) == (["mobile"], ["free", "paid"])


@pytest.mark.usefixtures("imported")
def test_export_import_export_is_byte_for_byte_equal():
    first = export_text()
    import_places(actor=SYSTEM, source="réseau", stream=io.BytesIO(first.encode()))
    assert export_text() == first


def test_a_national_file_s_export_round_trips_byte_for_byte():
    import_places(actor=SYSTEM, source="carto", stream=io.BytesIO(national_file(LIEU)))
    first = export_text(source="carto")
    back = import_places(actor=SYSTEM, source="carto", stream=io.BytesIO(first.encode()))
    assert back.unchanged == 1
    assert export_text(source="carto") == first
    # The columns we map come back as the file gave them; those we keep nowhere do not.
    (row,) = read_csv(first)
    mapped = {
        "id",
        "nom",
        "commune",
        "code_postal",
        "code_insee",
        "horaires",
        "services",
        *mednum.LISTED_FIELDS,
    }
    assert {name: row[name] for name in mapped} == {name: LIEU[name] for name in mapped}
    assert row["itinerance"] == "Itinérant|Fixe"
    assert row["formations_labels"] == ""


def test_unknown_codes_are_reported_by_line_and_column():
    bad = LIEU | {
        "id": "lieu-2",
        "services": "Aide aux démarches administratives|Yoga",
        "typologie": "PLANETE",
        "frais_a_charge": "Sur devis",
        "itinerance": "Itinérant|Bus",
        "modalites_accompagnement": "En autonomie|Par pigeon",
        "pivot": "12AB",
        "date_maj": "02/06/2024",
    }
    report = import_places(
        actor=SYSTEM, source="carto", stream=io.BytesIO(national_file(LIEU, bad))
    )
    assert report.rejected == 1 and report.created == 0
    by_field = {(error.line, error.field): error.message for error in report.errors}
    assert set(by_field) == {
        (3, "services"),
        (3, "typologie"),
        (3, "frais_a_charge"),
        (3, "itinerance"),
        (3, "modalites_accompagnement"),
        (3, "pivot"),
        (3, "date_maj"),
    }
    assert "« Yoga »" in by_field[(3, "services")]
    assert "« PLANETE »" in by_field[(3, "typologie")]
    assert "« Bus »" in by_field[(3, "itinerance")]
    assert "Itinérant | Fixe" in by_field[(3, "itinerance")]
    assert "« Par pigeon »" in by_field[(3, "modalites_accompagnement")]


def test_the_validator_s_errors_are_named_after_the_file_s_columns():
    bad = LIEU | {"pivot": "73282932000075", "telephone": "abc", "fiche_acces_libre": "x y"}
    report = import_places(actor=SYSTEM, source="carto", stream=io.BytesIO(national_file(bad)))
    fields = {error.field for error in report.errors}
    assert {"pivot", "telephone", "fiche_acces_libre"} <= fields


def test_errors_are_in_the_reader_s_language():
    from django.utils import translation

    bad = LIEU | {"services": "Yoga"}
    with translation.override("en"):
        report = import_places(actor=SYSTEM, source="carto", stream=io.BytesIO(national_file(bad)))
    message = next(error.message for error in report.errors if error.field == "services")
    assert message.startswith("Unknown code(s)")
    with translation.override("en"):
        bad = LIEU | {"frais_a_charge": "Sur devis"}
        report = import_places(actor=SYSTEM, source="carto", stream=io.BytesIO(national_file(bad)))
    (error,) = report.errors
    assert (error.line, error.field) == (2, "frais_a_charge")
    assert error.message.startswith("Unknown code(s)") and "« Sur devis »" in error.message


def test_command_writes_the_national_csv_and_reports_omissions(imported, capsys):
    call_command("export_places", "--format", "mednum", "--source", "réseau")
    out, err = capsys.readouterr()
    assert_valid(out)
    assert len(read_csv(out)) == 2
    assert "Cowork Étoile" in err  # the omitted place, on standard error
    assert "Licence Ouverte 2.0" in err


def test_demo_export_validates():
    """`maillage export_places --format mednum` on the demo data passes the official schema."""
    load_territories()  # every French territory: the demo uses about a hundred communes
    call_command("load_demo", stdout=io.StringIO())
    buffer = io.StringIO()
    call_command("export_places", "--format", "mednum", stdout=buffer, stderr=io.StringIO())
    text = buffer.getvalue()
    assert len(read_csv(text)) > 0
    assert_valid(text)
    # data·inclusion's exports of the same data validate with its package's models.
    for file_format, model in (
        ("data-inclusion-structures", v1.Structure),
        ("data-inclusion-services", v1.Service),
    ):
        buffer = io.StringIO()
        call_command("export_places", "--format", file_format, stdout=buffer, stderr=io.StringIO())
        records = json.loads(buffer.getvalue())
        assert records
        for record in records:
            model.model_validate(record)


def test_the_schema_file_is_valid_json_with_every_column_declared():
    descriptor = json.loads(mednum.SCHEMA_PATH.read_text(encoding="utf-8"))
    assert [field["name"] for field in descriptor["fields"]] == [c.name for c in mednum.COLUMNS]
