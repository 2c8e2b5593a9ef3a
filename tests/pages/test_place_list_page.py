"""The list page: filters, distance, pagination, htmx fragments, errors, query count."""

from datetime import datetime
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from maillage.places.hours import PARIS
from maillage.territories.models import Territory
from tests.pages.page_helpers import parse
from tests.places.factories import make_place

pytestmark = pytest.mark.django_db

MONDAY_10AM = datetime(2025, 6, 2, 10, 0, tzinfo=PARIS)
SATURDAY_10AM = datetime(2025, 6, 7, 10, 0, tzinfo=PARIS)


def names(client, query: str) -> list[str]:
    page = parse(client.get(f"/lieux/?{query}"))
    return [card.h3.a.get_text() for card in page.select(".result-list .card")]


def field_errors(page, name: str) -> list[str]:
    return [p.get_text() for p in page.select(f"#error-{name} p")]


@pytest.fixture
def directory(place_a, place_b, place_paris):
    return place_a, place_b, place_paris


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["Cowork Lescar", "La Fabrique", "Repair Café Belleville"]),
        ("q=FABRIQUE", ["La Fabrique"]),
        ("q=numerique", ["La Fabrique"]),  # accent-insensitive, in the description
        ("q=lescar", ["Cowork Lescar"]),  # the city
        ("kind=coworking", ["Cowork Lescar"]),
        ("kind=coworking&kind=repair_cafe", ["Cowork Lescar", "Repair Café Belleville"]),
        ("service=domiciliation", ["Cowork Lescar"]),
        ("territory=Pau", ["La Fabrique"]),
        ("territory=pau", ["La Fabrique"]),
        ("territory=commune:64348", ["Cowork Lescar"]),
        ("territory=departement:64", ["Cowork Lescar", "La Fabrique"]),
        ("territory=64", ["Cowork Lescar", "La Fabrique"]),
        ("territory=epci:200067254", ["Cowork Lescar", "La Fabrique"]),
        ("territory=departement:75", ["Repair Café Belleville"]),
        ("territory=Paris", ["Repair Café Belleville"]),
        ("status=project", []),
    ],
)
def test_filters(client, directory, query, expected):
    assert names(client, query) == expected


def test_near_a_commune_sorts_by_distance_and_shows_it(client, directory):
    page = parse(client.get("/lieux/?near_commune=Pau&radius_km=20"))
    cards = [card.get_text(" ", strip=True) for card in page.select(".result-list .card")]
    assert [card.split(" Fablab")[0].split(" Espace")[0] for card in cards] == [
        "La Fabrique",
        "Cowork Lescar",
    ]
    assert "Lescar · à 6,7 km" in cards[1]
    assert "Du plus proche au plus loin." in page.select_one(".results-head").get_text()


def test_near_a_commune_by_insee_code_or_a_point_with_radius(client, directory):
    assert names(client, "near_commune=64348&radius_km=3") == ["Cowork Lescar"]
    assert names(client, "near=43.2951,-0.3708&radius_km=5") == ["La Fabrique"]
    # Without a radius, the API's default of 10 km applies.
    assert names(client, "near_commune=Lescar") == ["Cowork Lescar", "La Fabrique"]


def test_open_now_uses_paris_time(client, directory):
    with mock.patch("django.utils.timezone.now", return_value=MONDAY_10AM):
        assert names(client, "open_now=1") == ["Cowork Lescar", "La Fabrique"]
        page = parse(client.get("/lieux/?kind=fablab"))
        assert page.select_one(".card .badge-open").get_text() == "Ouvert maintenant"
    with mock.patch("django.utils.timezone.now", return_value=SATURDAY_10AM):
        assert names(client, "open_now=1") == ["Cowork Lescar"]


def test_filter_form_keeps_what_was_typed(client, directory):
    page = parse(client.get("/lieux/?q=atelier&kind=fablab&territory=Pau&open_now=1"))
    form = page.select_one("form#filtres")
    assert form.select_one("#f-q")["value"] == "atelier"
    # The name typed, as the territory it resolved to (never a code syntax).
    assert form.select_one("#f-territory")["value"] == "Pau (64)"
    assert [box["value"] for box in form.select("input[name=kind][checked]")] == ["fablab"]
    assert form.select_one("#f-open-now").has_attr("checked")


def test_invalid_filters_are_explained_next_to_their_field(client, directory):
    page = parse(client.get("/lieux/?territory=zz99&radius_km=-3&near_commune=Nullepart"), 400)
    assert field_errors(page, "territory") == [
        "Aucun territoire ne s'appelle « zz99 ». Tapez le début de son nom et choisissez "
        "parmi les suggestions, ou donnez son code INSEE."
    ]
    assert field_errors(page, "near_commune") == [
        "Aucune commune ne s'appelle « Nullepart ». Tapez le début de son nom et choisissez "
        "parmi les suggestions, ou donnez son code INSEE."
    ]
    assert field_errors(page, "radius_km")[0].startswith("Rayon en kilomètres attendu")
    assert page.select_one("#resultats .alert-error") is not None
    # The invalid filters filter nothing.
    assert len(page.select(".result-list .card")) == 3


def test_a_name_shared_by_several_communes_offers_them_to_choose(client, directory):
    for code, departement in (("97127", "971"), ("05151", "05")):
        Territory.objects.create(
            level="commune",
            code=code,
            name="Saint-Martin",
            search_name="saint martin",
            population=100,
            latitude=45.0,
            longitude=5.0,
            departement_code=departement,
        )
    page = parse(client.get("/lieux/?territory=Saint-Martin&kind=fablab"), 400)
    assert field_errors(page, "territory") == [
        "Plusieurs territoires répondent à « Saint-Martin » : choisissez le vôtre dans la liste."
    ]
    choices = page.select("#resultats .territory-choices a")
    assert [(link.get_text(), link["href"]) for link in choices] == [
        ("Saint-Martin (05)", "?kind=fablab&territory=commune%3A05151"),
        ("Saint-Martin (971)", "?kind=fablab&territory=commune%3A97127"),
    ]
    chosen = parse(client.get("/lieux/" + choices[1]["href"]))
    assert chosen.select_one("#f-territory")["value"] == "Saint-Martin (971)"
    assert chosen.select(".result-list .card") == []


def test_pagination_keeps_the_filters(client):
    for number in range(23):
        make_place(name=f"Fablab {number:02d}")
    page = parse(client.get("/lieux/?kind=fablab"))
    assert len(page.select(".result-list .card")) == 20
    assert page.select_one("#results-title").get_text(" ", strip=True) == "23 lieux trouvés"
    assert page.select_one(".pagination [aria-current=page]").get_text() == "Page 1 sur 2"
    next_link = page.select_one(".pagination a[rel=next]")["href"]
    assert next_link == "?kind=fablab&page=2"
    second = parse(client.get(f"/lieux/{next_link}"))
    assert [card.h3.a.get_text() for card in second.select(".card")] == [
        "Fablab 20",
        "Fablab 21",
        "Fablab 22",
    ]
    assert second.select_one(".pagination a[rel=prev]")["href"] == "?kind=fablab"
    assert second.select_one(".pagination a[rel=next]") is None


def test_htmx_gets_the_results_fragment_with_out_of_band_errors(client, directory):
    response = client.get(
        "/lieux/?territory=zz99&kind=fablab", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="resultats"
    )
    assert "HX-Request" in response["Vary"]
    page = parse(response)
    assert page.find("html") is None
    assert [card.h3.a.get_text() for card in page.select(".card")] == ["La Fabrique"]
    slots = {slot["id"]: slot.get_text(strip=True) for slot in page.select("[hx-swap-oob]")}
    assert slots["error-q"] == ""
    assert slots["error-territory"].startswith("Aucun territoire ne s'appelle « zz99 ».")
    source = page.select_one("[data-results-geojson]")
    assert source["data-results-geojson"] == "/api/v1/places.geojson?compact=1&kind=fablab"


def test_results_map_keeps_repeated_filters(client, directory):
    page = parse(client.get("/lieux/?kind=fablab&kind=coworking&q="))
    assert page.select_one("#carte-resultats")["data-clusters-url"] == (
        "/api/v1/places.clusters?kind=fablab&kind=coworking"
    )
    # The results fragment carries the same URL for the map to redraw after an htmx swap.
    assert page.select_one("[data-results-clusters]")["data-results-clusters"] == (
        "/api/v1/places.clusters?kind=fablab&kind=coworking"
    )


def test_results_map_draws_the_same_filters_with_names_resolved(client, directory):
    page = parse(client.get("/lieux/?territory=Pau&near_commune=Lescar&radius_km=20&page=1"))
    element = page.select_one("#carte-resultats")
    assert element["data-clusters-url"] == (
        "/api/v1/places.clusters?territory=commune%3A64445&radius_km=20&near=43.3333%2C-0.4347"
    )
    # The map draws the search's centre and radius, and its legend says so.
    assert (element["data-near"], element["data-radius-km"]) == ("43.33330,-0.43470", "20")
    legend = page.select_one("#carte-resultats-legend").get_text(" ", strip=True)
    assert "Le centre et le rayon de la recherche" in legend


def test_filter_form_is_wired_for_htmx_and_works_without_it(client):
    form = parse(client.get("/lieux/")).select_one("form#filtres")
    assert (form["action"], form["method"]) == ("/lieux/", "get")
    assert (form["hx-get"], form["hx-target"], form["hx-push-url"]) == (
        "/lieux/",
        "#resultats",
        "true",
    )
    territory = form.select_one("#f-territory")
    assert territory["hx-get"] == "/territoires/suggestions/"
    assert territory["list"] == "f-territory-options"
    assert form.select_one("datalist#f-territory-options") is not None


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?territory=Pau&kind=fablab",
        "?near_commune=Pau&open_now=1&radius_km=50",
        "?q=fablb&territory=Pau",
    ],
)
def test_list_query_count_does_not_grow_with_the_page(client, query, django_assert_max_num_queries):
    """A full first page costs as many queries with 21 matches as with 60."""
    for number in range(21):
        make_place(name=f"Fablab {number:02d}", opening_hours="24/7")
    full_page = queries_for(client, f"/lieux/{query}")
    for number in range(21, 60):
        make_place(name=f"Fablab {number:02d}", opening_hours="24/7")
    with django_assert_max_num_queries(full_page):
        assert client.get(f"/lieux/{query}").status_code == 200
    with django_assert_max_num_queries(full_page):
        assert client.get(f"/lieux/{query}{'&' if query else '?'}page=3").status_code == 200
    # On SQLite, a typo ("fablb") costs two lookups of the FTS5 vocabulary (places/search.py).
    typo = connection.vendor == "sqlite" and "fablb" in query
    assert full_page <= 7 + typo
