"""The project's settings (development or production, as MAILLAGE_ENV says) plus the app with a
broken ModelAdmin."""

from maillage.settings import *  # noqa: F403 - the project's settings, extended

INSTALLED_APPS = [*INSTALLED_APPS, "tests.broken_admin_app"]  # noqa: F405
