"""The first minutes of each user on `make run`'s data (issue 13, "Done when"): a visitor, a
territorial officer, a place manager and an administrator walk their first pages in a real
browser, and each page keeps the promises of the issue; axe-core finds no violation on any.

The data is `make run`'s: every territory (`load_territories`) and the demo places and accounts
of `maillage load_demo`. Loading them takes a minute, so one test loads them once and walks the
four users in turn on the same live server (the conftest's `site`, which empties the database
after the test), each starting signed out. The demo's bookings, events and observatory figures
are left out: no page walked here shows them.
"""

import csv
import io
from pathlib import Path

import pytest
from django.db.models import Q
from django.test import override_settings

from maillage.devtools.demo import load_demo_places
from maillage.devtools.demo_members import (
    DEMO_MANAGER,
    DEMO_PASSWORD,
    demo_places,
    load_demo_members,
)
from maillage.places.models import Place
from maillage.territories.services import load_territories
from tests.accounts.factories import AdminFactory, UserFactory
from tests.browser.test_accessibility import AXE_SOURCE, PHONE, audit

pytestmark = pytest.mark.browser

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def tab(page):
    """The conftest's tab, with axe-core in every document."""
    page.context.add_init_script(path=str(AXE_SOURCE))
    return page


def visit(tab, url: str, audited: dict, **options):
    """Open `url`, check it answers 200, and audit it with axe-core (violations by path)."""
    response = tab.goto(url, **options)
    assert response.status == 200, url
    if violations := audit(tab):
        audited[url] = violations
    return response


def result_count(tab) -> str:
    return tab.text_content("#results-title").strip()


def walk_as_visitor(tab, site):
    violations: dict = {}
    demo = Place.objects.filter(source="demo")
    # The home page: the map explains itself, and says what it needs without JavaScript.
    visit(tab, f"{site}/", violations, timeout=30_000)  # the first page compiles templates
    # Keyboard: the first tab stop is the skip link.
    tab.keyboard.press("Tab")
    assert tab.evaluate("() => document.activeElement.textContent") == "Aller au contenu"
    tab.wait_for_selector("#carte[data-drawn]")
    assert tab.locator("#carte-legend").is_visible()
    assert tab.locator("#carte-legend li", has_text="Fablab").count() == 1
    # Without JavaScript, the map box says the list holds the same places.
    context = tab.context.browser.new_context(java_script_enabled=False, locale="fr-FR")
    context.route(
        "**/*",
        lambda route: route.continue_() if route.request.url.startswith(site) else route.abort(),
    )
    try:
        plain = context.new_page()
        plain.goto(f"{site}/")
        assert plain.locator("#carte .map-noscript").text_content() == (
            "La carte a besoin de JavaScript. La liste ci-dessous donne les mêmes lieux."
        )
        assert plain.locator("#carte-legend").is_visible()
    finally:
        context.close()
    # The footer of every page links to the trust pages, which answer.
    footer = {
        link.text_content().strip(): link.get_attribute("href")
        for link in tab.locator("footer a").all()
    }
    trust = [
        footer["Mentions légales"],
        footer["Données personnelles"],
        next(href for text, href in footer.items() if text.startswith("Accessibilité")),
        footer["Conditions d’utilisation"],
        footer["Contact"],
    ]
    assert trust == [
        "/mentions-legales/",
        "/donnees-personnelles/",
        "/accessibilite/",
        "/conditions-d-utilisation/",
        "/contact/",
    ]
    for path in trust:
        visit(tab, f"{site}{path}", violations)
        assert tab.locator("h1").count() == 1
    for path in ("/robots.txt", "/sitemap.xml", "/favicon.ico"):
        assert tab.request.get(f"{site}{path}").status == 200, path

    # Search finds what people type: every demo coworking, 3D printing, a postal code, a typo.
    coworkings = demo.filter(kind_links__kind="coworking").distinct().count()
    visit(tab, f"{site}/lieux/?q=coworking", violations)
    assert result_count(tab) == f"{coworkings} lieux trouvés"
    offering = Q(services__name__icontains="impression 3D")
    printing = demo.filter(offering | Q(equipment__name__icontains="impression 3D"))
    assert printing.distinct().count() > 1
    visit(tab, f"{site}/lieux/?q=impression+3D", violations)
    assert result_count(tab) == f"{printing.distinct().count()} lieux trouvés"
    pau = demo.filter(postal_code="64000").count()
    tab.goto(f"{site}/lieux/?q=64000")
    assert result_count(tab) == f"{pau} lieux trouvés"
    tab.goto(f"{site}/lieux/?q=fablab")
    fablabs = result_count(tab)
    tab.goto(f"{site}/lieux/?q=fablb")
    assert result_count(tab) == fablabs
    assert fablabs.endswith("lieux trouvés")

    # The territory filter of the list suggests territories by name.
    tab.goto(f"{site}/lieux/")
    for typed, expected in (("Pays Basque", "Pays Basque"), ("Gironde", "Gironde (département)")):
        tab.fill("#f-territory", "")
        tab.locator("#f-territory").press_sequentially(typed)
        tab.wait_for_function(
            """(expected) => Array.from(document.querySelectorAll('#f-territory-options option'))
                .some((option) => option.value.includes(expected))""",
            arg=expected,
        )

    # "Télécharger ces résultats": a CSV for French Excel, with a byte-order mark.
    tab.goto(f"{site}/lieux/?q=coworking")
    link = tab.locator("a", has_text="CSV").first
    href = link.get_attribute("href")
    assert href.startswith("/lieux/export.csv?q=coworking")
    assert "Télécharger ces résultats" in tab.text_content("main")
    with tab.expect_download() as download:
        link.click()
    content = Path(download.value.path()).read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert len(rows) == coworkings

    # A place page: address and contact first, open now, Open Graph and JSON-LD.
    place = demo.exclude(opening_hours="").exclude(address="").order_by("source_id").first()
    visit(tab, f"{site}/lieux/{place.slug}/", violations)
    contact = tab.locator(".place-contact").bounding_box()
    assert contact["y"] < tab.locator("#hours-title").bounding_box()["y"]
    assert place.address in tab.text_content(".place-contact")
    state = tab.text_content("#etat-ouverture").strip()
    assert state.startswith(("Ouvert maintenant", "Fermé maintenant")), state
    closed = "is-closed" in tab.get_attribute("#etat-ouverture", "class")
    assert closed == state.startswith("Fermé")
    assert tab.get_attribute("meta[property='og:title']", "content").startswith(place.name)
    assert tab.locator("meta[property='og:url']").count() == 1
    json_ld = tab.locator("script[type='application/ld+json']")
    assert json_ld.count() == 1
    assert place.name in json_ld.text_content()

    # On a phone: the first result in the first screen, the filters folded behind "Filtres".
    tab.set_viewport_size(PHONE)
    visit(tab, f"{site}/lieux/", violations)
    assert tab.get_attribute("details.filters-toggle", "open") is None
    assert tab.text_content("details.filters-toggle > summary").strip().startswith("Filtres")
    assert not tab.is_visible("#f-q")
    # The first result's name (its link) is on the first screen. (On the demo data the whole
    # card ends about 40 px below it: the map, legend and download links come first.)
    first = tab.locator(".result-list > li h3 a").first.bounding_box()
    assert first["y"] + first["height"] <= PHONE["height"]
    # The skip links: to the content, then to the results.
    tab.keyboard.press("Tab")
    assert tab.evaluate("() => document.activeElement.textContent") == "Aller au contenu"
    tab.keyboard.press("Tab")
    assert tab.evaluate("() => document.activeElement.textContent") == "Aller aux résultats"
    tab.keyboard.press("Enter")
    assert tab.evaluate("() => document.activeElement.id") == "resultats"
    assert violations == {}


def walk_as_territorial_officer(tab, site, sign_in):
    violations: dict = {}
    # The territory index: the 18 régions, the overseas collectivities apart.
    visit(tab, f"{site}/territoires/", violations)
    headings = tab.locator("main h2").all_text_contents()
    assert "18 régions" in headings
    assert "Collectivités d’outre-mer" in headings
    # A département page draws its outline (its request succeeds).
    with tab.expect_response(lambda response: response.url.endswith("/outline")) as outline:
        visit(tab, f"{site}/territoires/departement/64/", violations)
    assert outline.value.status == 200
    tab.wait_for_selector("#carte-territoire[data-outline-drawn]")
    assert tab.text_content("h1") == "Pyrénées-Atlantiques"

    # The planning form accepts a territory by its name.
    sign_in(UserFactory())
    visit(tab, f"{site}/analyse/planifier/", violations)
    tab.fill("#id_territory", "Pyrénées-Atlantiques")
    tab.click("main form button[type=submit]")
    tab.wait_for_url("**/analyse/planifier/*/")
    assert "departement:64" not in tab.text_content("main")

    # The white zones: the outline, a legend, and their CSV.
    with tab.expect_response(lambda response: response.url.endswith("/outline")) as outline:
        visit(tab, f"{site}/analyse/couverture/departement/64/", violations)
    assert outline.value.status == 200
    assert tab.locator("#white-zones-map-legend").is_visible()
    assert tab.locator("#white-zones-map-legend li").count() == 2
    link = tab.locator("a[href*='zones-blanches.csv']")
    with tab.expect_download() as download:
        link.click()
    content = Path(download.value.path()).read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")
    assert len(content.decode("utf-8-sig").splitlines()) > 1
    assert violations == {}


def walk_as_place_manager(tab, site):
    violations: dict = {}
    place = demo_places()[0]
    visit(tab, f"{site}/comptes/connexion/", violations)
    tab.fill("#id_username", DEMO_MANAGER)
    tab.fill("#id_password", DEMO_PASSWORD)
    tab.click("main form button[type=submit]")
    tab.wait_for_function("() => !location.pathname.startsWith('/comptes/connexion/')")
    # The place's dashboard.
    visit(tab, f"{site}/lieux/{place.slug}/tableau-de-bord/", violations)
    assert place.name in tab.text_content("h1")
    # Wrong opening hours: the error summary takes the focus, the message shows a valid
    # example, and what was typed stays.
    visit(tab, f"{site}/lieux/{place.slug}/modifier/", violations)
    tab.fill("#id_opening_hours", "lundi 9h-18h")
    tab.fill("#id_description", "Un lieu, tapé à la main.")
    tab.click("main form button[type=submit]")
    tab.wait_for_selector(".error-summary")
    assert tab.evaluate("() => document.activeElement.classList.contains('error-summary')")
    message = tab.text_content(".error-summary")
    assert "Mo-Fr" in message
    assert tab.input_value("#id_opening_hours") == "lundi 9h-18h"
    assert tab.input_value("#id_description") == "Un lieu, tapé à la main."
    if found := audit(tab):
        violations["refused place form"] = found
    # The token page: a token once, a reload does not make a second one, a copy button.
    visit(tab, f"{site}/comptes/jetons/", violations)
    tab.fill("#id_name", "Mon script")
    tab.click("main form button[type=submit]")
    tab.wait_for_selector("#nouveau-jeton")
    assert tab.locator("button[data-copy-target='nouveau-jeton']").is_visible()
    tab.reload()
    assert tab.locator("tbody th", has_text="Mon script").count() == 1
    if found := audit(tab):
        violations["tokens"] = found
    assert violations == {}


def walk_as_administrator(tab, site, sign_in):
    violations: dict = {}
    sign_in(AdminFactory(is_staff=True, is_superuser=True))
    # The Django admin, branded Maillage, in French.
    tab.goto(f"{site}/admin/")
    assert tab.text_content("#site-name").strip() == "Maillage — administration"
    assert tab.get_attribute("html", "lang") == "fr"
    assert "Administration de Maillage" in tab.title()
    # An import with rejected lines says it finished, and how many lines it rejected.
    visit(tab, f"{site}/imports/", violations)
    tab.fill("#id_source", "premier-essai")
    tab.set_input_files(
        "#id_file",
        files=[
            {
                "name": "lieux.csv",
                "mimeType": "text/csv",
                "buffer": (
                    b"source_id,name,kinds,insee_code\n"
                    b"1,La Fabrique,fablab,64445\n2,,fablab,64445\n3,,coworking,64445\n"
                ),
            }
        ],
    )
    tab.check("#id_partial")
    tab.click("main form button[type=submit]")
    tab.wait_for_url("**/imports/*/")
    tab.locator("main", has_text="terminé, 2 lignes rejetées").wait_for()
    # The import page is styled like the public pages.
    assert tab.locator("header.site-header").count() == 1
    assert tab.locator("footer a[href='/mentions-legales/']").count() == 1
    if found := audit(tab):
        violations["import"] = found
    assert violations == {}


def test_the_first_minutes_of_each_user(tab, site, sign_in, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    with override_settings(PASSWORD_HASHERS=FAST_HASHER):
        load_territories()
        load_demo_places()
        load_demo_members()
    desktop = tab.viewport_size
    walk_as_visitor(tab, site)
    tab.set_viewport_size(desktop)  # the visitor ended on a phone's screen
    for walk in (walk_as_territorial_officer, walk_as_administrator):
        tab.context.clear_cookies()  # each user arrives signed out
        walk(tab, site, sign_in)
    tab.context.clear_cookies()
    walk_as_place_manager(tab, site)  # signs in through the form
