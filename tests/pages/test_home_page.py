"""The home page: the map of every place, a search box, counts by kind."""

import pytest

from tests.pages.page_helpers import parse, text

pytestmark = pytest.mark.django_db


def test_home_counts_places_and_links_kinds_to_the_list(client, place_a, place_b, place_paris):
    page = parse(client.get("/"))
    stats = [item.get_text(" ", strip=True) for item in page.select("ul.stats li")]
    assert stats == ["3 lieux", "3 ouverts", "2 départements couverts"]
    kinds = {a.get_text(" ", strip=True): a["href"] for a in page.select("aside a.tag")}
    assert kinds == {
        "Espace de coworking 1": "/lieux/?kind=coworking",
        "Fablab 1": "/lieux/?kind=fablab",
        "Atelier partagé / makerspace 1": "/lieux/?kind=makerspace",
        "Repair café 1": "/lieux/?kind=repair_cafe",
    }


def test_home_map_asks_for_its_view_with_local_leaflet(client):
    page = parse(client.get("/"))
    map_element = page.select_one("#carte.js-map")
    # The map asks for the places of its view as it moves, never for every place at once.
    assert map_element["data-clusters-url"] == "/api/v1/places.clusters"
    assert not map_element.has_attr("data-geojson-url")
    assert map_element["data-tiles-url"] == "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    scripts = [script.get("src") for script in page.find_all("script") if script.get("src")]
    assert scripts == ["/static/leaflet/leaflet.js", "/static/places/maps.js"]
    assert page.select_one('link[href="/static/leaflet/leaflet.css"]') is not None
    assert page.select_one('link[href="/static/places/maps.css"]') is not None


def test_home_map_explains_itself_without_javascript(client):
    page = parse(client.get("/"))
    fallback = page.select_one("#carte noscript")
    assert "La liste ci-dessous donne les mêmes lieux." in fallback.get_text()
    legend = page.select_one("#carte-legend")
    assert legend.h3.get_text(strip=True) == "Légende"
    items = [item.get_text(" ", strip=True) for item in legend.select("li")]
    assert "Fablab" in items
    assert len(items) == 15 + 1  # every kind, and the groups
    # Each kind has its own colour and shape: 15 distinct markers.
    markers = {str(item.svg) for item in legend.select("li") if item.svg}
    assert len(markers) == 15
    assert page.select_one("#carte").find_previous(
        "a", string=lambda s: s and "Passer la carte" in s
    )


def test_home_map_offers_every_overseas_departement(client):
    page = parse(client.get("/"))
    views = page.select_one("nav.map-views")
    links = {link.get_text(strip=True): link for link in views.select("a")}
    assert list(links) == [
        "France métropolitaine",
        "Guadeloupe",
        "Martinique",
        "Guyane",
        "La Réunion",
        "Mayotte",
    ]
    # Without JavaScript, a view is the territory's page; maps.js moves the map instead.
    assert links["La Réunion"]["href"] == "/territoires/departement/974/"
    assert links["La Réunion"]["data-bounds"] == "-21.39,55.21,-20.87,55.84"
    assert links["Guyane"]["data-map-id"] == "carte"


def test_home_search_box_and_list_link_work_without_javascript(client):
    page = parse(client.get("/"))
    search = page.select_one("form.search-bar")
    assert (search["action"], search["method"]) == ("/lieux/", "get")
    assert search.select_one("input")["name"] == "q"
    assert page.find("a", string="Voir la liste")["href"] == "/lieux/"


def test_demo_places_carry_a_visible_badge(client, place_paris, place_a):
    page = parse(client.get("/lieux/"))
    cards = {card.h3.a.get_text(): text(card.h3) for card in page.select(".card")}
    assert cards == {
        "La Fabrique": "La Fabrique",
        "Repair Café Belleville": "Repair Café Belleville démo",
    }
    detail = parse(client.get(f"/lieux/{place_paris.slug}/"))
    assert detail.select_one(".place-header .badge-demo").get_text() == "démo"
