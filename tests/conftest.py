"""Fixtures shared by the whole suite."""

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

# Speed is measured in benchmarks/, never asserted in tests: Hypothesis's per-example deadline
# and its "too slow" health check are timing assertions that fail on a loaded machine.
hypothesis_settings.register_profile(
    "maillage", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.load_profile("maillage")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load a few reference territories once per test database (the full file is tested apart)."""
    from tests.territories.factories import load_reference_sample

    with django_db_blocker.unblock():
        load_reference_sample()


@pytest.fixture(scope="session", autouse=True)
def static_root(tmp_path_factory):
    """WhiteNoise warns (an error here) when STATIC_ROOT does not exist yet, as in a fresh clone.

    Session-wide because the live server of the browser tests builds its middleware once.
    """
    from django.conf import settings

    previous = settings.STATIC_ROOT
    settings.STATIC_ROOT = tmp_path_factory.mktemp("static")
    yield
    settings.STATIC_ROOT = previous


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """Passwords only need hashing in tests, not strength: keep the suite fast."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """On SQLite, the test database is a file rather than in memory, as in production (WAL,
    a write lock per database): the server processes of tests/concurrency.py can share it."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        name = tmp_path_factory.mktemp("database") / "test.sqlite3"
        database.setdefault("TEST", {})["NAME"] = str(name)


@pytest.fixture(scope="session")
def app_server(django_db_setup):
    """gunicorn serving the application on the test database, once for the session.

    See tests/concurrency.py: tests using it need `transactional_db` (the server sees committed
    rows only).
    """
    from django.db import connection

    from tests.concurrency import app_server_for

    with app_server_for(connection.settings_dict) as server:
        yield server


@pytest.fixture(autouse=True)
def french_after_each_test():
    """LocaleMiddleware activates the language of each request in the thread that serves it and
    leaves it active: after a test client request in English (`?lang=en`, Accept-Language), a
    test calling gettext directly would read English. Every test starts and ends in French."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
