"""Territory fields in a real browser: htmx suggests territories as one types, at every level,
on the list, the territory index, the planning form and the coverage page; without JavaScript
the same forms resolve the name typed, and an ambiguous one lists the territories to choose."""

import pytest

from tests.accounts.factories import UserFactory
from tests.places.factories import make_place

pytestmark = pytest.mark.browser


def options(page, datalist: str) -> list[str]:
    return page.eval_on_selector_all(f"#{datalist} option", "nodes => nodes.map(n => n.value)")


def wait_for_options(page, datalist: str, count: int) -> None:
    page.wait_for_function(
        f"() => document.querySelectorAll('#{datalist} option').length === {count}"
    )


def test_list_filter_suggests_territories_and_filters_by_the_one_chosen(page, site):
    make_place(name="La Fabrique", kinds=["fablab"])
    make_place(name="Tiers-lieu Paris", insee_code="75056", latitude=48.85, longitude=2.35)
    page.goto(f"{site}/lieux/")
    page.locator("#f-territory").press_sequentially("Pa")
    wait_for_options(page, "f-territory-options", 4)
    assert options(page, "f-territory-options") == [
        "Paris (département)",
        "Paris (75)",
        "Pau (64)",
        "CA Pau Béarn Pyrénées (EPCI)",
    ]
    # Choosing a suggestion puts its value in the field; the form follows on its change.
    page.fill("#f-territory", "Pau (64)")
    page.dispatch_event("#f-territory", "change")
    page.wait_for_function("() => document.querySelectorAll('.result-list .card').length === 1")
    assert page.locator(".result-list .card h3 a").all_text_contents() == ["La Fabrique"]
    assert page.url.endswith("/lieux/?territory=Pau%20(64)")  # what htmx pushed: shareable
    # The commune field of "near" suggests communes only.
    page.locator("#f-near-commune").press_sequentially("pa")
    wait_for_options(page, "f-near-commune-options", 2)
    assert options(page, "f-near-commune-options") == ["Paris (75)", "Pau (64)"]


def test_territory_index_suggests_and_goes_to_the_territory(page, site):
    page.goto(f"{site}/territoires/")
    page.locator("#territory-q").press_sequentially("pyré")
    wait_for_options(page, "territory-q-options", 2)
    assert options(page, "territory-q-options") == [
        "Pyrénées-Atlantiques (département)",
        "CA Pau Béarn Pyrénées (EPCI)",
    ]
    page.fill("#territory-q", "Pyrénées-Atlantiques (département)")
    page.click("form[role=search] button[type=submit]")
    page.wait_for_url("**/territoires/departement/64/")
    assert page.text_content("h1") == "Pyrénées-Atlantiques"


def test_plan_form_and_coverage_page_suggest_territories(page, site, sign_in):
    sign_in(UserFactory())
    page.goto(f"{site}/analyse/planifier/")
    page.locator("#id_territory").press_sequentially("nouvelle")
    wait_for_options(page, "id_territory-options", 1)
    assert options(page, "id_territory-options") == ["Nouvelle-Aquitaine (région)"]
    page.goto(f"{site}/analyse/couverture/departement/64/")
    page.locator("#coverage-territory").press_sequentially("lesc")
    wait_for_options(page, "coverage-territory-options", 1)
    assert options(page, "coverage-territory-options") == ["Lescar (64)"]
    page.click("form[action='/analyse/couverture/'] button[type=submit]")
    page.wait_for_url("**/analyse/couverture/commune/64348/")


def test_without_javascript_a_name_is_resolved_or_offered_to_choose(page, site):
    make_place(name="La Fabrique", kinds=["fablab"])
    context = page.context.browser.new_context(java_script_enabled=False, locale="fr-FR")
    context.route(
        "**/*",
        lambda route: route.continue_() if route.request.url.startswith(site) else route.abort(),
    )
    tab = context.new_page()
    try:
        # The territory index: a name several territories answer lists them; one is chosen.
        tab.goto(f"{site}/territoires/")
        tab.fill("#territory-q", "pa")
        tab.click("form[role=search] button[type=submit]")
        tab.wait_for_url("**/territoires/?q=pa")
        assert tab.locator("ul.territory-choices a").all_text_contents() == [
            "Paris",
            "Paris",
            "Pau",
            "CA Pau Béarn Pyrénées",
        ]
        tab.click("ul.territory-choices a >> text=Pau")
        tab.wait_for_url("**/territoires/commune/64445/")
        # The list: an ambiguous name is an error with the candidates as links.
        tab.goto(f"{site}/lieux/")
        tab.fill("#f-territory", "pa")
        tab.click("form#filtres .actions button[type=submit]")
        assert "Plusieurs territoires répondent à « pa »" in tab.text_content("#resultats")
        tab.click("#resultats .territory-choices a >> text=Pau (64)")
        tab.wait_for_url("**/lieux/?territory=commune%3A64445")
        assert tab.input_value("#f-territory") == "Pau (64)"
        assert tab.locator(".result-list .card h3 a").all_text_contents() == ["La Fabrique"]
        # A name that says one territory filters at once.
        tab.goto(f"{site}/lieux/?territory=pyrenees+atlantiques")
        assert tab.input_value("#f-territory") == "Pyrénées-Atlantiques (département)"
        assert tab.locator(".result-list .card h3 a").all_text_contents() == ["La Fabrique"]
    finally:
        context.close()
