"""axe-core on every page the accessibility statement lists (maillage.legal.content.AUDITED_PAGES):
0 violations of the WCAG 2.1 A and AA rules, in French, at a desktop width and at 390 px.

axe-core comes from the axe-playwright-python package (its `axe.min.js`), added to each document
as an init script: Playwright injects it through the DevTools protocol, outside the page's
Content-Security-Policy, which the tests keep checking (`page` fails on any violation).
"""

from pathlib import Path

import axe_playwright_python
import pytest

from maillage.legal.content import AUDITED_PAGES
from tests.accounts.factories import UserFactory
from tests.places.factories import make_place

pytestmark = pytest.mark.browser

AXE_SOURCE = Path(axe_playwright_python.__file__).parent / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
RUN_AXE = """async (tags) => {
    const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
    return result.violations.map((violation) => [
        violation.id, violation.impact, violation.nodes.map((node) => node.target.join(" "))
    ]);
}"""
PHONE = {"width": 390, "height": 844}


def audit(page) -> list:
    page.wait_for_load_state("load")
    return page.evaluate(RUN_AXE, WCAG_TAGS)


@pytest.fixture
def axe_page(page):
    page.context.add_init_script(path=str(AXE_SOURCE))
    return page


@pytest.fixture
def audited_paths(sign_in):
    place = make_place(
        name="La Fabrique",
        kinds=["fablab"],
        description="Un fablab au centre de Pau.",
        opening_hours="Mo-Fr 09:00-12:30,14:00-18:00",
        email="contact@fabrique.example",
        phone="+33559000000",
    )
    sign_in(UserFactory())  # the token page needs an account; the others look the same
    return [audited.path.replace("<lieu>", place.slug) for audited in AUDITED_PAGES]


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, PHONE], ids=["1280", "390"])
def test_every_audited_page_has_no_axe_violation(axe_page, site, audited_paths, viewport):
    axe_page.set_viewport_size(viewport)
    found = {}
    for path in audited_paths:
        response = axe_page.goto(f"{site}{path}")
        assert response.status == 200, path
        if violations := audit(axe_page):
            found[path] = violations
    assert found == {}


def test_a_refused_form_is_audited_too(axe_page, site):
    """The error summary and the fields in error, on the sign-up form."""
    axe_page.goto(f"{site}/comptes/inscription/")
    axe_page.click("main button[type=submit]")
    axe_page.wait_for_selector(".error-summary")
    assert audit(axe_page) == []
