"""Import of OpenStreetMap extracts (`opendata.osm`, `maillage import_osm`) on extracts the tests
write: `.osm` XML by hand and `.osm.pbf` with osmium."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from maillage.audit.models import AuditEntry
from maillage.common.actors import SYSTEM
from maillage.common.errors import PermissionDenied
from maillage.opendata.services import import_osm
from maillage.places.formats import row_from_place
from maillage.places.formats.osm import osm_diff
from maillage.places.models import OsmRecord, Place, PlaceChange
from tests.accounts.factories import UserFactory
from tests.opendata.osm_extracts import N, W, write_pbf, write_xml

pytestmark = pytest.mark.django_db

SIRET = "73282932000074"
COWORK_TAGS = {
    "amenity": "coworking_space",
    "name": "La Coopérative",
    "addr:housenumber": "12",
    "addr:street": "Rue Carnot",
    "addr:postcode": "64000",
    "addr:city": "Pau",
    "opening_hours": "Mo-Fr 09:00-18:00",
    "website": "https://cooperative.example",
    "phone": "+33 5 59 00 00 00",
    "email": "bonjour@cooperative.example",
    "wheelchair": "limited",
    "ref:FR:SIRET": SIRET,
}


def extract(**changes):
    """A coworking node, a hackerspace way (a square of four nodes), a repair café node, and
    what must be skipped: a café, an unnamed coworking, a thrift shop of no ressourcerie."""
    cowork = {**COWORK_TAGS, **changes.pop("cowork", {})}
    return [
        N(1, 43.2951, -0.3708, cowork, version=changes.pop("version", 1)),
        N(2, 43.3000, -0.3700, {"repair": "assisted_self_service", "name": "Répar'Café"}),
        N(3, 43.2960, -0.3710, {"amenity": "cafe", "name": "Le Café du Coin"}),
        N(4, 43.2970, -0.3720, {"amenity": "coworking_space"}),
        N(5, 43.2980, -0.3730, {"shop": "second_hand", "name": "Fripes & Co"}),
        N(6, 43.2990, -0.3740, {"shop": "second_hand", "name": "La Ressourcerie du Gave"}),
        N(10, 43.3100, -0.3600),
        N(11, 43.3100, -0.3500),
        N(12, 43.3200, -0.3500),
        N(13, 43.3200, -0.3600),
        W(
            100,
            [10, 11, 12, 13, 10],
            {"leisure": "hackerspace", "hackerspace:type": "fablab", "name": "Fab Gave"},
        ),
    ]


@pytest.fixture(params=["osm", "osm.pbf"])
def write(request, tmp_path):
    """Write an extract in each format (the file names carry no extension: the format is
    detected from the content)."""

    def build(objects, name="extract"):
        path = tmp_path / name
        return (write_xml if request.param == "osm" else write_pbf)(path, objects)

    return build


def test_several_values_keep_the_first_and_names_keep_their_semicolons(write):
    tags = {**COWORK_TAGS, "name": "Café; Cowork", "phone": "+33 5 59 00 00 00;+33 5 59 11 11 11"}
    import_osm(path=write([N(1, 43.2951, -0.3708, tags)]), actor=SYSTEM)
    place = Place.objects.get()
    assert (place.name, place.phone) == ("Café; Cowork", "+33559000000")


def test_matching_nodes_and_ways_are_imported_with_their_tags(write):
    report = import_osm(path=write(extract()), actor=SYSTEM)
    assert report.errors == []
    assert (report.created, report.updated, report.unchanged) == (4, 0, 0)
    places = {place.source_id: place for place in Place.objects.filter(source="osm")}
    assert sorted(places) == ["n1", "n2", "n6", "w100"]
    cowork = places["n1"]
    assert cowork.name == "La Coopérative"
    assert [link.kind for link in cowork.kind_links.all()] == ["coworking"]
    assert (cowork.address, cowork.postal_code, cowork.city, cowork.insee_code) == (
        "12 Rue Carnot",
        "64000",
        "Pau",
        "64445",
    )
    assert cowork.opening_hours == "Mo-Fr 09:00-18:00"
    assert (cowork.website, cowork.phone, cowork.email) == (
        "https://cooperative.example",
        "+33559000000",
        "bonjour@cooperative.example",
    )
    assert (cowork.wheelchair, cowork.siret) == ("limited", SIRET)
    assert (cowork.latitude, cowork.longitude) == (43.2951, -0.3708)
    assert cowork.source_updated_at.isoformat() == "2026-05-01T10:00:00+00:00"
    assert [link.kind for link in places["n2"].kind_links.all()] == ["repair_cafe"]
    assert [link.kind for link in places["n6"].kind_links.all()] == ["ressourcerie"]
    assert [link.kind for link in places["w100"].kind_links.all()] == ["fablab"]
    # Skipped: the café and the thrift shop (not ours), the unnamed coworking (with a warning).
    assert any("n4" in warning for warning in report.warnings)


@pytest.mark.parametrize(("fee", "fees"), [("no", ["free"]), ("yes", ["paid"]), ("donation", [])])
def test_the_fee_tag_gives_the_fees(write, fee, fees):
    import_osm(path=write([N(1, 43.2951, -0.3708, {**COWORK_TAGS, "fee": fee})]), actor=SYSTEM)
    assert Place.objects.get().fees == fees


def test_an_osm_place_exports_the_fee_it_was_imported_with(write, client):
    import_osm(path=write([N(1, 43.2951, -0.3708, {**COWORK_TAGS, "fee": "no"})]), actor=SYSTEM)
    [feature] = client.get("/api/v1/places.osm.geojson").json()["features"]
    assert feature["properties"]["fee"] == "no"
    # Its record shows no difference with the place.
    place = Place.objects.get()
    record = OsmRecord.objects.get(place=place)
    assert osm_diff(row_from_place(place), record.tags, record.latitude, record.longitude) == []


def test_a_way_is_located_at_the_centroid_of_its_nodes(write):
    import_osm(path=write(extract()), actor=SYSTEM)
    way = Place.objects.get(source_id="w100")
    # The closing node counts once: the centre of the square.
    assert way.latitude == pytest.approx(43.315)
    assert way.longitude == pytest.approx(-0.355)


def test_reimporting_the_same_extract_changes_nothing(write):
    path = write(extract())
    import_osm(path=path, actor=SYSTEM)
    places = dict(Place.objects.values_list("source_id", "updated_at"))
    records = dict(OsmRecord.objects.values_list("osm_id", "imported_at"))
    changes, audit = PlaceChange.objects.count(), AuditEntry.objects.count()
    report = import_osm(path=path, actor=SYSTEM)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 4)
    assert dict(Place.objects.values_list("source_id", "updated_at")) == places
    assert dict(OsmRecord.objects.values_list("osm_id", "imported_at")) == records
    assert (PlaceChange.objects.count(), AuditEntry.objects.count()) == (changes, audit)


def test_an_updated_extract_updates_the_changed_object(write):
    import_osm(path=write(extract()), actor=SYSTEM)
    updated = extract(cowork={"opening_hours": "Mo-Sa 08:00-20:00"}, version=2)
    report = import_osm(path=write(updated, name="extract-2"), actor=SYSTEM)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 3)
    assert Place.objects.get(source_id="n1").opening_hours == "Mo-Sa 08:00-20:00"
    record = OsmRecord.objects.get(osm_id="n1")
    assert (record.version, record.tags["opening_hours"]) == (2, "Mo-Sa 08:00-20:00")


def test_records_are_stored_and_linked_to_their_places(write):
    import_osm(path=write(extract()), actor=SYSTEM)
    records = {record.osm_id: record for record in OsmRecord.objects.select_related("place")}
    assert sorted(records) == ["n1", "n2", "n6", "w100"]
    assert records["n1"].tags == COWORK_TAGS
    assert records["w100"].place.source_id == "w100"
    assert records["n1"].version == 1
    audited = AuditEntry.objects.filter(object_type="places.osmrecord", action="osm_record.create")
    assert sorted(audited.values_list("object_id", flat=True)) == sorted(
        str(record.pk) for record in records.values()
    )


def test_invalid_opening_hours_are_reported_and_the_place_imported_without_them(write):
    objects = extract(cowork={"opening_hours": "lundi 9h-18h"})
    report = import_osm(path=write(objects), actor=SYSTEM)
    assert report.succeeded
    assert report.created == 4
    assert Place.objects.get(source_id="n1").opening_hours == ""
    [warning] = [w for w in report.warnings if "opening_hours" in w]
    assert warning.startswith("n1, opening_hours")
    # The record keeps OSM's value, so the place page shows the difference.
    assert OsmRecord.objects.get(osm_id="n1").tags["opening_hours"] == "lundi 9h-18h"


def test_an_unknown_city_is_dropped_and_the_coordinates_kept(write):
    objects = extract(cowork={"addr:city": "Nulle-Part", "addr:postcode": "99999"})
    report = import_osm(path=write(objects), actor=SYSTEM)
    assert report.succeeded
    place = Place.objects.get(source_id="n1")
    assert (place.latitude, place.city) == (43.2951, "")


def test_a_way_without_its_nodes_is_rejected_under_its_id(write):
    objects = [N(1, 43.3, -0.37), W(7, [1, 2], {"office": "coworking", "name": "Le Bureau"})]
    report = import_osm(path=write(objects), actor=SYSTEM)
    assert [(error.line, error.field) for error in report.errors] == [("w7", "latitude")]
    assert any(warning.startswith("w7 : position inconnue") for warning in report.warnings)
    assert not Place.objects.exists()
    assert not OsmRecord.objects.exists()


def test_objects_outside_france_are_skipped(write):
    objects = [N(1, 51.5, -0.12, {"amenity": "coworking_space", "name": "London Desk"})]
    report = import_osm(path=write(objects), actor=SYSTEM)
    assert report.succeeded and report.rows == 0
    assert any("n1" in warning for warning in report.warnings)


def test_dry_run_writes_nothing(write):
    report = import_osm(path=write(extract()), actor=SYSTEM, dry_run=True)
    assert report.created == 4
    assert not Place.objects.exists()
    assert not OsmRecord.objects.exists()


def test_only_administrators_import(write):
    with pytest.raises(PermissionDenied):
        import_osm(path=write(extract()), actor=UserFactory())


def test_a_file_that_is_not_an_extract_is_refused(tmp_path):
    path = tmp_path / "lieux.csv"
    path.write_text("source_id,name\n1,x\n", encoding="utf-8")
    report = import_osm(path=path, actor=SYSTEM)
    assert report.file_error
    assert not Place.objects.exists()


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
    except CommandError as exc:
        return exc.returncode, out.getvalue(), err.getvalue() + str(exc)
    return 0, out.getvalue(), err.getvalue()


def test_command_reports_and_exits(tmp_path, write):
    code, out, _ = run("import_osm", str(write(extract())))
    assert code == 0
    assert "créés : 4" in out
    bad = write([W(7, [1, 2], {"office": "coworking", "name": "Le Bureau"})], name="bad")
    code, out, _ = run("import_osm", str(bad), "--format", "json")
    assert code == 1
    assert json.loads(out)["errors"][0]["line"] == "w7"
    code, out, _ = run("import_osm", str(bad))
    assert code == 1
    assert "objet w7, latitude" in out
    not_osm = tmp_path / "lieux.csv"
    not_osm.write_text("source_id,name\n", encoding="utf-8")
    code, out, err = run("import_osm", str(not_osm))
    assert code == 1
    assert "n'est pas un extrait OpenStreetMap" in out
    assert "Fichier illisible" in err
