"""The project's settings plus the test-only app of tests/capacity_app (models, URLs).

pytest uses them (pyproject.toml), and so does the server of tests/concurrency.py, so that the
server has the test app's tables and endpoints too.
"""

from maillage.settings import *  # noqa: F403 - the test settings are the project's, extended

INSTALLED_APPS = [*INSTALLED_APPS, "tests.capacity_app"]  # noqa: F405
ROOT_URLCONF = "tests.urls"
