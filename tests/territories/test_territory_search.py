"""Territories by name, at every level: the selector, the choice a typed name makes, and the
API `GET /api/v1/territories?q=` (whose shape other tools rely on: keep it exactly)."""

import pytest

from maillage.territories.models import Territory
from maillage.territories.selectors import (
    choose_territory,
    search_key,
    search_territories,
    suggestion_label,
)
from maillage.territories.services import load_territories

pytestmark = pytest.mark.django_db

URL = "/api/v1/territories"


def refs(territories) -> list[str]:
    return [f"{territory.level}:{territory.code}" for territory in territories]


def test_names_people_type_find_what_they_mean_in_the_shipped_file(client):
    """The examples of the issue, on every territory of France."""
    load_territories()
    expected_first = {
        "Gironde": "departement:33",  # before Gironde-sur-Dropt, a commune starting so
        "gironde": "departement:33",
        "Bretagne": "region:53",  # before the communes named Bretagne
        "Pays Basque": "epci:200067106",  # the CA du Pays Basque, by a word of its name
        "pays basque": "epci:200067106",
        "Pau": "commune:64445",
        "PAU": "commune:64445",
        "Pyrénées-Atlantiques": "departement:64",
        "pyrenees atlantiques": "departement:64",
        "Île-de-France": "region:11",
        "ile de france": "region:11",
        "St-Étienne": "commune:42218",
    }
    for typed, ref in expected_first.items():
        assert refs(search_territories(typed, limit=1)) == [ref], typed
        chosen = choose_territory(typed).territory
        assert chosen is not None and chosen.ref == ref, typed

    gironde = search_territories("Gironde", limit=5)
    assert gironde[0].level == "departement"
    assert "Gironde-sur-Dropt" in [territory.name for territory in gironde]
    # The two communes named Bretagne come after the région, and can be chosen apart.
    bretagne = choose_territory("Bretagne")
    assert [t.name for t in bretagne.candidates[:2]] == ["Bretagne", "Bretagne"]
    commune = bretagne.candidates[0]
    assert choose_territory(suggestion_label(commune)).territory == commune

    # The API gives the same answers, in the documented shape.
    body = client.get(URL, {"q": "Gironde", "limit": 3}).json()
    assert body["items"][0] == {
        "level": "departement",
        "code": "33",
        "name": "Gironde",
        "population": Territory.objects.get(level="departement", code="33").population,
    }
    assert body["count"] > 3
    for typed, ref in expected_first.items():
        first = client.get(URL, {"q": typed, "limit": 1}).json()["items"][0]
        assert f"{first['level']}:{first['code']}" == ref, typed


def test_ranking_exact_then_prefix_then_word_prefix_then_contains():
    # Sample: Pau, Paris (commune and département), CA Pau Béarn Pyrénées, Pyrénées-Atlantiques…
    assert refs(search_territories("pau")) == ["commune:64445", "epci:200067254"]
    assert refs(search_territories("pa")) == [
        "departement:75",  # prefix, 2,133,111 inhabitants, a higher level than…
        "commune:75056",  # …the commune of the same population
        "commune:64445",  # prefix, 75,665
        "epci:200067254",  # a word starts with "pa"
    ]
    assert refs(search_territories("pyrenees")) == ["departement:64", "epci:200067254"]
    assert refs(search_territories("scar")) == ["commune:64348"]  # contains (Lescar)
    assert refs(search_territories("ÉE")) == ["departement:64", "epci:200067254"]


def test_search_is_accent_case_and_punctuation_insensitive():
    for typed in ("Île-de-France", "ILE DE FRANCE", "ile-de-france", "  île  de   france "):
        assert refs(search_territories(typed)) == ["region:11"], typed
    assert search_key("Ste-Foy") == "sainte foy"


def test_search_by_level_and_by_code():
    assert refs(search_territories("paris", levels=("commune",))) == ["commune:75056"]
    assert refs(search_territories("paris", levels=("departement", "region"))) == ["departement:75"]
    assert refs(search_territories("64")) == ["departement:64"]
    assert refs(search_territories("64445")) == ["commune:64445"]
    assert search_territories("") == []
    assert search_territories("zorglub") == []


def test_choose_reads_names_suggestions_references_and_codes():
    cases = {
        "Pau": "commune:64445",
        "Pau (64)": "commune:64445",
        "Paris (75)": "commune:75056",
        "Paris (département)": "departement:75",
        "Paris (commune)": "commune:75056",
        "paris": "departement:75",  # an exact name at a higher level wins
        "departement:64": "departement:64",
        "64445": "commune:64445",
        "75": "region:75",  # a bare code is a région first (BARE_CODE_ORDER)
        "lesc": "commune:64348",  # the only territory starting so
    }
    for typed, ref in cases.items():
        chosen = choose_territory(typed).territory
        assert chosen is not None and chosen.ref == ref, typed
    ambiguous = choose_territory("pa")
    assert ambiguous.territory is None
    assert refs(ambiguous.candidates) == refs(search_territories("pa"))
    nothing = choose_territory("zorglub")
    assert (nothing.territory, nothing.candidates) == (None, ())
    assert choose_territory("region:99") == choose_territory("zorglub")


def test_homonym_communes_are_never_chosen_for_the_person():
    for code, departement in (("97127", "971"), ("05151", "05")):
        Territory.objects.create(
            level="commune",
            code=code,
            name="Saint-Martin",
            search_name="saint martin",
            population=100,
            departement_code=departement,
        )
    choice = choose_territory("Saint-Martin")
    assert choice.territory is None
    assert refs(choice.candidates) == ["commune:05151", "commune:97127"]
    assert choose_territory("Saint-Martin (971)").territory.code == "97127"
    assert choose_territory("St Martin (05)").territory.code == "05151"


def test_suggestion_labels():
    labels = [suggestion_label(t) for t in search_territories("p")]
    assert labels == [
        "Paris (département)",
        "Paris (75)",
        "Pyrénées-Atlantiques (département)",
        "Pau (64)",
        "CA Pau Béarn Pyrénées (EPCI)",  # a word of its name starts with "p"
    ]


# --- the API ------------------------------------------------------------------------------------


def test_api_answers_count_and_items_exactly(client):
    response = client.get(URL, {"q": "pa"})
    assert response.status_code == 200
    assert response.json() == {
        "count": 4,
        "items": [
            {"level": "departement", "code": "75", "name": "Paris", "population": 2133111},
            {"level": "commune", "code": "75056", "name": "Paris", "population": 2133111},
            {"level": "commune", "code": "64445", "name": "Pau", "population": 75665},
            {
                "level": "epci",
                "code": "200067254",
                "name": "CA Pau Béarn Pyrénées",
                "population": 162000,
            },
        ],
    }


def test_api_filters_by_level_and_pages(client):
    body = client.get(URL, {"q": "pa", "level": "commune"}).json()
    assert [item["code"] for item in body["items"]] == ["75056", "64445"]
    body = client.get(URL, {"q": "pa", "level": "departement,epci"}).json()
    assert [item["code"] for item in body["items"]] == ["75", "200067254"]
    first = client.get(URL, {"q": "pa", "limit": 2}).json()
    assert (first["count"], [item["code"] for item in first["items"]]) == (4, ["75", "75056"])
    second = client.get(URL, {"q": "pa", "limit": 2, "offset": 2}).json()
    assert (second["count"], [i["code"] for i in second["items"]]) == (4, ["64445", "200067254"])
    assert client.get(URL, {"q": "pa", "offset": 10}).json() == {"count": 4, "items": []}
    assert client.get(URL, {"q": "zorglub"}).json() == {"count": 0, "items": []}


def test_api_without_q_lists_the_levels_asked_largest_first(client):
    body = client.get(URL, {"level": "region"}).json()
    assert body == {
        "count": 2,
        "items": [
            {"level": "region", "code": "11", "name": "Île-de-France", "population": 12317279},
            {"level": "region", "code": "75", "name": "Nouvelle-Aquitaine", "population": 6033952},
        ],
    }


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"q": "pa", "level": "planet"}, "level"),
        ({"q": "pa\x00"}, "q"),
        ({"q": "pa", "limit": "0"}, "limit"),
        ({"q": "pa", "limit": "101"}, "limit"),
        ({"q": "x" * 101}, "q"),
    ],
)
def test_api_refuses_invalid_parameters_naming_them(client, query, field):
    response = client.get(URL, query)
    assert response.status_code == 422
    assert field in [error["field"] for error in response.json()["errors"]]


def test_api_query_count_is_constant(client, django_assert_max_num_queries):
    for number in range(30):
        Territory.objects.create(
            level="commune",
            code=f"99{number:03d}",
            name=f"Pamiers {number}",
            search_name=f"pamiers {number}",
            population=number,
        )
    with django_assert_max_num_queries(1):  # the page and its total, in one query
        body = client.get(URL, {"q": "pa", "limit": 5}).json()
    assert (body["count"], len(body["items"])) == (34, 5)
    with django_assert_max_num_queries(1):
        body = client.get(URL, {"q": "pa", "limit": 100}).json()
    assert (body["count"], len(body["items"])) == (34, 34)
