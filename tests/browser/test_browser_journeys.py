"""The three journeys of issue 2 in a real browser: the map, a search, open or closed."""

import pytest

from tests.places.factories import make_place

pytestmark = pytest.mark.browser


def test_home_map_shows_groups_and_places_with_a_popup(page, site):
    make_place(name="La Fabrique", kinds=["fablab"])
    make_place(
        name="Cowork Lescar",
        kinds=["coworking"],
        insee_code="64348",
        latitude=43.3333,
        longitude=-0.4347,
    )
    make_place(
        name="Repair Café Belleville",
        kinds=["repair_cafe"],
        insee_code="75056",
        latitude=None,
        longitude=None,
        opening_hours="24/7",
    )
    page.goto(f"{site}/", timeout=30_000)  # the live server's first page compiles its templates
    page.wait_for_selector("#carte[data-place-count='3']")
    # At the national zoom Pau and Lescar (6 km apart) are one group of 2; Paris is a place.
    assert page.get_attribute("#carte", "data-cluster-count") == "1"
    assert page.get_attribute("#carte", "data-marker-count") == "2"
    group = page.locator("#carte .map-cluster")
    assert group.text_content() == "2"
    assert group.get_attribute("title") == (
        "2 lieux : 1 Espace de coworking, 1 Fablab. Zoomer sur ce groupe"
    )
    assert page.text_content("#carte-status") == "3 lieux dans cette vue de la carte."
    # The place's marker has its kind's shape; its popup says kind, commune, open now, link.
    marker = page.locator("#carte .map-marker[title^='Repair Café Belleville']")
    assert marker.get_attribute("title") == "Repair Café Belleville — Repair café"
    marker.click()
    popup = page.locator(".leaflet-popup-content")
    link = popup.locator("a").first
    assert link.text_content() == "Repair Café Belleville"
    assert link.get_attribute("href") == "/lieux/repair-cafe-belleville-paris/"
    assert "Repair café" in popup.text_content()
    popup.locator(".map-popup-status", has_text="Ouvert maintenant").wait_for()
    assert popup.locator(".map-popup-city").text_content() == "Paris"
    # A click on the group zooms in two levels, where its places are apart (cells of 64 px,
    # about 20 km at zoom 8).
    page.locator("#carte .leaflet-popup-close-button").click()
    page.wait_for_function("() => !document.querySelector('.leaflet-popup')")
    # (The popup may have panned the map to show itself: centre it on Pau again.)
    page.evaluate("() => window.maillageMap.setView([43.31, -0.40], 6, {animate: false})")
    page.locator("#carte .map-cluster").click()
    page.wait_for_function("() => window.maillageMap.getZoom() === 8")
    page.locator("#carte .map-marker[title^='Cowork Lescar']").wait_for()
    page.locator("#carte .map-marker[title^='La Fabrique']").wait_for()


def test_search_filters_the_list_without_reloading(page, site):
    make_place(name="La Fabrique", kinds=["fablab"])
    make_place(
        name="Cowork Lescar",
        kinds=["coworking"],
        insee_code="64348",
        latitude=43.3333,
        longitude=-0.4347,
    )
    page.goto(f"{site}/lieux/")
    titles = page.locator(".result-list .card h3 a")
    assert titles.all_text_contents() == ["Cowork Lescar", "La Fabrique"]
    page.evaluate("() => { window.sameDocument = true; }")
    page.fill("#f-q", "fabrique")
    page.wait_for_url("**/lieux/?q=fabrique")
    page.wait_for_function("() => document.querySelectorAll('.result-list .card').length === 1")
    assert titles.all_text_contents() == ["La Fabrique"]
    assert page.text_content("#results-title").strip() == "1 lieu trouvé"
    # htmx swapped the results in place: the page was not reloaded.
    assert page.evaluate("() => window.sameDocument") is True
    page.wait_for_function(
        "() => document.getElementById('carte-resultats').dataset.markerCount === '1'"
    )
    page.fill("#f-q", "")
    page.check("#f-kind-coworking")
    page.wait_for_url("**/lieux/?kind=coworking")
    page.wait_for_function("() => document.querySelectorAll('.result-list .card').length === 1")
    assert titles.all_text_contents() == ["Cowork Lescar"]


def test_place_page_says_whether_it_is_open_now(page, site):
    always = make_place(name="Le Phare", kinds=["coworking"], opening_hours="24/7")
    never = make_place(name="La Remise", kinds=["tool_library"], opening_hours="Mo-Su off")
    page.goto(f"{site}/lieux/{always.slug}/")
    assert page.text_content("#etat-ouverture").strip() == "Ouvert maintenant"
    page.wait_for_selector("#carte-lieu[data-marker-count='1']")
    page.goto(f"{site}/lieux/{never.slug}/")
    assert page.text_content("#etat-ouverture").strip() == "Fermé maintenant"
    assert "is-closed" in page.get_attribute("#etat-ouverture", "class")
