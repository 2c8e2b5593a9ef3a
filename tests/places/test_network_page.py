"""A network's page: its places and their counts, for its coordinators and instance
administrators only; anyone else is answered as if the network did not exist."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from maillage.common.actors import SYSTEM
from maillage.places.services import save_network
from tests.accounts.factories import AdminFactory, UserFactory
from tests.places.factories import make_place

pytestmark = pytest.mark.django_db

URL = "/reseaux/bearn/"


@pytest.fixture
def network():
    coordinator = UserFactory(username="coordination")
    places = [
        make_place(name="Le Hangar", kinds=["fablab", "coworking"]),
        make_place(name="La Ruche", kinds=["coworking"], status="project"),
        # Two in Pau (64), one in Paris (75).
        make_place(
            name="L'Atelier",
            kinds=["repair_cafe"],
            insee_code="75056",
            latitude=48.8566,
            longitude=2.3522,
        ),
    ]
    make_place(name="Hors réseau", kinds=["fablab"])
    return save_network(
        actor=SYSTEM,
        network=None,
        data={
            "name": "Réseau béarnais",
            "slug": "bearn",
            "places": places,
            "coordinators": [coordinator],
        },
    )


def test_strangers_are_answered_as_if_there_were_no_network(client, network):
    assert client.get(URL).status_code == 404
    manager = UserFactory()
    make_place(name="Autre", managers=[manager])
    client.force_login(manager)
    assert client.get(URL).status_code == 404
    # Coordinating another network gives no right on this one.
    other = UserFactory()
    save_network(
        actor=SYSTEM,
        network=None,
        data={"name": "Autre réseau", "slug": "autre", "coordinators": [other]},
    )
    client.force_login(other)
    assert client.get(URL).status_code == 404


@pytest.mark.parametrize("who", ["coordinator", "admin"])
def test_coordinators_and_admins_see_the_places_and_their_counts(client, network, who):
    user = network.coordinators.get() if who == "coordinator" else AdminFactory()
    client.force_login(user)
    response = client.get(URL)
    assert response.status_code == 200
    figures = response.context["figures"]
    assert [place.name for place in figures.places] == ["L'Atelier", "La Ruche", "Le Hangar"]
    assert figures.by_kind == [("Espace de coworking", 2), ("Fablab", 1), ("Repair café", 1)]
    assert figures.by_status == [("En projet", 1), ("Ouvert", 2)]
    assert figures.by_departement == [("64", "Pyrénées-Atlantiques", 2), ("75", "Paris", 1)]
    html = response.content.decode()
    assert "Hors réseau" not in html
    assert '<caption class="sr-only">Les lieux du réseau, par nom</caption>' in html


def test_the_page_runs_the_same_queries_whatever_the_number_of_places(
    client, network, django_assert_max_num_queries
):
    client.force_login(network.coordinators.get())

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL).status_code == 200
        return len(captured)

    few = queries()
    network.places.add(*(make_place(name=f"Lieu {number}") for number in range(5)))
    with django_assert_max_num_queries(8):
        response = client.get(URL)
    assert len(response.context["figures"].places) == 8
    assert queries() == few


def test_my_places_links_a_coordinator_to_their_network(client, network):
    client.force_login(network.coordinators.get())
    assert f'href="{URL}"' in client.get("/comptes/mes-lieux/").content.decode()
