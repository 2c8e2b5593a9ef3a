"""The three journeys of issue 2 in a real browser: the map, a search, open or closed."""

import pytest

from tests.places.factories import make_place

pytestmark = pytest.mark.browser

MARKER_COUNT = """() => {
    let count = 0;
    window.maillageMap.eachLayer((layer) => { if (layer instanceof L.CircleMarker) count += 1; });
    return count;
}"""


def test_home_map_shows_a_marker_per_place_with_a_popup(page, site):
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
    )
    page.goto(f"{site}/")
    page.wait_for_selector("#carte[data-marker-count]")
    assert page.get_attribute("#carte", "data-marker-count") == "3"
    assert page.evaluate(MARKER_COUNT) == 3
    assert page.text_content("#carte-status") == "3 lieux sur la carte."
    # Canvas markers have no element of their own: click where the map draws Paris.
    point = page.evaluate("() => window.maillageMap.latLngToContainerPoint([48.8566, 2.3522])")
    box = page.locator("#carte").bounding_box()
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
    link = page.locator(".leaflet-popup-content a").first
    assert link.text_content() == "Repair Café Belleville"
    assert link.get_attribute("href") == "/lieux/repair-cafe-belleville-paris/"
    assert "Repair café" in page.text_content(".leaflet-popup-content")


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
