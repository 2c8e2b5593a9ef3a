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
        mobility=["mobile"],
        audiences=["youth", "seniors"],
        specific_support=["deafness"],
        fees=["free"],
        access_modes=["walk_in", "phone"],
        support_modes=["individual"],
    )
    make_place(
        name="La Fabrique",
        mobility=["fixed"],
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
        ("mobility=mobile", ["Le Bus numérique"]),
        ("mobility=fixed", ["La Fabrique"]),
        # A place that says nothing of its mobility (Cowork Lescar) is in neither.
        ("mobility=fixed&mobility=mobile", ["La Fabrique", "Le Bus numérique"]),
        ("mobility=fixed,mobile", ["La Fabrique", "Le Bus numérique"]),
        ("mobility=mobile&fee=paid", []),
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


@pytest.mark.parametrize("name", ["support_mode", "mobility"])
def test_an_unknown_code_on_the_page_is_shown_next_to_its_list(client, places, name):
    page = parse(client.get(f"/lieux/?{name}=telepathy"), status=400)
    errors = [p.get_text() for p in page.select(f"#error-{name} p")]
    assert errors and errors[0].startswith("Code(s) inconnu(s) : telepathy")
    # The invalid filter filters nothing.
    assert len(page.select(".result-list .card")) == 3


def test_a_place_both_fixed_and_mobile_passes_either_mobility(client, places):
    make_place(name="Le Relais", mobility=["fixed", "mobile"])
    assert api_names(client, "mobility=fixed") == ["La Fabrique", "Le Relais"]
    assert api_names(client, "mobility=mobile") == ["Le Bus numérique", "Le Relais"]
    assert page_names(client, "mobility=mobile") == ["Le Bus numérique", "Le Relais"]


def test_the_unknown_mobility_names_the_codes_it_accepts(client):
    response = client.get(API, {"mobility": "flying"})
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["message"] == "Code(s) inconnu(s) : flying ; codes possibles : fixed, mobile."


def test_the_page_offers_the_mobility_with_its_labels(client, places):
    page = parse(client.get("/lieux/?mobility=mobile"))
    assert page.select_one("#f-mobility-mobile").has_attr("checked")
    assert not page.select_one("#f-mobility-fixed").has_attr("checked")
    fieldset = page.select_one("#f-mobility-fixed").find_parent("fieldset")
    assert fieldset.legend.get_text() == "Itinérance"
    assert page.select_one("label[for=f-mobility-fixed]").get_text().strip() == "Lieu fixe"


def body_of(response) -> str:
    assert response.status_code == 200, response.content
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/places.geojson",
        "/api/v1/places.csv",
        "/api/v1/places.osm.geojson",
        "/api/v1/places.data-inclusion-structures",
        "/lieux/export.csv",
        "/embed/lieux/",
    ],
)
def test_the_exports_and_the_embedded_list_take_the_mobility_filter(client, places, path):
    """They read the same parameters as the list (`filters_from_params`)."""
    body = body_of(client.get(path, {"mobility": "fixed"}))
    assert "La Fabrique" in body
    assert "Cowork Lescar" not in body
    assert "Le Bus num" not in body


def test_the_national_export_counts_only_the_filtered_places_it_omits(client, places):
    """The schema needs what the fixture's places lack: each one omitted is counted."""
    assert client.get("/api/v1/places.mednum")["X-Omitted-Places"] == "3"
    assert client.get("/api/v1/places.mednum", {"mobility": "fixed"})["X-Omitted-Places"] == "1"
    omitted = client.get("/api/v1/exports/omitted", {"format": "mednum", "mobility": "mobile"})
    assert [item["name"] for item in omitted.json()["items"]] == ["Le Bus numérique"]


def test_the_map_clusters_take_the_mobility_filter(client, places):
    answer = client.get(
        f"{API}.clusters", {"bbox": "-0.45,43.28,-0.36,43.34", "zoom": 12, "mobility": "mobile"}
    ).json()
    assert answer["count"] == 1


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize(
    "url",
    [
        "/lieux/?fee=free&audience=youth,seniors",
        f"{API}?fee=free&limit=5",
        "/lieux/?mobility=fixed,mobile",
        f"{API}?mobility=mobile&limit=5",
    ],
)
def test_the_query_count_does_not_grow_with_the_matches(client, url, django_assert_max_num_queries):
    for number in range(21):
        make_place(name=f"Lieu {number:02d}", fees=["free"], audiences=["seniors"])
    full_page = queries_for(client, url)
    for number in range(21, 60):
        make_place(name=f"Lieu {number:02d}", fees=["free"], audiences=["seniors"])
    with django_assert_max_num_queries(full_page):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("path", ["/lieux/", API])
def test_filtering_on_the_mobility_reads_no_more_than_the_unfiltered_list(client, path):
    """The mobility is one more condition of the same query, never a query of its own."""
    for number in range(12):
        make_place(name=f"Lieu {number:02d}", mobility=["mobile"])
    unfiltered = queries_for(client, path)
    assert queries_for(client, f"{path}?mobility=mobile") == unfiltered


def test_the_openapi_document_lists_each_parameter_with_its_codes():
    from maillage.api import api

    operation = api.get_openapi_schema()["paths"]["/api/v1/places"]["get"]
    parameters = {parameter["name"]: parameter for parameter in operation["parameters"]}
    for name, (_field, choices) in CODE_LIST_PARAMS.items():
        schema = parameters[name]["schema"]
        assert schema["type"] == "array"
        assert schema["items"]["anyOf"][0]["enum"] == list(choices.values)
