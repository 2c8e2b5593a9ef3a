"""Maps that explain themselves (issue 13 §2) and ask only for what they show (issue 14 §3):
groups and kind markers with a legend, keyboard access, « près de moi », the overseas views,
the map box without JavaScript."""

import pytest

from tests.places.factories import make_place

pytestmark = pytest.mark.browser

CIRCLES = """() => {
    let count = 0;
    window.maillageMap.eachLayer((layer) => { if (layer instanceof L.Circle) count += 1; });
    return count;
}"""


@pytest.fixture
def places(site):
    return [
        make_place(name="La Fabrique", kinds=["fablab"]),
        make_place(
            name="Cowork Lescar",
            kinds=["coworking"],
            insee_code="64348",
            latitude=43.3333,
            longitude=-0.4347,
        ),
        make_place(
            name="Tiers-lieu Saint-Denis",
            kinds=["cultural"],
            insee_code="",
            latitude=-20.8821,
            longitude=55.4504,
        ),
    ]


def test_home_map_shows_its_legend_groups_and_overseas_views(page, site, places):
    page.goto(f"{site}/", timeout=30_000)  # the live server's first page compiles its templates
    page.wait_for_selector("#carte[data-drawn]")
    legend = page.locator("#carte-legend")
    assert legend.is_visible()
    assert legend.locator("li").count() == 16
    assert legend.locator("li", has_text="Fablab").locator("svg").count() == 1
    # Pau and Lescar are one group at the national zoom; La Réunion is off this view.
    group = page.locator("#carte .map-cluster")
    assert group.count() == 1
    assert group.text_content() == "2"
    assert page.get_attribute("#carte", "data-place-count") == "2"
    # The overseas view moves the map there and asks for its places.
    drawn = page.get_attribute("#carte", "data-drawn")
    page.click("nav.map-views a:text('La Réunion')")
    page.wait_for_function(
        "(drawn) => document.getElementById('carte').dataset.drawn !== drawn", arg=drawn
    )
    assert page.url == f"{site}/"  # the map moved; the page did not change
    page.locator("#carte .map-marker[title^='Tiers-lieu Saint-Denis']").wait_for()
    assert page.get_attribute("#carte", "data-place-count") == "1"


def test_keyboard_users_reach_groups_and_the_list(page, site, places):
    page.goto(f"{site}/")
    page.wait_for_selector("#carte[data-drawn]")
    # A group is a button with a name: Enter zooms in on it.
    group = page.locator("#carte .map-cluster")
    assert group.get_attribute("role") == "button"
    assert group.get_attribute("tabindex") == "0"
    drawn = page.get_attribute("#carte", "data-drawn")
    zoom = page.evaluate("() => window.maillageMap.getZoom()")
    group.focus()
    page.keyboard.press("Enter")
    page.wait_for_function(
        "(drawn) => document.getElementById('carte').dataset.drawn !== drawn", arg=drawn
    )
    assert page.evaluate("() => window.maillageMap.getZoom()") == zoom + 2
    # The list holds the same places: the home page links to it before the map, and the list
    # page's first tab stop skips to the results.
    skip = page.locator("a", has_text="Passer la carte")
    assert skip.get_attribute("href") == "/lieux/"
    page.goto(f"{site}/lieux/")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent") == "Aller au contenu"
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent") == "Aller aux résultats"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "resultats"
    # Past the download links, the first result.
    for _ in range(6):
        page.keyboard.press("Tab")
        if page.evaluate("() => !!document.activeElement.closest('.result-list')"):
            break
    assert page.evaluate("() => document.activeElement.textContent") == "Cowork Lescar"


def test_near_me_uses_the_browsers_location_and_draws_the_circle(page, site, places):
    page.context.grant_permissions(["geolocation"], origin=site)
    page.context.set_geolocation({"latitude": 43.30, "longitude": -0.37})
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{site}/lieux/")
    page.wait_for_selector("#carte-resultats[data-drawn]")
    assert page.evaluate(CIRCLES) == 0
    page.click("#geolocate-button")
    page.wait_for_url("**/lieux/?near=43.30000%2C-0.37000")
    page.wait_for_function("() => document.querySelectorAll('.result-list .card').length === 2")
    assert page.locator(".result-list .card h3 a").all_text_contents() == [
        "La Fabrique",
        "Cowork Lescar",
    ]
    page.wait_for_function(f"() => ({CIRCLES})() === 1")
    # The view is the search's circle (10 km by default) around the browser's position.
    centre = page.evaluate("() => window.maillageMap.getCenter()")
    assert centre["lat"] == pytest.approx(43.30, abs=0.01)
    assert centre["lng"] == pytest.approx(-0.37, abs=0.01)
    # Reloaded, the page draws the same circle from its own attributes.
    page.reload()
    page.wait_for_function(f"() => ({CIRCLES})() === 1")


def test_near_me_refused_says_what_to_do_instead(page, site, places):
    page.context.clear_permissions()
    page.goto(f"{site}/lieux/")
    page.click("#geolocate-button")
    message = page.locator("#geolocate-message")
    message.locator("text=saisissez plutôt une commune").wait_for()
    assert "refusé" in message.text_content() or "pas disponible" in message.text_content()
    assert page.url == f"{site}/lieux/"


def test_without_javascript_the_map_box_points_to_the_list(page, site, places):
    context = page.context.browser.new_context(java_script_enabled=False, locale="fr-FR")
    try:
        tab = context.new_page()
        tab.goto(f"{site}/")
        assert tab.locator("#carte .map-noscript").text_content() == (
            "La carte a besoin de JavaScript. La liste ci-dessous donne les mêmes lieux."
        )
        assert tab.locator("#carte-legend").is_visible()
        tab.goto(f"{site}/lieux/")
        assert tab.locator("#carte-resultats .map-noscript").is_visible()
        assert not tab.locator("#geolocate-button").is_visible()  # needs the browser's location
        assert tab.locator(".result-list .card").count() == 3
    finally:
        context.close()
