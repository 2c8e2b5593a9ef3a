"""A 390 px phone and a keyboard: the list's first result in the first screen (filters folded
behind « Filtres »), the place page's address and contact first, hours that do not wrap mid-range,
a navigation that fits; « Aller aux résultats »; the error summary takes the focus."""

import pytest

from tests.places.factories import make_place

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
NO_SIDEWAYS_SCROLL = "() => document.documentElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def phone(page):
    page.set_viewport_size(PHONE)
    return page


@pytest.fixture
def places():
    return [
        make_place(
            name="La Fabrique",
            kinds=["fablab"],
            address="12 rue des Cordeliers",
            postal_code="64000",
            description="Un fablab au centre de Pau. " * 20,
            opening_hours="Mo-Fr 09:00-12:30,14:00-18:30; Sa 10:00-17:00",
            phone="+33559000000",
            email="contact@fabrique.example",
        ),
        make_place(
            name="Cowork Lescar",
            kinds=["coworking"],
            insee_code="64348",
            latitude=43.3333,
            longitude=-0.4347,
        ),
        # Shaped like the demo's first card of the list (`load_demo`): a long name with its
        # « démo » badge, several kinds, a long description and services.
        make_place(
            name="Atelier de fabrication numérique et repair café de Billère-Lons",
            kinds=["fablab", "repair_cafe", "makerspace", "digital_inclusion"],
            description="Découpe laser, impression 3D, réparation de petit électroménager. " * 12,
            services=["Impression 3D", "Réparation", "Médiation numérique", "Formation"],
            opening_hours="Mo-Fr 09:00-18:00",
            source="demo",
            source_id="demo-001",
        ),
    ]


def test_list_shows_its_first_result_in_the_first_screen(phone, site, places):
    phone.goto(f"{site}/lieux/")
    assert phone.evaluate(NO_SIDEWAYS_SCROLL)
    assert phone.get_attribute("details.filters-toggle", "open") is None
    assert not phone.is_visible("#filtres")
    first = phone.locator(".result-list > li").first
    assert "Billère-Lons" in first.inner_text()
    box = first.bounding_box()
    assert box["y"] + box["height"] <= PHONE["height"]
    # The filters open from their summary, without JavaScript of ours.
    phone.click("details.filters-toggle > summary")
    assert phone.is_visible("#f-q")


def test_filters_stay_open_on_a_wide_screen_and_when_some_are_set(page, site, places):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{site}/lieux/")
    assert page.is_visible("#f-q")
    assert not page.is_visible("details.filters-toggle > summary")
    page.set_viewport_size(PHONE)
    page.goto(f"{site}/lieux/?kind=fablab")
    assert page.get_attribute("details.filters-toggle", "open") == ""
    assert page.is_visible("#f-q")


def test_the_navigation_fits_a_phone(phone, site):
    phone.goto(f"{site}/")
    assert phone.evaluate(NO_SIDEWAYS_SCROLL)
    rights = phone.eval_on_selector_all(
        ".main-nav a, .main-nav button, .lang-switch button",
        "(items) => items.map((item) => item.getBoundingClientRect().right)",
    )
    assert rights and max(rights) <= PHONE["width"]
    height = phone.locator(".site-header").bounding_box()["height"]
    assert height <= 200


def test_place_page_starts_with_address_and_contact(phone, site, places):
    phone.goto(f"{site}/lieux/{places[0].slug}/")
    assert phone.evaluate(NO_SIDEWAYS_SCROLL)
    contact = phone.locator(".place-contact").bounding_box()
    hours = phone.locator("#hours-title").bounding_box()
    assert contact["y"] < hours["y"]
    address = phone.get_by_text("12 rue des Cordeliers").bounding_box()
    assert address["y"] + address["height"] <= PHONE["height"]
    assert phone.locator(".place-contact a[href^='tel:']").bounding_box()["y"] <= PHONE["height"]


def test_hour_ranges_do_not_wrap_in_the_middle(phone, site, places):
    phone.goto(f"{site}/lieux/{places[0].slug}/")
    lines = phone.eval_on_selector_all(
        "td .nowrap", "(ranges) => ranges.map((range) => range.getClientRects().length)"
    )
    assert lines and set(lines) == {1}


def test_skip_to_results_link(page, site, places):
    page.goto(f"{site}/lieux/")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent") == "Aller au contenu"
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent") == "Aller aux résultats"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "resultats"


def test_a_refused_form_moves_the_focus_to_its_error_summary(page, site):
    page.goto(f"{site}/comptes/inscription/")
    page.click("main button[type=submit]")
    page.wait_for_selector(".error-summary")
    assert page.evaluate("() => document.activeElement.classList.contains('error-summary')")
    links = page.eval_on_selector_all(".error-summary a", "(links) => links.map((a) => a.hash)")
    assert "#id_email" in links
    page.click(".error-summary a[href='#id_email']")
    assert page.evaluate("() => document.activeElement.id") == "id_email"
