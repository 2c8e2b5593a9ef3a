"""Fixtures of the planning tests: a clean cache, tasks run at once, places around Pau (see
planning_data.py for the communes of the reference sample).
"""

import pytest
from django.core.cache import cache

from tests.places.factories import make_place


@pytest.fixture(autouse=True)
def clean_cache():
    """Cached figures are keyed by the version of the data; a rolled-back test database can
    give a later test the same version with other places, so every test starts empty.
    """
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def fablab_pau():
    """An open fablab at the centre of Pau."""
    return make_place(name="La Fabrique", kinds=["fablab"])


@pytest.fixture
def coworking_lescar():
    """An open coworking at the centre of Lescar."""
    return make_place(
        name="Cowork Lescar",
        kinds=["coworking"],
        insee_code="64348",
        latitude=43.3333,
        longitude=-0.4347,
    )
