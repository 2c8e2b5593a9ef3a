"""A place given coordinates but no commune gets the commune whose outline holds its point,
through every writer (the service, the API, the importer)."""

import io

import pytest
from django.db import IntegrityError

from maillage.common.actors import SYSTEM
from maillage.opendata.services import import_places
from maillage.places.models import Place
from maillage.territories.models import Territory
from maillage.territories.selectors import CommuneIndex
from tests.places.factories import make_place
from tests.territories.factories import set_square_outlines

pytestmark = pytest.mark.django_db

IN_PAU = (43.3050, -0.3600)  # inside Pau's square, away from its centre
IN_LESCAR = (43.3300, -0.4400)
AT_SEA = (44.0, -3.0)


@pytest.fixture(autouse=True)
def outlines():
    set_square_outlines()


@pytest.mark.parametrize("preloaded", [False, True])
def test_commune_index_finds_the_commune_of_a_point(preloaded, django_assert_max_num_queries):
    index = CommuneIndex.preload() if preloaded else CommuneIndex()
    with django_assert_max_num_queries(2):
        pau = index.by_point(*IN_PAU)
    assert pau is not None and pau.code == "64445"
    assert index.by_point(*IN_LESCAR).code == "64348"
    assert index.by_point(*AT_SEA) is None


def test_a_place_with_coordinates_only_gets_its_commune_and_territories():
    place = make_place(insee_code=None, latitude=IN_PAU[0], longitude=IN_PAU[1])
    assert (place.insee_code, place.epci_code, place.departement_code, place.region_code) == (
        "64445",
        "200067254",
        "64",
        "75",
    )
    assert place.city == "Pau"
    assert (place.latitude, place.longitude, place.location_precision) == (*IN_PAU, "exact")


def test_a_given_insee_code_wins_over_the_point():
    place = make_place(insee_code="64445", latitude=IN_LESCAR[0], longitude=IN_LESCAR[1])
    assert place.insee_code == "64445"


def test_a_point_outside_every_commune_leaves_the_place_without_commune():
    place = make_place(insee_code=None, latitude=45.5, longitude=-1.9)  # off the coast
    assert (place.insee_code, place.departement_code) == ("", "")


def test_the_api_shows_the_commune_found_from_the_point(client):
    place = make_place(insee_code=None, latitude=IN_LESCAR[0], longitude=IN_LESCAR[1])
    body = client.get(f"/api/v1/places/{place.pk}").json()
    assert body["commune"]["code"] == "64348"


def test_the_importer_resolves_the_commune_of_each_point():
    lines = [
        "source_id,name,kinds,latitude,longitude",
        f"a,Atelier A,fablab,{IN_PAU[0]},{IN_PAU[1]}",
        f"b,Atelier B,coworking,{IN_LESCAR[0]},{IN_LESCAR[1]}",
    ]
    stream = io.BytesIO(("\r\n".join(lines) + "\r\n").encode())
    report = import_places(actor=SYSTEM, source="test", stream=stream)
    assert report.created == 2, report
    codes = dict(Place.objects.filter(source="test").values_list("source_id", "insee_code"))
    assert codes == {"a": "64445", "b": "64348"}


def test_an_outline_needs_its_bounding_box():
    with pytest.raises(IntegrityError):
        Territory.objects.filter(level="commune", code="64024").update(outline='{"type":1}')
