"""Places as OpenStreetMap tags (`export_places --format osm`, `GET /api/v1/places.osm.geojson`)
and the place page's comparison with the OSM record."""

import io
import json

import pytest
from django.core.management import call_command

from maillage.common.actors import SYSTEM
from maillage.common.errors import PermissionDenied
from maillage.opendata.services import import_osm
from maillage.places.formats.osm import osm_diff, osm_tags, values_from_tags
from maillage.places.models import OsmRecord, Place
from maillage.places.services import link_osm_record, update_place
from tests.accounts.factories import AdminFactory, UserFactory
from tests.opendata.osm_extracts import N, write_xml
from tests.places.factories import make_place

pytestmark = pytest.mark.django_db

SIRET = "73282932000074"


def cowork(**overrides):
    data = {
        "name": "La Coopérative",
        "kinds": ["coworking", "fablab"],
        "address": "12 bis Rue Carnot",
        "postal_code": "64000",
        "city": "Pau",
        "opening_hours": "Mo-Fr 09:00-18:00",
        "website": "https://cooperative.example",
        "phone": "05 59 00 00 00",
        "wheelchair": "yes",
        "siret": SIRET,
    }
    return make_place(**{**data, **overrides})


def export(*args):
    out = io.StringIO()
    call_command("export_places", "--format", "osm", *args, stdout=out)
    return json.loads(out.getvalue())


def test_export_gives_osm_tags():
    place = cowork()
    make_place(name="Le Théâtre", kinds=["cultural"])  # no OSM tag for this kind: left out
    collection = export()
    [feature] = collection["features"]
    assert feature["id"] == str(place.uuid)
    assert feature["geometry"] == {"type": "Point", "coordinates": [-0.3708, 43.2951]}
    assert feature["properties"] == {
        "name": "La Coopérative",
        "amenity": "coworking_space",
        "leisure": "hackerspace",
        "hackerspace:type": "fablab",
        "addr:housenumber": "12 bis",
        "addr:street": "Rue Carnot",
        "addr:postcode": "64000",
        "addr:city": "Pau",
        "opening_hours": "Mo-Fr 09:00-18:00",
        "website": "https://cooperative.example",
        "phone": "+33559000000",
        "wheelchair": "yes",
        "ref:FR:SIRET": SIRET,
    }


def test_exported_tags_import_back_as_the_same_values():
    place = cowork()
    [feature] = export()["features"]
    values = values_from_tags(feature["properties"])
    assert values["kinds"] == ["coworking", "fablab"]
    for name in ("name", "address", "postal_code", "city", "opening_hours", "website", "siret"):
        assert values[name] == getattr(place, name)
    assert values["wheelchair"] == place.wheelchair


def test_a_place_imported_from_osm_carries_its_osm_id(tmp_path):
    tags = {"office": "coworking", "name": "Le Bureau"}
    import_osm(path=write_xml(tmp_path / "x.osm", [N(42, 43.3, -0.37, tags)]), actor=SYSTEM)
    [feature] = export("--source", "osm")["features"]
    assert feature["properties"]["@id"] == "node/42"
    assert feature["properties"]["amenity"] == "coworking_space"


def test_api_gives_the_same_features(client, django_assert_max_num_queries):
    for number in range(5):
        cowork(name=f"Cowork {number}", siret="")
    with django_assert_max_num_queries(6):
        response = client.get("/api/v1/places.osm.geojson?kind=coworking")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    body = response.json()
    assert len(body["features"]) == 5
    assert body["features"] == export("--kind", "coworking")["features"]


def test_api_refuses_a_bad_filter(client):
    response = client.get("/api/v1/places.osm.geojson?kind=nothing")
    assert response.status_code == 422


# --- The comparison on the place page ------------------------------------------------------


def test_diff_lists_the_fields_that_differ():
    place = cowork()
    row = {
        **{name: getattr(place, name) for name in ("name", "address", "postal_code", "city")},
        "kinds": ["coworking"],
        "opening_hours": "Mo-Fr 09:00-18:00",
        "phone": "+33559000000",
        "website": "https://cooperative.example/",
        "latitude": 43.2951,
        "longitude": -0.3708,
    }
    tags = {
        "amenity": "coworking_space",
        "name": "La Coopérative",
        "addr:housenumber": "12 bis",
        "addr:street": "rue Carnot",
        "addr:postcode": "64000",
        "addr:city": "Pau",
        "opening_hours": "Mo-Sa 09:00-18:00",
        "contact:phone": "+33 5 59 00 00 00",
        "website": "http://www.cooperative.example",
        "wheelchair": "no",
    }
    # Same phone, website and address written otherwise: not differences.
    assert osm_diff(row, tags, 43.2951, -0.3708) == [
        ("opening_hours", "Mo-Fr 09:00-18:00", "Mo-Sa 09:00-18:00"),
        ("wheelchair", "", "no"),
    ]
    far = osm_diff(row, {**tags, "opening_hours": row["opening_hours"]}, 43.30, -0.3708)
    assert [key for key, _, _ in far] == ["wheelchair", "position"]


def test_osm_tags_of_an_unparsed_address_use_the_street():
    assert osm_tags({"address": "Lieu-dit Le Bourg"})["addr:street"] == "Lieu-dit Le Bourg"


def test_editors_see_the_diff_and_visitors_do_not(client, tmp_path, django_assert_max_num_queries):
    tags = {"amenity": "coworking_space", "name": "Le Bureau", "opening_hours": "Mo 09:00-12:00"}
    import_osm(path=write_xml(tmp_path / "x.osm", [N(42, 43.3, -0.37, tags)]), actor=SYSTEM)
    place = Place.objects.get(source="osm", source_id="n42")
    update_place(actor=SYSTEM, place=place, changes={"opening_hours": "Mo 09:00-18:00"})
    page = f"/lieux/{place.slug}/"
    assert "Comparaison avec OpenStreetMap" not in client.get(page).content.decode()
    client.force_login(AdminFactory())
    with django_assert_max_num_queries(30):
        html = client.get(page).content.decode()
    assert "Comparaison avec OpenStreetMap" in html
    assert "Mo 09:00-18:00" in html and "Mo 09:00-12:00" in html
    assert "https://www.openstreetmap.org/node/42" in html
    client.force_login(UserFactory())
    assert "Comparaison avec OpenStreetMap" not in client.get(page).content.decode()


def test_a_place_of_another_source_linked_to_a_record_shows_the_diff(client, tmp_path):
    tags = {"amenity": "coworking_space", "name": "La Coop"}
    import_osm(path=write_xml(tmp_path / "x.osm", [N(7, 43.2951, -0.3708, tags)]), actor=SYSTEM)
    ours = cowork(source="reseau", source_id="17")
    record = OsmRecord.objects.get(osm_id="n7")
    with pytest.raises(PermissionDenied):
        link_osm_record(actor=UserFactory(), osm_record=record, place=ours)
    link_osm_record(actor=SYSTEM, osm_record=record, place=ours)
    client.force_login(AdminFactory())
    html = client.get(f"/lieux/{ours.slug}/").content.decode()
    assert "La Coop" in html and "Comparaison avec OpenStreetMap" in html
    # Re-importing the extract keeps the administrator's link.
    import_osm(path=tmp_path / "x.osm", actor=SYSTEM)
    assert OsmRecord.objects.get(osm_id="n7").place_id == ours.pk


# --- The fees as `fee` ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fees", "tag"),
    [
        (["free"], "no"),
        (["paid"], "yes"),
        # No value of OSM says « free under conditions », nor « some services paying ».
        (["free_conditional"], None),
        (["free", "paid"], None),
        (["free", "free_conditional"], None),
        ([], None),
    ],
)
def test_the_fees_are_exported_as_the_fee_tag(fees, tag):
    cowork(fees=fees)
    [feature] = export()["features"]
    assert feature["properties"].get("fee") == tag


@pytest.mark.parametrize(
    ("value", "fees"),
    [("no", ["free"]), ("yes", ["paid"]), ("donation", None), ("unknown", None), ("", None)],
)
def test_the_fee_tag_is_read_as_the_fees(value, fees):
    values = values_from_tags({"amenity": "coworking_space", "name": "Le Lieu", "fee": value})
    assert values.get("fees") == fees


@pytest.mark.parametrize("fees", [["free"], ["paid"]])
def test_exported_fees_import_back_as_the_same_fees(fees):
    cowork(fees=fees)
    [feature] = export()["features"]
    assert values_from_tags(feature["properties"])["fees"] == fees


def test_diff_compares_the_fee():
    row = {"name": "Le Lieu", "kinds": ["coworking"], "fees": ["free"], "latitude": 43.3}
    row["longitude"] = -0.37
    tags = {"amenity": "coworking_space", "name": "Le Lieu"}
    assert osm_diff(row, {**tags, "fee": "no"}, 43.3, -0.37) == []
    assert osm_diff(row, {**tags, "fee": "yes"}, 43.3, -0.37) == [("fee", "no", "yes")]
    assert osm_diff({**row, "fees": ["free_conditional"]}, tags, 43.3, -0.37) == []
