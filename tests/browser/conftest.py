"""Browser tests: Playwright drives Debian's chromium against pytest-django's live server.

Nothing leaves the machine: every request to another host than the live server (the map tiles
above all) is aborted, after the browser has checked it against the Content-Security-Policy.
Every test fails if the policy blocked anything on any page it visited (see `page`); wait
conditions are therefore written as functions (`"() => …"`): Playwright evaluates a bare
expression with `eval`, which the policy forbids.

The live server reads the test database from another thread, so these tests use
`transactional_db`, whose flush at the end of a test also removes the reference territories of
`django_db_setup`: each test loads them again first. (pytest-django runs transactional tests
after all the others, which keep their territories.)
"""

from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client

from tests.territories.factories import load_reference_sample

CHROMIUM = Path("/usr/bin/chromium")
# Reports every violation of the Content-Security-Policy to the test, from the start of each
# document (before any script of the page runs).
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportCspViolation([
    event.documentURI, event.effectiveDirective, event.blockedURI || "inline",
    `${event.sourceFile}:${event.lineNumber}`, event.sample
  ].join(" | "));
});
"""
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def site(transactional_db, live_server, monkeypatch):
    """The live server's base URL, with an empty directory over the reference territories."""
    # Playwright's sync API runs an event loop in the test thread, where Django refuses database
    # access unless told it is safe (it is: the loop is Playwright's). Only for these tests: a
    # process that inherits the variable fails `check --deploy`.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    load_reference_sample()
    return live_server.url


@pytest.fixture
def csp_violations() -> list[str]:
    """What the Content-Security-Policy blocked in the tab of `page`, as the browser said it."""
    return []


@pytest.fixture
def page(site, csp_violations):
    """A chromium tab in French that reaches the live server only.

    Chromium starts per test, after the database is set up: Playwright's event loop must not
    be running while pytest-django prepares or flushes the database. The test fails at the end
    if a script raised an error or the Content-Security-Policy blocked anything.
    """
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make setup-browser` installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    def local_only(route):
        if route.request.url.startswith(site):
            route.continue_()
        else:
            route.abort()

    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris")
        context.set_default_timeout(10_000)
        context.route("**/*", local_only)

        def report_csp_violation(text: str) -> None:  # Playwright cannot expose list.append
            csp_violations.append(text)

        context.expose_function("reportCspViolation", report_csp_violation)
        context.add_init_script(CSP_LISTENER)
        tab = context.new_page()
        tab.on("pageerror", lambda error: errors.append(str(error)))
        tab.on("console", lambda message: _record_csp_message(message, csp_violations))
        yield tab
        # Queries made by the test while Playwright runs open a connection in Playwright's
        # context; close it here, or PostgreSQL refuses to drop the test database later.
        connections.close_all()
        browser.close()
    assert errors == [], f"JavaScript errors: {errors}"
    assert csp_violations == [], f"Content-Security-Policy violations: {csp_violations}"


def _record_csp_message(message, violations: list[str]) -> None:
    # Chromium also writes each refusal on the console: a second witness, in plain words.
    if message.type == "error" and "Content Security Policy" in message.text:
        violations.append(f"console: {message.text}")


@pytest.fixture
def sign_in(page, site):
    """Sign `user` in for the tab, through a session made on the server (no login form)."""

    def sign_in_as(user) -> None:
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        page.context.add_cookies(
            [{"name": cookie.key, "value": cookie.value, "url": site, "httpOnly": True}]
        )

    return sign_in_as
