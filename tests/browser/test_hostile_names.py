"""Place names written as HTML stay text on every page that shows them, maps included.

A place manager, or anyone who gets a row into an import, chooses the name of a place: if a
page let it through as HTML, a instance admin's visit would run the author's script.
"""

import pytest

from maillage.accounts.models import User
from tests.places.factories import make_place

pytestmark = pytest.mark.browser

# Each name tries another way out of the text: an element with a handler, an HTML comment that
# swallows the JSON-LD's closing tag, leaving an attribute, closing the script element.
HOSTILE_PLACES = [
    ("<img src=x onerror=alert(1)>", "64445", 43.2951, -0.3708),
    ("<!--<script>", "64348", 43.3333, -0.4347),
    ('"><svg onload=alert(1)>', "64024", 43.4850, -1.5195),
    ("</script><script>alert(1)</script>", "64102", 43.4929, -1.4748),
]
HOSTILE_NAMES = [name for name, *_ in HOSTILE_PLACES]
INJECTED = "img[src='x'], svg[onload], script:not([src]):not([type])"


@pytest.fixture
def hostile_places(site):
    return [
        make_place(name=name, kinds=["fablab"], insee_code=code, latitude=lat, longitude=lon)
        for name, code, lat, lon in HOSTILE_PLACES
    ]


@pytest.fixture
def dialogs(page) -> list[str]:
    """Messages of every alert, confirm or prompt the page opens (each is dismissed)."""
    opened: list[str] = []

    def record(dialog):
        opened.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", record)
    return opened


def injected(page) -> int:
    return page.locator(INJECTED).count()


def point_on_map(page, selector: str, lat: float, lon: float) -> tuple[float, float]:
    """Where the page shows (lat, lon) on the Leaflet map of `selector` (the last one built)."""
    page.locator(selector).scroll_into_view_if_needed()
    point = page.evaluate(
        "(latlng) => window.maillageMap.latLngToContainerPoint(latlng)", [lat, lon]
    )
    box = page.locator(selector).bounding_box()
    return box["x"] + point["x"], box["y"] + point["y"]


def popup_title(page, selector: str, lat: float, lon: float) -> str:
    """Centre the map on the marker at (lat, lon), click it and read its popup's title."""
    drawn = page.get_attribute(selector, "data-drawn")
    page.evaluate(
        "(latlng) => window.maillageMap.closePopup().setView(latlng, 14, {animate: false})",
        [lat, lon],
    )
    # A closed popup fades out for 200 ms before it leaves the page.
    page.wait_for_function("() => !document.querySelector('.leaflet-popup')")
    if drawn is not None:  # a map that asks for its view: wait for the new view's answer
        page.wait_for_function(
            "([selector, drawn]) => document.querySelector(selector).dataset.drawn !== drawn",
            arg=[selector, drawn],
        )
    page.mouse.click(*point_on_map(page, selector, lat, lon))
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    return popup.locator("a").first.text_content()


def test_place_pages_show_hostile_names_as_text(page, site, hostile_places, dialogs):
    for place, (name, _code, lat, lon) in zip(hostile_places, HOSTILE_PLACES, strict=True):
        page.goto(f"{site}/lieux/{place.slug}/")
        page.wait_for_selector("#carte-lieu[data-marker-count='1']")
        assert page.text_content("h1") == name
        assert page.text_content(".breadcrumb [aria-current=page]") == name
        # The marker's tooltip holds the name too: hover the marker to open it.
        page.mouse.move(*point_on_map(page, "#carte-lieu", lat, lon))
        tooltip = page.locator(".leaflet-tooltip")
        tooltip.wait_for()
        assert tooltip.text_content() == name
        assert tooltip.locator("*:not(span)").count() == 0
        # The whole page is still there after the JSON-LD (a comment would have swallowed it).
        assert page.locator("footer.site-footer").count() == 1
        assert injected(page) == 0
    assert dialogs == []


def test_maps_and_lists_show_hostile_names_as_text(page, site, hostile_places, dialogs):
    page.goto(f"{site}/")
    page.wait_for_selector("#carte[data-place-count='4']")
    for name, _code, lat, lon in HOSTILE_PLACES:
        assert popup_title(page, "#carte", lat, lon) == name
        assert injected(page) == 0

    page.goto(f"{site}/lieux/")
    titles = page.locator(".result-list .card h3 a").all_text_contents()
    assert sorted(titles) == sorted(HOSTILE_NAMES)
    # An htmx swap of the results inserts the names again.
    page.check("#f-kind-fablab")
    page.wait_for_url("**/lieux/?kind=fablab")
    page.wait_for_function("() => document.querySelectorAll('.result-list .card').length === 4")
    assert sorted(page.locator(".result-list .card h3 a").all_text_contents()) == sorted(
        HOSTILE_NAMES
    )
    assert injected(page) == 0

    page.goto(f"{site}/territoires/commune/64445/")
    page.wait_for_selector("#carte-territoire[data-marker-count='1']")
    page.wait_for_selector("#coverage table")  # the coverage section loaded by htmx
    name, _code, lat, lon = HOSTILE_PLACES[0]
    assert popup_title(page, "#carte-territoire", lat, lon) == name
    assert injected(page) == 0
    assert dialogs == []


def test_pages_of_an_admin_show_hostile_names_as_text(page, site, hostile_places, dialogs, sign_in):
    """The admin's own pages, where a script would act with the admin's rights."""
    admin = User.objects.create_user(
        "admin-reseau", password="x", is_instance_admin=True, is_staff=True, is_superuser=True
    )
    sign_in(admin)
    place = hostile_places[0]
    page.goto(f"{site}/lieux/{place.slug}/modifier/")
    assert page.input_value("#id_name") == HOSTILE_NAMES[0]
    page.goto(f"{site}/admin/places/place/")
    links = page.locator("#result_list tbody th a").all_text_contents()
    assert sorted(links) == sorted(HOSTILE_NAMES)
    assert injected(page) == 0
    assert dialogs == []
