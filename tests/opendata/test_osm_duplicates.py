"""An OSM object that looks like a place of another source (same SIRET, or same name within
100 m: `places.duplicates`) is reported in the import's report, and never merged."""

import pytest

from maillage.common.actors import SYSTEM
from maillage.opendata.services import import_osm
from maillage.places.models import Place
from tests.opendata.osm_extracts import N, write_xml
from tests.places.factories import make_place

pytestmark = pytest.mark.django_db

SIRET = "73282932000074"
TAGS = {"amenity": "coworking_space", "name": "La Coopérative", "addr:city": "Pau"}


def run(tmp_path, tags=TAGS, lat=43.2951, lon=-0.3708):
    path = write_xml(tmp_path / "extract.osm", [N(1, lat, lon, tags)])
    return import_osm(path=path, actor=SYSTEM)


def duplicate_warnings(report):
    return [warning for warning in report.warnings if "doublon possible" in warning]


def test_same_name_nearby_is_reported_and_both_places_kept(tmp_path):
    # About 30 m north of the OSM node, under another spelling of the same name.
    local = make_place(
        name="la cooperative", kinds=["coworking"], latitude=43.2954, longitude=-0.3708
    )
    report = run(tmp_path)
    [warning] = duplicate_warnings(report)
    assert warning.startswith(f"n1 : doublon possible du lieu n° {local.pk} ")
    assert "même nom, à 33 m" in warning
    assert report.created == 1
    assert Place.objects.count() == 2
    local.refresh_from_db()
    assert (local.name, local.source) == ("la cooperative", local.source)


def test_same_siret_is_reported_wherever_the_place_is(tmp_path):
    local = make_place(
        name="Autre nom", kinds=["coworking"], siret=SIRET, latitude=43.40, longitude=-0.40
    )
    report = run(tmp_path, tags={**TAGS, "ref:FR:SIRET": SIRET})
    [warning] = duplicate_warnings(report)
    assert f"lieu n° {local.pk} « Autre nom » (même SIRET" in warning


def test_same_name_farther_than_100_m_is_not_a_duplicate(tmp_path):
    make_place(name="La Coopérative", kinds=["coworking"], latitude=43.3000, longitude=-0.3708)
    assert duplicate_warnings(run(tmp_path)) == []


def test_the_imports_own_places_are_not_duplicates_of_themselves(tmp_path):
    run(tmp_path)
    report = run(tmp_path)
    assert report.unchanged == 1
    assert duplicate_warnings(report) == []
