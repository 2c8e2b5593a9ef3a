"""Fixtures shared by the whole suite."""

import pytest


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load a few reference territories once per test database (the full file is tested apart)."""
    from tests.factories import load_reference_sample

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
