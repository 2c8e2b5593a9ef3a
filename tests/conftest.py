"""Fixtures shared by the whole suite."""

import pytest


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load a few reference territories once per test database (the full file is tested apart)."""
    from tests.factories import load_reference_sample

    with django_db_blocker.unblock():
        load_reference_sample()
