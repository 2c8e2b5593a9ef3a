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


def test_home_map_reads_the_compact_geojson_with_local_leaflet(client):
    page = parse(client.get("/"))
    map_element = page.select_one("#carte.js-map")
    assert map_element["data-geojson-url"] == "/api/v1/places.geojson?compact=1"
    assert map_element["data-tiles-url"] == "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    scripts = [script.get("src") for script in page.find_all("script") if script.get("src")]
    assert scripts == ["/static/leaflet/leaflet.js", "/static/places/maps.js"]
    assert page.select_one('link[href="/static/leaflet/leaflet.css"]') is not None


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
