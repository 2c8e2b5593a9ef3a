"""import_places: validation of every row, the report, upserts and the three write modes."""

import io
import json
from datetime import UTC, datetime

import pytest

from maillage.common.actors import SYSTEM
from maillage.common.errors import PermissionDenied, ValidationFailed
from maillage.opendata.services import import_places
from maillage.places.formats.canonical import place_digest
from maillage.places.models import Place
from maillage.places.validation import CleanPlace
from maillage.territories.selectors import CommuneRef
from tests.accounts.factories import AdminFactory, UserFactory

pytestmark = pytest.mark.django_db

MINIMAL = "source_id,name,kinds,insee_code,latitude,longitude"
PAU = "1,La Fabrique,fablab,64445,43.2951,-0.3708"
LESCAR = "2,Le Cowork,coworking|fablab,64348,,"


def errors_of(report):
    return [(error.line, error.field) for error in report.errors]


def test_creates_places_with_their_relations(run_import):
    header = "source_id,name,kinds,insee_code,latitude,longitude,services,equipment,phone"
    report = run_import(header, PAU + ",Wifi|Café,Imprimante 3D,05 59 00 00 00", LESCAR + ",,,")
    assert (report.created, report.updated, report.unchanged, report.rejected) == (2, 0, 0, 0)
    assert report.errors == []
    place = Place.objects.get(source="test", source_id="1")
    assert place.slug == "la-fabrique-pau"
    assert (place.insee_code, place.region_code, place.phone) == ("64445", "75", "+33559000000")
    assert sorted(label.name for label in place.services.all()) == ["Café", "Wifi"]
    assert [label.name for label in place.equipment.all()] == ["Imprimante 3D"]
    cowork = Place.objects.get(source_id="2")
    assert sorted(cowork.kind_links.values_list("kind", flat=True)) == ["coworking", "fablab"]
    # No coordinates: the commune's centre, flagged as such.
    assert (cowork.latitude, cowork.location_precision) == (43.3333, "commune")


def test_commune_from_postal_code_and_city(run_import):
    report = run_import("source_id,name,kinds,postal_code,city", "1,Le Lieu,fablab,64230,LESCAR")
    assert report.created == 1
    assert Place.objects.get().insee_code == "64348"


def test_reimport_is_all_unchanged_and_touches_nothing(run_import):
    run_import(MINIMAL, PAU, LESCAR)
    before = dict(Place.objects.values_list("source_id", "updated_at"))
    report = run_import(MINIMAL, PAU, LESCAR)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 2)
    assert dict(Place.objects.values_list("source_id", "updated_at")) == before


def test_changed_row_is_updated_in_place(run_import):
    run_import(MINIMAL + ",services", PAU + ",Wifi", LESCAR + ",")
    place = Place.objects.get(source_id="1")
    report = run_import(
        MINIMAL + ",services",
        "1,La Fabrique de Pau,fablab|makerspace,64445,43.3,-0.37,Café",
        LESCAR + ",",
    )
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    updated = Place.objects.get(pk=place.pk)
    assert updated.name == "La Fabrique de Pau"
    assert updated.slug == place.slug  # URLs do not move
    assert updated.updated_at > place.updated_at
    assert sorted(updated.kind_links.values_list("kind", flat=True)) == ["fablab", "makerspace"]
    assert [label.name for label in updated.services.all()] == ["Café"]


def test_update_keeps_fields_outside_the_format(run_import):
    run_import(MINIMAL, PAU)
    Place.objects.filter(source_id="1").update(capacity=40, surface_m2=300)
    run_import(MINIMAL, "1,La Fabrique,fablab|coworking,64445,43.2951,-0.3708")
    assert Place.objects.values_list("capacity", "surface_m2").get() == (40, 300)


def test_order_of_kinds_and_case_of_labels_do_not_count_as_changes(run_import):
    run_import(MINIMAL + ",services", "1,La Fabrique,fablab|coworking,64445,43.2951,-0.3708,Wifi")
    report = run_import(
        MINIMAL + ",services", "1,La Fabrique,coworking|fablab,64445,43.2951,-0.3708,WIFI"
    )
    assert report.unchanged == 1


def test_labels_differing_by_punctuation_are_imported_as_distinct_labels(run_import):
    report = run_import(
        MINIMAL + ",services", "1,La Fabrique,fablab,64445,43.2951,-0.3708,=1|-1|:|;|WIFI|wifi"
    )
    assert report.errors == []
    place = Place.objects.get(source_id="1")
    assert sorted(label.name for label in place.services.all()) == ["-1", ":", ";", "=1", "WIFI"]


def test_digests_of_earlier_imports_stay_valid():
    """Digests are stored: encoding them differently would turn every place of every source
    into an update at its next import. The values are those of the first place_digest."""
    pau = CommuneRef(1, "64445", "Pau", 43.2951, -0.3708, "200067254", "64", "75")
    clean = CleanPlace(
        name="Fablab de Pau",
        kinds=["makerspace", "fablab"],
        description="Atelier « ouvert »",
        city="Pau",
        commune=pau,
        latitude=43.2951,
        longitude=-0.3708,
        phone="+33559000000",
        services=["Impression 3D", "Café"],
        equipment=["Découpeuse laser"],
        source_updated_at=datetime(2025, 1, 31, 8, 0, tzinfo=UTC),
    )
    assert place_digest(clean) == (
        "e49813ec9b488f552631602afd91d3b3ec63427062d4f464249710638e24ca3d"
    )
    assert place_digest(CleanPlace()) == (
        "e90c85eed849f196c122b30ae7200d8344c44ad4fbd578573c4b047c90417573"
    )


def test_the_closed_lists_count_in_a_digest_only_when_given():
    """The national schema's lists came after the first stored digests: empty, they leave a
    digest as it was (above); given, they change it."""
    assert place_digest(CleanPlace(mobility=["mobile"])) != place_digest(CleanPlace())
    assert place_digest(CleanPlace(fees=["free"])) != place_digest(CleanPlace(fees=["paid"]))


def test_same_source_id_under_another_source_is_another_place(run_import):
    run_import(MINIMAL, PAU, source="a")
    report = run_import(MINIMAL, PAU, source="b")
    assert report.created == 1
    assert Place.objects.count() == 2


def test_every_error_of_every_row_is_reported_with_its_line(run_import):
    report = run_import(
        "source_id,name,kinds,insee_code,latitude,longitude,siret,opening_hours",
        "1,Bon,fablab,64445,43.3,-0.37,,",
        "2,Mauvais SIRET,fablab,64445,43.3,-0.37,12345678901234,",
        "3,Mauvais horaires,fablab,64445,43.3,-0.37,,Mo-Fr 25:00-26:00",
        "4,,nope,99999,,,,",
    )
    assert report.rejected == 3
    assert errors_of(report) == [
        (3, "siret"),
        (4, "opening_hours"),
        (5, "name"),
        (5, "kinds"),
        (5, "insee_code"),
    ]
    assert all(error.message for error in report.errors)


@pytest.mark.parametrize(
    ("latitude", "longitude", "field"),
    [
        ("quarante-trois", "-0.37", "latitude"),
        ("43.3", "", "longitude"),
        ("-0.37", "43.3", "latitude"),
    ],
)
def test_bad_or_out_of_france_coordinates_are_rejected(run_import, latitude, longitude, field):
    report = run_import(MINIMAL, f"1,La Fabrique,fablab,64445,{latitude},{longitude}")
    assert report.rejected == 1
    assert field in {error.field for error in report.errors}


def test_coordinates_in_overseas_france_are_accepted(run_import):
    report = run_import("source_id,name,kinds,latitude,longitude", "1,Case,fablab,-21.115,55.536")
    assert report.created == 1


def test_row_needs_coordinates_or_a_commune(run_import):
    report = run_import("source_id,name,kinds,city", "1,Nulle part,fablab,")
    assert errors_of(report) == [(2, "latitude")]


def test_duplicate_source_id_is_an_error_on_the_later_line(run_import):
    report = run_import(MINIMAL, PAU, LESCAR, "1,Doublon,fablab,64445,43.3,-0.37")
    assert errors_of(report) == [(4, "source_id")]
    assert "ligne 2" in report.errors[0].message


def test_missing_source_id_is_an_error(run_import):
    report = run_import(MINIMAL, ",Sans identifiant,fablab,64445,43.3,-0.37")
    assert errors_of(report) == [(2, "source_id")]


def test_values_too_long_for_their_column_reject_their_row_only(run_import):
    """On PostgreSQL they would fail the whole import with a database error."""
    header = MINIMAL + ",website,email,opening_hours"
    long_url = "https://example.org/" + "x" * 290
    report = run_import(
        header,
        PAU + ",https://fabrique.example.org,contact@fabrique.example.org,Mo-Fr 09:00-18:00",
        LESCAR + f",{long_url},,",
        "3" + "9" * 200 + ",Le Long,fablab,64445,43.3,-0.37,,,",
        partial=True,
    )
    assert errors_of(report) == [(3, "website"), (4, "source_id")]
    assert (report.created, report.rejected) == (1, 2)


def test_all_or_nothing_by_default(run_import):
    report = run_import(MINIMAL, PAU, "2,,fablab,64445,43.3,-0.37", LESCAR.replace("2,", "3,", 1))
    assert report.rejected == 1
    assert (report.created, report.updated, report.unchanged) == (0, 0, 0)
    assert not report.succeeded
    assert not Place.objects.exists()


def test_partial_writes_the_valid_rows(run_import):
    report = run_import(
        MINIMAL, PAU, "2,,fablab,64445,43.3,-0.37", LESCAR.replace("2,", "3,", 1), partial=True
    )
    assert (report.created, report.rejected) == (2, 1)
    assert not report.succeeded
    assert sorted(Place.objects.values_list("source_id", flat=True)) == ["1", "3"]


def test_dry_run_reports_what_would_happen_and_writes_nothing(run_import):
    run_import(MINIMAL, PAU)
    report = run_import(MINIMAL, "1,Renommé,fablab,64445,43.2951,-0.3708", LESCAR, dry_run=True)
    assert (report.created, report.updated, report.unchanged) == (1, 1, 0)
    assert Place.objects.get().name == "La Fabrique"


def test_dry_run_of_a_refused_import_reports_the_same_as_the_real_run(run_import):
    lines = (MINIMAL, PAU, "2,,fablab,64445,43.3,-0.37")
    dry = run_import(*lines, dry_run=True)
    real = run_import(*lines)
    assert dry.as_dict() == real.as_dict()


def test_missing_required_column_is_a_file_error(run_import):
    report = run_import("source_id,name,latitude,longitude", "1,La Fabrique,43.3,-0.37")
    assert errors_of(report) == [(1, "__file__")]
    assert "kinds" in report.errors[0].message
    assert report.file_error
    assert not Place.objects.exists()


def test_empty_file_is_a_file_error():
    report = import_places(actor=SYSTEM, source="test", stream=io.BytesIO(b""))
    assert errors_of(report) == [(0, "__file__")]
    report = import_places(actor=SYSTEM, source="test", stream=io.BytesIO(b" \r\n \n"))
    assert errors_of(report) == [(0, "__file__")]


def test_header_only_file_imports_nothing_with_a_warning(run_import):
    report = run_import(MINIMAL)
    assert report.succeeded
    assert report.rows == 0
    assert report.warnings


def test_unknown_columns_are_reported_and_ignored(run_import):
    report = run_import(MINIMAL + ",couleur,Remarque", PAU + ",bleu,rien")
    assert report.created == 1
    assert report.succeeded
    assert len(report.warnings) == 2
    assert "couleur" in report.warnings[0]
    assert "remarque" in report.warnings[1]


def test_semicolon_delimiter_bom_and_windows_1252(csv_stream):
    stream = csv_stream(
        "source_id;name;kinds;insee_code;latitude;longitude;description",
        "1;Fédération des tiers-lieux;coworking;64445;43,2951;-0,3708;Café, atelier",
        encoding="cp1252",
    )
    report = import_places(actor=SYSTEM, source="test", stream=stream)
    assert report.created == 1, report.errors
    place = Place.objects.get()
    assert place.name == "Fédération des tiers-lieux"
    assert place.description == "Café, atelier"
    assert (place.latitude, place.longitude) == (43.2951, -0.3708)


def test_utf8_with_bom(csv_stream):
    stream = csv_stream(MINIMAL, "1,Tiers-lieu Éole,fablab,64445,43.3,-0.37", bom=True)
    report = import_places(actor=SYSTEM, source="test", stream=stream)
    assert report.created == 1, report.errors
    assert Place.objects.get().name == "Tiers-lieu Éole"


def test_geojson_import(tmp_path):
    collection = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [-0.3708, 43.2951]},
                "properties": {
                    "source_id": "g1",
                    "name": "La Fabrique",
                    "kinds": ["fablab", "coworking"],
                    "services": "Wifi|Café",
                    "insee_code": "64445",
                    "capacité": 12,
                },
            },
            {
                "type": "Feature",
                "geometry": None,
                "properties": {
                    "source_id": 7,
                    "name": "Le Cowork",
                    "kinds": "coworking",
                    "insee_code": "64348",
                },
            },
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]},
                "properties": {
                    "source_id": "g3",
                    "name": "Ligne",
                    "kinds": "fablab",
                    "insee_code": "64445",
                },
            },
        ],
    }
    path = tmp_path / "lieux.json"
    path.write_text(json.dumps(collection), encoding="utf-8")
    report = import_places(actor=SYSTEM, source="geo", path=path, partial=True)
    assert (report.created, report.rejected) == (2, 1)
    assert errors_of(report) == [(3, "geometry")]
    assert report.warnings == ["Propriété inconnue ignorée : « capacité »."]
    place = Place.objects.get(source_id="g1")
    assert (place.latitude, place.longitude, place.location_precision) == (
        43.2951,
        -0.3708,
        "exact",
    )
    assert sorted(place.kind_links.values_list("kind", flat=True)) == ["coworking", "fablab"]
    assert Place.objects.get(source_id="7").location_precision == "commune"
    assert import_places(actor=SYSTEM, source="geo", path=path, partial=True).unchanged == 2


def test_geojson_that_is_not_a_feature_collection_is_a_file_error():
    feature = b'{"type": "Feature", "geometry": null, "properties": {}}'
    report = import_places(actor=SYSTEM, source="test", stream=io.BytesIO(feature))
    assert errors_of(report) == [(0, "__file__")]


def test_only_admins_import():
    with pytest.raises(PermissionDenied):
        import_places(source="test", stream=io.BytesIO(b""), actor=UserFactory())
    report = import_places(source="test", stream=io.BytesIO(b"x"), actor=AdminFactory())
    assert report.file_error


def test_source_is_required():
    with pytest.raises(ValidationFailed):
        import_places(actor=SYSTEM, source="  ", stream=io.BytesIO(b""))
