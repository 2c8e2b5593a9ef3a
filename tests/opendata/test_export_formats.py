"""Exports: canonical CSV, GeoJSON and JSON-LD; an export re-imports as all unchanged."""

import csv
import io
import json

import pytest

from maillage.common.actors import SYSTEM
from maillage.opendata.services import import_places
from maillage.places.formats import EXPORT_FIELDS
from maillage.places.formats.canonical import iter_places_csv
from maillage.places.formats.geojson import places_geojson
from maillage.places.formats.schemaorg import place_jsonld, schema_org_opening_hours
from maillage.places.models import Place
from maillage.places.selectors import PlaceFilters, get_place, search_places
from tests.places.factories import make_place

pytestmark = pytest.mark.django_db

# The header of issue 2, § 6, word for word.
HEADER = (
    "source_id,name,kinds,status,description,address,postal_code,city,insee_code,latitude,"
    "longitude,opening_hours,website,email,phone,siret,legal_form,services,equipment,wheelchair"
)

# Rows chosen for what tends to break a round trip: derived coordinates, negative numbers,
# quotes, separators, line breaks, accents, formula-looking text, labels, every optional field.
SOURCE_ROWS = [
    HEADER,
    '1,"=HYPERLINK(""http://evil""), ""la"" Fabrique",fablab|coworking,open,'
    '"Ateliers; cafés,\r\net « repair »",2 rue Pasteur,64000,Pau,64445,43.2951,-0.3708,'
    "Mo-Fr 09:00-18:00; PH off,fabrique.example.org,Contact@Example.org,05 59 00 00 00,"
    "73282932000074,association,Wifi|Impression 3D|@home,Découpe laser,limited",
    "2,- Le Cowork,coworking,project,,,,,64348,,,,,,,,,,,",
    "3,Tiers-lieu Étoile,cultural,closed,,,75001,Paris,,48.8566,2.3522,24/7,,,+33 1 23 45 67 89,"
    ",scic,,,yes",
]


def export_rows(**filters):
    return search_places(PlaceFilters(**filters), fields=EXPORT_FIELDS).items


def export_csv(**filters) -> str:
    return "".join(iter_places_csv(export_rows(**filters)))


@pytest.fixture
def imported():
    lines = "\r\n".join(SOURCE_ROWS) + "\r\n"
    report = import_places(actor=SYSTEM, source="réseau", stream=io.BytesIO(lines.encode()))
    assert report.created == 3, report.errors
    return report


@pytest.mark.usefixtures("imported")
def test_csv_export_has_the_canonical_header_in_order():
    """The columns of issue 2 in their places, then the stable identifier (issue 7 § 3)."""
    text = export_csv()
    # The schema's closed lists (mobility…) follow the columns of issue 2.
    lists = "mobility,audiences,specific_support,fees,access_modes,support_modes"
    assert text.splitlines()[0] == f"{HEADER},{lists},uuid"
    assert text.endswith("\r\n")


@pytest.mark.usefixtures("imported")
def test_csv_export_reimports_as_all_unchanged():
    before = dict(Place.objects.values_list("source_id", "updated_at"))
    exported = export_csv(source="réseau").encode()
    report = import_places(actor=SYSTEM, source="réseau", stream=io.BytesIO(exported))
    assert (report.created, report.updated, report.unchanged, report.rejected) == (0, 0, 3, 0)
    assert dict(Place.objects.values_list("source_id", "updated_at")) == before


@pytest.mark.usefixtures("imported")
def test_geojson_export_reimports_as_all_unchanged():
    exported = json.dumps(places_geojson(export_rows()), default=str).encode()
    report = import_places(actor=SYSTEM, source="réseau", stream=io.BytesIO(exported))
    assert (report.created, report.updated, report.unchanged, report.rejected) == (0, 0, 3, 0)
    assert report.warnings == []


@pytest.mark.usefixtures("imported")
def test_csv_cells_that_spreadsheets_would_run_are_neutralised():
    rows = {row["source_id"]: row for row in csv.DictReader(io.StringIO(export_csv()))}
    assert rows["1"]["name"] == '\'=HYPERLINK("http://evil"), "la" Fabrique'
    assert rows["1"]["phone"] == "'+33559000000"
    assert rows["1"]["services"] == "'@home|Impression 3D|Wifi"
    assert rows["2"]["name"] == "'- Le Cowork"
    # Negative numbers cannot carry a formula and stay numbers for spreadsheets.
    assert rows["1"]["longitude"] == "-0.3708"
    dangerous = ("=", "+", "-", "@", "\t", "\r")
    cells = [cell for row in rows.values() for name, cell in row.items() if name != "longitude"]
    assert not any(cell.startswith(dangerous) for cell in cells)


@pytest.mark.usefixtures("imported")
def test_commune_centred_place_is_exported_without_coordinates():
    rows = {row["source_id"]: row for row in csv.DictReader(io.StringIO(export_csv()))}
    assert (rows["2"]["insee_code"], rows["2"]["latitude"], rows["2"]["longitude"]) == (
        "64348",
        "",
        "",
    )


def test_place_entered_here_gets_a_maillage_source_id():
    place = make_place()
    row = next(csv.DictReader(io.StringIO(export_csv())))
    assert row["source_id"] == f"maillage:{place.pk}"
    report = import_places(actor=SYSTEM, source="pair", stream=io.BytesIO(export_csv().encode()))
    assert report.created == 1
    again = export_csv(source="pair").encode()
    assert import_places(actor=SYSTEM, source="pair", stream=io.BytesIO(again)).unchanged == 1


@pytest.mark.usefixtures("imported")
def test_geojson_features():
    collection = places_geojson(export_rows(kinds=("fablab",)))
    assert collection["type"] == "FeatureCollection"
    [feature] = collection["features"]
    assert feature["geometry"] == {"type": "Point", "coordinates": [-0.3708, 43.2951]}
    properties = feature["properties"]
    assert properties["kinds"] == ["fablab", "coworking"]
    assert properties["url"] == f"/lieux/{properties['slug']}/"
    assert properties["source_id"] == "1"
    assert "latitude" not in properties


def test_geojson_of_compact_rows_has_only_their_properties():
    make_place()
    rows = search_places(PlaceFilters(), fields=("id", "slug", "name", "latitude", "longitude"))
    [feature] = places_geojson(rows.items)["features"]
    assert set(feature["properties"]) == {
        "id",
        "slug",
        "url",
        "name",
        "kinds",
        "services",
        "equipment",
    }


@pytest.mark.usefixtures("imported")
def test_jsonld_from_a_row_and_from_a_place_agree():
    row = next(row for row in export_rows() if row["source_id"] == "1")
    from_row = place_jsonld(row, "https://maillage.example/")
    from_place = place_jsonld(get_place(place_id=row["id"]), "https://maillage.example")
    assert from_row == from_place
    assert from_row["@context"] == "https://schema.org"
    assert from_row["@type"] == "LocalBusiness"
    assert from_row["url"] == f"https://maillage.example/lieux/{row['slug']}/"
    assert from_row["address"] == {
        "@type": "PostalAddress",
        "streetAddress": "2 rue Pasteur",
        "postalCode": "64000",
        "addressLocality": "Pau",
        "addressCountry": "FR",
    }
    assert from_row["geo"] == {"@type": "GeoCoordinates", "latitude": 43.2951, "longitude": -0.3708}
    assert from_row["openingHours"] == ["Mo-Fr 09:00-18:00"]
    assert from_row["telephone"] == "+33559000000"
    assert from_row["email"] == "contact@example.org"
    assert from_row["sameAs"] == ["https://fabrique.example.org"]
    assert from_row["additionalType"] == ["fablab", "coworking"]
    assert from_row["identifier"]["value"] == "73282932000074"


@pytest.mark.usefixtures("imported")
def test_jsonld_of_a_closed_place_is_a_plain_place():
    row = next(row for row in export_rows() if row["source_id"] == "3")
    assert place_jsonld(row, "https://maillage.example")["@type"] == "Place"


@pytest.mark.parametrize(
    ("osm", "schema_org"),
    [
        ("Mo-Fr 09:00-12:00,14:00-18:00", ["Mo-Fr 09:00-12:00", "Mo-Fr 14:00-18:00"]),
        ("Mo,We 10:00-19:00; Sa 10:00-12:00; PH off", ["Mo,We 10:00-19:00", "Sa 10:00-12:00"]),
        ("24/7", ["Mo-Su"]),
        ("Mo-Fr 09:00-18:00; We off", []),
        ("Jan-Jun Mo 10:00-12:00", []),
        ("", []),
    ],
)
def test_schema_org_opening_hours(osm, schema_org):
    assert schema_org_opening_hours(osm) == schema_org


@pytest.mark.usefixtures("imported")
def test_csv_export_carries_each_places_uuid():
    rows = {row["source_id"]: row for row in csv.DictReader(io.StringIO(export_csv()))}
    uuids = {place.source_id: str(place.uuid) for place in Place.objects.all()}
    assert {source_id: row["uuid"] for source_id, row in rows.items()} == uuids


@pytest.mark.usefixtures("imported")
def test_an_exported_uuid_column_is_read_and_ignored():
    """Re-importing an export whose uuids were edited (changed, emptied, not even uuids)
    changes nothing: places are matched by source and source_id, their uuid never moves."""
    before = dict(Place.objects.values_list("source_id", "uuid"))
    rows = list(csv.DictReader(io.StringIO(export_csv(source="réseau"))))
    rows[0]["uuid"], rows[1]["uuid"], rows[2]["uuid"] = str(before["2"]), "", "not-a-uuid"
    edited = io.StringIO()
    writer = csv.DictWriter(edited, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    report = import_places(
        actor=SYSTEM, source="réseau", stream=io.BytesIO(edited.getvalue().encode())
    )
    assert (report.created, report.updated, report.unchanged, report.rejected) == (0, 0, 3, 0)
    assert report.warnings == []
    assert dict(Place.objects.values_list("source_id", "uuid")) == before


@pytest.mark.usefixtures("imported")
def test_another_source_importing_an_export_gives_its_places_new_uuids():
    exported = export_csv(source="réseau").encode()
    report = import_places(actor=SYSTEM, source="miroir", stream=io.BytesIO(exported))
    assert report.created == 3
    originals = set(Place.objects.filter(source="réseau").values_list("uuid", flat=True))
    copies = set(Place.objects.filter(source="miroir").values_list("uuid", flat=True))
    assert len(copies) == 3
    assert not originals & copies


@pytest.mark.usefixtures("imported")
def test_jsonld_id_is_the_stable_uuid():
    row = next(row for row in export_rows() if row["source_id"] == "1")
    assert place_jsonld(row, "https://maillage.example")["@id"] == f"urn:uuid:{row['uuid']}"
