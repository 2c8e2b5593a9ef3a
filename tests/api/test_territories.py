"""GET /api/v1/territories/{level}/{code}: population, hierarchy and the places inside."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from maillage.places.kinds import PlaceKind
from tests.places.factories import make_place

pytestmark = pytest.mark.django_db

NO_KIND = dict.fromkeys(PlaceKind.values, 0)


@pytest.fixture
def places():
    make_place(name="Fablab de Pau", kinds=["fablab"])
    make_place(
        name="Coworking Lescar",
        kinds=["coworking"],
        insee_code="64348",
        latitude=None,
        longitude=None,
    )
    make_place(
        name="Repair Café Anglet",
        kinds=["repair_cafe", "fablab"],
        status="project",
        insee_code="64024",
        latitude=None,
        longitude=None,
    )
    make_place(
        name="Ressourcerie Bayonne",
        kinds=["ressourcerie"],
        status="closed",
        insee_code="64102",
        latitude=None,
        longitude=None,
    )
    make_place(
        name="Tiers-lieu Paris",
        kinds=["cultural"],
        insee_code="75056",
        latitude=None,
        longitude=None,
    )


def test_departement(client, places):
    response = client.get("/api/v1/territories/departement/64")
    assert response.status_code == 200
    assert response.json() == {
        "level": "departement",
        "code": "64",
        "name": "Pyrénées-Atlantiques",
        "population": 687240,
        "latitude": 43.3,
        "longitude": -0.8,
        "parents": [{"level": "region", "code": "75", "name": "Nouvelle-Aquitaine"}],
        "children": {"level": "epci", "count": 1},
        "places_total": 3,
        "places_per_10000": 0.04,
        "kinds": {**NO_KIND, "fablab": 2, "coworking": 1, "repair_cafe": 1},
        "statuses": {"project": 1, "open": 2, "closed": 1},
    }


def test_commune_has_every_parent_and_no_children(client, places):
    body = client.get("/api/v1/territories/commune/64445").json()
    assert body["parents"] == [
        {"level": "region", "code": "75", "name": "Nouvelle-Aquitaine"},
        {"level": "departement", "code": "64", "name": "Pyrénées-Atlantiques"},
        {"level": "epci", "code": "200067254", "name": "CA Pau Béarn Pyrénées"},
    ]
    assert body["children"] == {"level": None, "count": 0}
    assert (body["places_total"], body["places_per_10000"]) == (1, 0.13)
    assert body["kinds"] == {**NO_KIND, "fablab": 1}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        # path: (children, places_total, places_per_10000)
        ("region/75", ({"level": "departement", "count": 1}, 3, 0.0)),
        ("region/11", ({"level": "departement", "count": 1}, 1, 0.0)),
        ("departement/75", ({"level": "epci", "count": 0}, 1, 0.0)),
        ("epci/200067254", ({"level": "commune", "count": 2}, 2, 0.12)),
        ("commune/64024", ({"level": None, "count": 0}, 1, 0.25)),
        ("commune/64102", ({"level": None, "count": 0}, 0, 0.0)),
    ],
)
def test_figures_at_every_level(client, places, path, expected):
    body = client.get(f"/api/v1/territories/{path}").json()
    assert (body["children"], body["places_total"], body["places_per_10000"]) == expected


def test_query_count_does_not_depend_on_the_places(client, places):
    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/api/v1/territories/departement/64").status_code == 200
        return len(captured)

    before = count()
    for number in range(10):
        make_place(name=f"Lieu {number}", kinds=["fablab", "food"], services=["Café"])
    assert count() == before == 5


@pytest.mark.parametrize(
    ("path", "detail"),
    [
        (
            "planet/3",
            "Niveau « planet » inconnu ; niveaux possibles : commune, epci, departement, region.",
        ),
        ("departement/99", "Aucun territoire de niveau departement avec le code « 99 »."),
        ("commune/64", "Aucun territoire de niveau commune avec le code « 64 »."),
    ],
)
def test_unknown_territory_is_404_in_the_error_format(client, path, detail):
    response = client.get(f"/api/v1/territories/{path}")
    assert response.status_code == 404
    assert response.json() == {"detail": detail, "errors": []}
