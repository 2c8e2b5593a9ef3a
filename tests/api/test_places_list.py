"""GET /api/v1/places: every filter, pagination, limits, errors and query counts."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from maillage.places.models import Place
from maillage.places.schemas import PlaceListItemOut, PlacePageOut
from tests.places.factories import make_place

pytestmark = pytest.mark.django_db

URL = "/api/v1/places"


@pytest.fixture
def directory():
    """Five places around the Pays basque, Béarn and Paris, listed here in name order."""
    return {
        "lescar": make_place(
            name="Coworking Lescar",
            kinds=["coworking"],
            insee_code="64348",
            latitude=43.3333,
            longitude=-0.4347,
            description="Bureaux partagés près de l'église",
            services=["Café"],
            opening_hours="Mo-Su off",
        ),
        "pau": make_place(
            name="Fablab de Pau",
            kinds=["fablab"],
            services=["Impression 3D", "Café"],
            opening_hours="24/7",
        ),
        "anglet": make_place(
            name="Repair Café Anglet",
            kinds=["repair_cafe", "fablab"],
            status="project",
            insee_code="64024",
            latitude=43.4850,
            longitude=-1.5195,
        ),
        "bayonne": make_place(
            name="Ressourcerie Bayonne",
            kinds=["ressourcerie"],
            status="closed",
            insee_code="64102",
            latitude=43.4929,
            longitude=-1.4748,
        ),
        "paris": make_place(
            name="Tiers-lieu Paris",
            kinds=["cultural"],
            insee_code="75056",
            latitude=48.8566,
            longitude=2.3522,
        ),
    }


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["name"] for item in response.json()["items"]]


def test_no_filter_lists_everything_by_name(client, directory):
    body = client.get(URL).json()
    assert body["count"] == 5
    assert [item["name"] for item in body["items"]] == [
        "Coworking Lescar",
        "Fablab de Pau",
        "Repair Café Anglet",
        "Ressourcerie Bayonne",
        "Tiers-lieu Paris",
    ]


def test_item_fields(client, directory):
    pau = directory["pau"]
    item = client.get(URL, {"q": "fablab"}).json()["items"][0]
    assert item == {
        "id": pau.pk,
        "uuid": str(pau.uuid),
        "slug": "fablab-de-pau-pau",
        "name": "Fablab de Pau",
        "url": "/lieux/fablab-de-pau-pau/",
        "kinds": ["fablab"],
        "status": "open",
        "latitude": 43.2951,
        "longitude": -0.3708,
        "location_precision": "exact",
        "address": "",
        "postal_code": "",
        "city": "Pau",
        "insee_code": "64445",
        "website": "",
        "opening_hours": "24/7",
        "source": "",
        "updated_at": pau.updated_at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "distance_km": None,
    }
    assert item["url"] == reverse("places:detail", kwargs={"slug": pau.slug})


@pytest.mark.parametrize(
    "query", [{}, {"near": "64445", "radius_km": "200", "limit": "2"}, {"offset": "3"}]
)
def test_answers_follow_the_documented_schema(client, directory, query):
    """Items are serialised without ninja's validation: they must still match PlacePageOut."""
    body = client.get(URL, query).json()
    PlacePageOut.model_validate(body)
    assert body["items"]
    for item in body["items"]:
        assert list(item) == list(PlaceListItemOut.model_fields)


def test_text_search_ranks_by_relevance(client, directory):
    """ "Café" in the name and the kind label ranks before "Café" among the services (the order
    of the two others is each database's ranking)."""
    found = names(client.get(URL, {"q": "CAFE"}))
    assert found[0] == "Repair Café Anglet"
    assert sorted(found[1:]) == ["Coworking Lescar", "Fablab de Pau"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # The kind label and the services are searched too, best match first.
        ({"q": "fablab"}, ["Fablab de Pau", "Repair Café Anglet"]),
        ({"q": "eglise bureaux"}, ["Coworking Lescar"]),
        ({"q": "pau lescar"}, []),
        ({"kind": "fablab"}, ["Fablab de Pau", "Repair Café Anglet"]),
        (
            {"kind": ["fablab", "coworking"]},
            ["Coworking Lescar", "Fablab de Pau", "Repair Café Anglet"],
        ),
        ({"kind": "fablab,coworking"}, ["Coworking Lescar", "Fablab de Pau", "Repair Café Anglet"]),
        ({"service": "cafe"}, ["Coworking Lescar", "Fablab de Pau"]),
        ({"service": ["café", "impression 3d"]}, ["Fablab de Pau"]),
        ({"status": "closed"}, ["Ressourcerie Bayonne"]),
        ({"status": "project,closed"}, ["Repair Café Anglet", "Ressourcerie Bayonne"]),
        ({"territory": "64445"}, ["Fablab de Pau"]),
        ({"territory": "commune:64348"}, ["Coworking Lescar"]),
        ({"territory": "epci:200067254"}, ["Coworking Lescar", "Fablab de Pau"]),
        (
            {"territory": "departement:64"},
            ["Coworking Lescar", "Fablab de Pau", "Repair Café Anglet", "Ressourcerie Bayonne"],
        ),
        (
            {"territory": "75"},
            ["Coworking Lescar", "Fablab de Pau", "Repair Café Anglet", "Ressourcerie Bayonne"],
        ),
        ({"territory": "departement:75"}, ["Tiers-lieu Paris"]),
        ({"territory": "11"}, ["Tiers-lieu Paris"]),
        ({"open_now": "1"}, ["Fablab de Pau"]),
        (
            {"open_now": "false"},
            [
                "Coworking Lescar",
                "Fablab de Pau",
                "Repair Café Anglet",
                "Ressourcerie Bayonne",
                "Tiers-lieu Paris",
            ],
        ),
        ({"bbox": "-0.4,43.2,-0.3,43.4"}, ["Fablab de Pau"]),
        (
            {"bbox": "-2,43,0,44"},
            ["Coworking Lescar", "Fablab de Pau", "Repair Café Anglet", "Ressourcerie Bayonne"],
        ),
        (
            {"kind": "fablab", "territory": "departement:64", "bbox": "-1,43,0,44"},
            ["Fablab de Pau"],
        ),
    ],
)
def test_filters(client, directory, query, expected):
    response = client.get(URL, query)
    assert names(response) == expected
    assert response.json()["count"] == len(expected)


def test_near_sorts_by_distance_and_gives_it(client, directory):
    body = client.get(URL, {"near": "43.2951,-0.3708", "radius_km": "100"}).json()
    assert body["count"] == 4
    assert [(item["name"], item["distance_km"]) for item in body["items"]] == [
        ("Fablab de Pau", 0.0),
        ("Coworking Lescar", 6.691),
        ("Ressourcerie Bayonne", 91.873),
        ("Repair Café Anglet", 95.191),
    ]


def test_near_defaults_to_ten_km_and_accepts_an_insee_code(client, directory):
    assert names(client.get(URL, {"near": "64445"})) == ["Fablab de Pau", "Coworking Lescar"]


def test_near_with_other_filters_and_paging(client, directory):
    query = {"near": "64445", "radius_km": "100", "kind": "fablab,ressourcerie", "limit": 2}
    body = client.get(URL, query).json()
    assert body["count"] == 3
    assert [item["name"] for item in body["items"]] == ["Fablab de Pau", "Ressourcerie Bayonne"]
    body = client.get(URL, {**query, "offset": 2}).json()
    assert [item["name"] for item in body["items"]] == ["Repair Café Anglet"]


def test_updated_since(client, directory):
    Place.objects.update(updated_at=datetime(2024, 1, 1, tzinfo=UTC))
    Place.objects.filter(pk=directory["paris"].pk).update(
        updated_at=datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
    )
    assert names(client.get(URL, {"updated_since": "2025-03-01"})) == ["Tiers-lieu Paris"]
    assert names(client.get(URL, {"updated_since": "2025-03-01T12:00:01Z"})) == []
    assert len(names(client.get(URL, {"updated_since": "2023-12-31"}))) == 5


@pytest.mark.parametrize(
    ("query", "count", "expected"),
    [
        ({"limit": 2}, 5, ["Coworking Lescar", "Fablab de Pau"]),
        ({"limit": 2, "offset": 2}, 5, ["Repair Café Anglet", "Ressourcerie Bayonne"]),
        ({"limit": 2, "offset": 4}, 5, ["Tiers-lieu Paris"]),
        ({"limit": 2, "offset": 10}, 5, []),
        (
            {"limit": 500},
            5,
            [
                "Coworking Lescar",
                "Fablab de Pau",
                "Repair Café Anglet",
                "Ressourcerie Bayonne",
                "Tiers-lieu Paris",
            ],
        ),
    ],
)
def test_pagination(client, directory, query, count, expected):
    response = client.get(URL, query)
    assert names(response) == expected
    assert response.json()["count"] == count


def test_default_page_holds_fifty(client):
    for number in range(52):
        make_place(name=f"Lieu {number:02d}")
    body = client.get(URL).json()
    assert body["count"] == 52
    assert len(body["items"]) == 50


def test_limit_above_500_is_refused_with_a_message(client):
    response = client.get(URL, {"limit": 501})
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "limit",
            "message": "500 lieux au plus par page : utilisez offset pour la suite, ou "
            "places.csv et places.geojson pour tout obtenir d'un coup.",
        }
    ]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"offset": -1}, "offset"),
        ({"bbox": "1,2,3"}, "bbox"),
        ({"near": "here"}, "near"),
        ({"radius_km": "far"}, "radius_km"),
        ({"kind": "spaceport"}, "kind"),
        ({"status": "asleep"}, "status"),
        ({"territory": "departement:99"}, "territory"),
        ({"territory": "planet:3"}, "territory"),
        ({"updated_since": "yesterday"}, "updated_since"),
        ({"open_now": "maybe"}, "open_now"),
    ],
)
def test_bad_parameters_answer_422_naming_the_field(client, query, field):
    response = client.get(URL, query)
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "Les données envoyées sont invalides."
    assert [error["field"] for error in body["errors"]] == [field]
    assert body["errors"][0]["message"]


def test_all_bad_parameters_are_named_at_once(client):
    response = client.get(URL, {"bbox": "x", "kind": "y", "territory": "z", "limit": 900})
    assert response.status_code == 422
    assert {error["field"] for error in response.json()["errors"]} == {
        "bbox",
        "kind",
        "territory",
        "limit",
    }


number = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-200, 200).map(str),
    st.text(alphabet="0123456789.-+eE ", max_size=8),
)
coordinates = st.one_of(
    st.text(max_size=30),
    st.lists(number, min_size=1, max_size=5).map(",".join),
)


@settings(max_examples=150, deadline=None)
@given(bbox=coordinates, near=coordinates, radius_km=st.one_of(number, st.text(max_size=8)))
def test_random_bbox_and_near_never_fail_the_server(bbox, near, radius_km):
    response = Client().get(URL, {"bbox": bbox, "near": near, "radius_km": radius_km})
    assert response.status_code in {200, 422}
    if response.status_code == 422:
        fields = {error["field"] for error in response.json()["errors"]}
        assert fields
        assert fields <= {"bbox", "near", "radius_km"}


def count_queries(client, query) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(URL, query)
    assert response.status_code == 200
    return len(captured)


@pytest.fixture
def thirty_places():
    for number in range(30):
        make_place(
            name=f"Lieu {number:02d}",
            kinds=["fablab", "coworking"],
            services=["Café", f"Service {number}"],
            equipment=["Imprimante 3D"],
            latitude=43.29 + number / 1000,
        )


@pytest.mark.parametrize(
    ("filters", "full_page", "last_page"),
    [
        # rows, COUNT (only when the page is full), kinds: items carry no services or equipment
        ({}, 3, 2),
        # + on SQLite, the FTS5 vocabulary lookup of the words searched (search.py), and a
        # second one for a typo ("lieux": no word starts so)
        ({"q": "lieu"}, "3+", "2+"),
        ({"q": "lieu imprimante 3d"}, "3+", "2+"),
        ({"q": "lieux imprimante"}, "3++", "2++"),
        # + the territory lookup
        ({"kind": "fablab", "territory": "64"}, 4, 3),
        # + the commune lookup; distances are computed over ids, then the page is fetched
        ({"near": "64445", "radius_km": "50"}, 4, 4),
    ],
)
def test_query_count_does_not_grow_with_the_page_size(
    client, thirty_places, filters, full_page, last_page
):
    sqlite = connection.vendor == "sqlite"
    full_page, last_page = (
        int(str(count).rstrip("+")) + (str(count).count("+") if sqlite else 0)
        for count in (full_page, last_page)
    )
    assert count_queries(client, {**filters, "limit": 5}) == full_page
    assert count_queries(client, {**filters, "limit": 25}) == full_page
    assert count_queries(client, {**filters, "limit": 100}) == last_page
