"""Browser tests: Playwright drives Debian's chromium against pytest-django's live server.

Nothing leaves the machine: every request to another host than the live server (the map tiles
above all) is aborted. The live server reads the test database from another thread, so these
tests use `transactional_db`, whose flush at the end of a test also removes the reference
territories of `django_db_setup`: each test loads them again first. (pytest-django runs
transactional tests after all the others, which keep their territories.)
"""

from pathlib import Path

import pytest
from django.db import connections

from tests.factories import load_reference_sample

CHROMIUM = Path("/usr/bin/chromium")
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
def page(site):
    """A chromium tab in French that reaches the live server only.

    Chromium starts per test, after the database is set up: Playwright's event loop must not
    be running while pytest-django prepares or flushes the database.
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
        tab = context.new_page()
        tab.on("pageerror", lambda error: errors.append(str(error)))
        yield tab
        # Queries made by the test while Playwright runs open a connection in Playwright's
        # context; close it here, or PostgreSQL refuses to drop the test database later.
        connections.close_all()
        browser.close()
    assert errors == [], f"JavaScript errors: {errors}"
