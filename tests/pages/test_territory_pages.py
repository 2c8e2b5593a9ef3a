"""Territory pages: régions, one territory with its places and children, suggestions."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from maillage.territories.models import Territory
from tests.pages.page_helpers import parse, text
from tests.places.factories import make_place

pytestmark = pytest.mark.django_db


def table(page, caption_start: str) -> list[list[str]]:
    for candidate in page.find_all("table"):
        if candidate.caption and candidate.caption.get_text().startswith(caption_start):
            return [
                [text(cell) for cell in row.find_all(["th", "td"])]
                for row in candidate.tbody.find_all("tr")
            ]
    raise AssertionError(f"no table {caption_start!r}")


def test_index_lists_regions_with_population_and_places(client, place_a, place_b, place_paris):
    page = parse(client.get("/territoires/"))
    assert table(page, "Régions") == [
        ["Île-de-France", "12 317 279", "1", "0,00081"],
        ["Nouvelle-Aquitaine", "6 033 952", "2", "0,0033"],
    ]
    assert table(page, "Départements") == [
        ["64", "Pyrénées-Atlantiques", "687 240", "2", "0,029"],
        ["75", "Paris", "2 133 111", "1", "0,0047"],
    ]
    assert page.find("a", string="Île-de-France")["href"] == "/territoires/region/11/"


def test_index_search_by_name_lists_the_territories_it_may_mean(client):
    """Every level, best match first: names starting with the text (largest first, the
    département before the commune of the same size), then names with a word starting so."""
    page = parse(client.get("/territoires/?q=pa"))
    links = [(a.get_text(), a["href"]) for a in page.select("main ul.territory-choices a")]
    assert links == [
        ("Paris", "/territoires/departement/75/"),
        ("Paris", "/territoires/commune/75056/"),
        ("Pau", "/territoires/commune/64445/"),
        ("CA Pau Béarn Pyrénées", "/territoires/epci/200067254/"),
    ]


@pytest.mark.parametrize(
    ("query", "location"),
    [
        ("pyrenees atlantiques", "/territoires/departement/64/"),
        ("PAU", "/territoires/commune/64445/"),
        ("Pau (64)", "/territoires/commune/64445/"),  # a suggestion of the autocomplete
        ("Paris (département)", "/territoires/departement/75/"),
        ("Paris (75)", "/territoires/commune/75056/"),
        ("nouvelle-aquitaine", "/territoires/region/75/"),
        ("béarn", "/territoires/epci/200067254/"),  # the only name holding it
        ("les", "/territoires/commune/64348/"),
    ],
)
def test_index_search_by_name_goes_to_the_territory_it_says(client, query, location):
    response = client.get("/territoires/", {"q": query})
    assert (response.status_code, response["Location"]) == (302, location)


@pytest.mark.parametrize(
    ("query", "location"),
    [
        ("64", "/territoires/departement/64/"),
        ("departement:75", "/territoires/departement/75/"),
        ("75", "/territoires/region/75/"),
        ("64445", "/territoires/commune/64445/"),
    ],
)
def test_index_search_by_code_goes_to_the_territory(client, query, location):
    response = client.get("/territoires/", {"q": query})
    assert (response.status_code, response["Location"]) == (302, location)


def test_index_search_explains_what_it_did_not_find(client):
    page = parse(client.get("/territoires/?q=zorglub"))
    assert page.select_one("#territory-q-error").get_text() == (
        "Aucun territoire ne s'appelle « zorglub ». Tapez le début de son nom, ou son code INSEE."
    )


def test_departement_page(client, place_a, place_b, place_paris):
    make_place(name="Ancien fablab", status="closed", insee_code="64348")
    page = parse(client.get("/territoires/departement/64/"))
    assert page.h1.get_text() == "Pyrénées-Atlantiques"
    crumbs = [item.get_text(strip=True) for item in page.select(".breadcrumb li")]
    assert crumbs == ["Territoires", "Nouvelle-Aquitaine", "Pyrénées-Atlantiques"]
    figures = [text(item) for item in page.select("ul.figures li")]
    assert figures == [
        "687 240 habitant·es",
        "2 tiers-lieux ouverts ou en projet",
        "0,03 lieux pour 10 000 habitant·es",
    ]
    assert table(page, "Nombre de lieux") == [
        ["Espace de coworking", "1"],
        ["Fablab", "1"],
        ["Atelier partagé / makerspace", "1"],
    ]
    assert table(page, "Territoires inclus") == [
        ["CA Pau Béarn Pyrénées", "200067254", "162 000", "2", "0,12"]
    ]
    assert page.find("a", string="Voir la liste des lieux : Pyrénées-Atlantiques")["href"] == (
        "/lieux/?territory=departement%3A64"
    )
    map_element = page.select_one("#carte-territoire")
    assert map_element["data-geojson-url"] == (
        "/api/v1/places.geojson?compact=1&territory=departement%3A64"
    )


def test_commune_page_has_no_children_and_links_its_parents(client, place_a):
    page = parse(client.get("/territoires/commune/64445/"))
    crumbs = [a["href"] for a in page.select(".breadcrumb a")]
    assert crumbs == [
        "/territoires/",
        "/territoires/region/75/",
        "/territoires/departement/64/",
        "/territoires/epci/200067254/",
    ]
    assert "code postal 64000" in page.select_one(".lead").get_text()
    assert page.select_one("#children-title") is None
    assert text(page.select_one("ul.figures")) == (
        "75 665 habitant·es 1 tiers-lieu ouvert ou en projet 0,13 lieux pour 10 000 habitant·es"
    )


@pytest.mark.parametrize("url", ["/territoires/canton/64/", "/territoires/departement/999/"])
def test_unknown_territory_is_404(client, url):
    assert client.get(url).status_code == 404


def test_children_and_their_counts_cost_the_same_queries_whatever_their_number(client, place_a):
    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get("/territoires/region/75/").status_code == 200
        return len(context.captured_queries)

    one_child = queries()
    for number in range(10):
        Territory.objects.create(
            level="departement", code=f"9{number}", name=f"Département {number}", region_code="75"
        )
    assert queries() == one_child
    page = parse(client.get("/territoires/region/75/"))
    assert len(table(page, "Territoires inclus")) == 11


def test_index_query_count_is_constant(client, django_assert_max_num_queries):
    """One query for the régions and collectivities, one for the départements."""
    with django_assert_max_num_queries(2):
        client.get("/territoires/")


@pytest.mark.django_db
def test_index_lists_overseas_collectivities_apart(client):
    Territory.objects.create(level="region", code="04", name="La Réunion", population=889679)
    Territory.objects.create(
        level="region", code="987", name="Polynésie française", population=278786
    )
    Territory.objects.create(
        level="departement", code="987", name="Polynésie française", population=278786
    )
    page = parse(client.get("/territoires/"))
    regions = [row[0] for row in table(page, "Régions")]
    assert "La Réunion" in regions
    assert "Polynésie française" not in regions
    assert [row[0] for row in table(page, "Collectivités d’outre-mer")] == ["Polynésie française"]
    assert "987" not in [row[0] for row in table(page, "Départements")]
    assert text(page.find("h2", string=lambda s: s and "région" in s)) == "3 régions"


def test_ratio_keeps_two_significant_digits():
    from maillage.places.templatetags.places_tags import ratio

    assert [ratio(value) for value in (None, 0, 0.000812, 0.0333, 1.234, 12.34)] == [
        "—",
        "0",
        "0,00081",
        "0,033",
        "1,2",
        "12",
    ]


def test_territory_suggestions_name_territories_as_people_read_them(client):
    """The value of each option is what the field will hold and the server read back: a name
    with its département or its level, never a code syntax."""
    response = client.get("/territoires/suggestions/", {"for": "territory", "territory": "pa"})
    options = parse(response).find_all("option")
    assert [(option["value"], text(option)) for option in options] == [
        ("Paris (département)", "Département · 2 133 111 hab."),
        ("Paris (75)", "Commune · 2 133 111 hab."),
        ("Pau (64)", "Commune · 75 665 hab."),
        ("CA Pau Béarn Pyrénées (EPCI)", "EPCI · 162 000 hab."),
    ]
    response = client.get(
        "/territoires/suggestions/", {"for": "near_commune", "near_commune": "pa"}
    )
    assert [option["value"] for option in parse(response).find_all("option")] == [
        "Paris (75)",
        "Pau (64)",
    ]
    response = client.get("/territoires/suggestions/", {"for": "q", "q": "PYRÉNÉES"})
    assert [option["value"] for option in parse(response).find_all("option")] == [
        "Pyrénées-Atlantiques (département)",
        "CA Pau Béarn Pyrénées (EPCI)",
    ]
    assert (
        parse(client.get("/territoires/suggestions/?for=territory&territory=p")).find("option")
        is None
    )
    assert parse(client.get("/territoires/suggestions/?territory=pa%00")).find("option") is None
