"""Creating and updating places through the one write path."""

import importlib

import pytest
from django.apps import apps

from maillage.common.actors import SYSTEM
from maillage.common.errors import PermissionDenied, ValidationFailed
from maillage.places.models import Label
from maillage.places.selectors import PlaceFilters, search_places
from maillage.places.services import update_place
from tests.accounts.factories import UserFactory
from tests.places.factories import make_place

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
    updated = update_place(actor=SYSTEM, place=place, changes={"description": "Ateliers"})
    assert updated.name == "La Fabrique"
    assert updated.description == "Ateliers"
    assert list(updated.kind_links.values_list("kind", flat=True)) == ["fablab"]


def test_labels_differing_by_more_than_case_and_spacing_stay_distinct():
    """`=1` and `-1` once folded to the same label; case and spacing alone still merge."""
    first = make_place(name="Un", services=["=1", "Café", "Impression 3D"])
    second = make_place(name="Deux", services=["-1", "Cafe", "  impression   3d "])
    assert sorted(label.name for label in first.services.all()) == ["=1", "Café", "Impression 3D"]
    assert sorted(label.name for label in second.services.all()) == ["-1", "Cafe", "Impression 3D"]
    assert Label.objects.filter(category="service").count() == 5


def test_the_service_filter_still_ignores_accents():
    make_place(name="Un", services=["Café"])
    make_place(name="Deux", services=["Cafe"])
    page = search_places(PlaceFilters(services=("CAFÉ",)))
    assert sorted(row["name"] for row in page.items) == ["Deux", "Un"]


def test_the_migration_keys_existing_labels_and_keeps_them_distinct():
    """Two existing labels with one key (folded apart: ß) stay two labels."""
    fill_keys = importlib.import_module("maillage.places.migrations.0003_add_label_key").fill_keys
    Label.objects.bulk_create(
        [
            Label(category="service", name="Straße", folded="strae", key=""),
            Label(category="service", name="STRASSE", folded="strasse", key="x"),
        ]
    )
    fill_keys(apps, None)
    labels = list(Label.objects.order_by("pk"))
    assert [label.key for label in labels] == ["strasse", f"strasse #{labels[1].pk}"]
