"""Fixtures of the page tests: people in each role and a few places around Pau and in Paris."""

import pytest

from tests.accounts.factories import AdminFactory, UserFactory
from tests.places.factories import make_place


@pytest.fixture
def manager_a():
    return UserFactory(username="gestionnaire-a")


@pytest.fixture
def manager_b():
    return UserFactory(username="gestionnaire-b")


@pytest.fixture
def admin_user():
    return AdminFactory(username="admin-reseau")


@pytest.fixture
def place_a(manager_a):
    """A fablab in Pau, open on weekdays, managed by manager A."""
    return make_place(
        name="La Fabrique",
        kinds=["fablab", "makerspace"],
        description="Atelier de fabrication numérique.",
        address="8 rue Pierre-Bourdieu",
        postal_code="64000",
        opening_hours="Mo-Fr 09:00-18:00; PH off",
        phone="05 59 00 00 00",
        website="https://fabrique.example.org",
        siret="73282932000074",
        legal_form="association",
        services=["Formation", "Prototypage"],
        equipment=["Découpeuse laser", "Imprimante 3D"],
        wheelchair="yes",
        surface_m2=250,
        capacity=40,
        managers=[manager_a],
    )


@pytest.fixture
def place_b(manager_b):
    """A coworking in Lescar (about 6 km from Pau) managed by manager B."""
    return make_place(
        name="Cowork Lescar",
        kinds=["coworking"],
        insee_code="64348",
        latitude=43.3333,
        longitude=-0.4347,
        opening_hours="Mo-Sa 08:00-20:00",
        services=["Domiciliation"],
        managers=[manager_b],
    )


@pytest.fixture
def place_paris():
    """A demo repair café in Paris, located at the commune's centre."""
    return make_place(
        name="Repair Café Belleville",
        kinds=["repair_cafe"],
        insee_code="75056",
        latitude=None,
        longitude=None,
        source="demo",
        source_id="demo-1",
    )
