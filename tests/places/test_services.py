"""Creating and updating places through the one write path."""

import pytest

from maillage.common.errors import PermissionDenied, ValidationFailed
from maillage.places.services import update_place
from tests.factories import UserFactory, make_place

pytestmark = pytest.mark.django_db


def test_place_gets_commune_hierarchy_and_slug():
    place = make_place(name="Le Hangar", city="")
    assert place.slug == "le-hangar-pau"
    assert (place.insee_code, place.epci_code, place.departement_code, place.region_code) == (
        "64445",
        "200067254",
        "64",
        "75",
    )
    assert place.city == "Pau"


def test_missing_coordinates_fall_back_to_commune_centre():
    place = make_place(latitude=None, longitude=None)
    assert (place.latitude, place.longitude, place.location_precision) == (
        43.2951,
        -0.3708,
        "commune",
    )


def test_commune_from_postal_code_and_city_name():
    place = make_place(insee_code="", postal_code="64230", city="LESCAR")
    assert place.insee_code == "64348"


def test_every_error_is_reported_at_once():
    with pytest.raises(ValidationFailed) as caught:
        make_place(name="", kinds=["nope"], siret="12345678901234", latitude=10, longitude=10)
    fields = {error.field for error in caught.value.errors}
    assert fields == {"name", "kinds", "siret", "latitude"}


def test_update_is_partial_and_checks_permission():
    place = make_place()
    with pytest.raises(PermissionDenied):
        update_place(actor=UserFactory(), place=place, changes={"name": "X"})
    updated = update_place(actor=None, place=place, changes={"description": "Ateliers"})
    assert updated.name == "La Fabrique"
    assert updated.description == "Ateliers"
    assert list(updated.kind_links.values_list("kind", flat=True)) == ["fablab"]
