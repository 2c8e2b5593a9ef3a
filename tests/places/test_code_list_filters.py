"""Filters on the closed code lists (issue 12): one parameter per list, on the list page and the
places API alike (`filters.CODE_LIST_PARAMS`, `selectors.ListHoldsCode`), on both databases."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from maillage.places.filters import CODE_LIST_PARAMS
from maillage.places.selectors import PlaceFilters, filter_places
from tests.pages.page_helpers import parse
from tests.places.factories import make_place

pytestmark = pytest.mark.django_db

API = "/api/v1/places"


@pytest.fixture
def places():
    make_place(
        name="Le Bus numérique",
        audiences=["youth", "seniors"],
        specific_support=["deafness"],
        fees=["free"],
        access_modes=["walk_in", "phone"],
        support_modes=["individual"],
    )
    make_place(
        name="La Fabrique",
        audiences=["students"],
        fees=["free_conditional", "paid"],
        access_modes=["online_booking"],
        support_modes=["workshop", "remote"],
    )
    make_place(name="Cowork Lescar", kinds=["coworking"])


def api_names(client, query: str) -> list[str]:
    response = client.get(f"{API}?{query}")
    assert response.status_code == 200, response.content
    return [item["name"] for item in response.json()["items"]]


def page_names(client, query: str) -> list[str]:
    page = parse(client.get(f"/lieux/?{query}"))
    return [card.h3.a.get_text() for card in page.select(".result-list .card")]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("audience=youth", ["Le Bus numérique"]),
        ("audience=students", ["La Fabrique"]),
        ("audience=women", []),
        ("specific_support=deafness", ["Le Bus numérique"]),
        # A whole code, never a part of another one: "free" is not "free_conditional".
        ("fee=free", ["Le Bus numérique"]),
        ("fee=free_conditional", ["La Fabrique"]),
        ("access_mode=phone", ["Le Bus numérique"]),
        ("support_mode=remote", ["La Fabrique"]),
        # Several codes of a list: at least one of them, repeated or comma-separated.
        ("audience=youth&audience=students", ["La Fabrique", "Le Bus numérique"]),
        ("fee=free,paid", ["La Fabrique", "Le Bus numérique"]),
        ("fee=FREE", ["Le Bus numérique"]),
        # Several lists: every one of them.
        ("fee=free,paid&support_mode=workshop", ["La Fabrique"]),
        ("audience=youth&support_mode=workshop", []),
        ("audience=seniors&kind=fablab&q=bus", ["Le Bus numérique"]),
    ],
)
def test_the_page_and_the_api_select_the_places_holding_the_code(client, places, query, expected):
    assert api_names(client, query) == expected
    assert page_names(client, query) == expected


@pytest.mark.parametrize(
    ("name", "list_field"), [(n, f) for n, (f, _c) in CODE_LIST_PARAMS.items()]
)
def test_each_list_is_filtered_on_its_own_column(places, name, list_field):
    """An empty list holds no code, and the code of one list does not match another list."""
    make_place(name="Tout", **{list_field: list(CODE_LIST_PARAMS[name][1].values)})
    for code in CODE_LIST_PARAMS[name][1].values:
        matched = filter_places(PlaceFilters(**{list_field: (code,)}))
        assert "Tout" in matched.values_list("name", flat=True)
        assert "Cowork Lescar" not in matched.values_list("name", flat=True)


@pytest.mark.parametrize("name", list(CODE_LIST_PARAMS))
def test_an_unknown_code_answers_422_naming_the_parameter(client, name):
    response = client.get(API, {name: "pigeon"})
    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/json")
    [error] = response.json()["errors"]
    assert error["field"] == name
    assert error["message"].startswith("Code(s) inconnu(s) : pigeon ; codes possibles : ")


def test_the_page_offers_each_list_as_labelled_checkboxes_in_the_folded_filters(client, places):
    page = parse(client.get("/lieux/?fee=paid"))
    fieldset = page.select_one("#f-fee-paid").find_parent("fieldset")
    assert fieldset.legend.get_text() == "Frais à charge"
    outer = fieldset.find_parent("fieldset")
    assert outer.legend.get_text() == "Publics, accès et accompagnement"
    assert outer.find_parent("form")["id"] == "filtres"
    assert outer.find_parent("details")["class"] == ["filters-toggle"]
    for name in CODE_LIST_PARAMS:
        for box in page.select(f"input[type=checkbox][name={name}]"):
            label = page.select_one(f"label[for={box['id']}]")
            assert label is not None and label.get_text().strip()
    assert page.select_one("#f-fee-paid").has_attr("checked")
    assert not page.select_one("#f-fee-free").has_attr("checked")
    assert page.select_one("label[for=f-audience-youth]").get_text().strip() == "Jeunes"


def test_an_unknown_code_on_the_page_is_shown_next_to_its_list(client, places):
    page = parse(client.get("/lieux/?support_mode=telepathy"), status=400)
    errors = [p.get_text() for p in page.select("#error-support_mode p")]
    assert errors and errors[0].startswith("Code(s) inconnu(s) : telepathy")
    # The invalid filter filters nothing.
    assert len(page.select(".result-list .card")) == 3


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize(
    "url", ["/lieux/?fee=free&audience=youth,seniors", f"{API}?fee=free&limit=5"]
)
def test_the_query_count_does_not_grow_with_the_matches(client, url, django_assert_max_num_queries):
    for number in range(21):
        make_place(name=f"Lieu {number:02d}", fees=["free"], audiences=["seniors"])
    full_page = queries_for(client, url)
    for number in range(21, 60):
        make_place(name=f"Lieu {number:02d}", fees=["free"], audiences=["seniors"])
    with django_assert_max_num_queries(full_page):
        assert client.get(url).status_code == 200


def test_the_openapi_document_lists_each_parameter_with_its_codes():
    from maillage.api import api

    operation = api.get_openapi_schema()["paths"]["/api/v1/places"]["get"]
    parameters = {parameter["name"]: parameter for parameter in operation["parameters"]}
    for name, (_field, choices) in CODE_LIST_PARAMS.items():
        schema = parameters[name]["schema"]
        assert schema["type"] == "array"
        assert schema["items"]["anyOf"][0]["enum"] == list(choices.values)
