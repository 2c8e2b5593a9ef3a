"""The admin's system checks still check every ModelAdmin, although the admin modules are no
longer imported at start-up (maillage.common.admin_config, issue 14)."""

import pytest
from django.contrib.messages.middleware import MessageMiddleware
from django.core import checks

from tests.common.test_settings import PRODUCTION_ENV, run_maillage

BROKEN = {"DJANGO_SETTINGS_MODULE": "tests.broken_admin_app.settings"}


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (("check",), BROKEN),
        # Without the URL checks, which load the URL configuration and so the admin too.
        (("check", "--tag", "admin"), BROKEN),
        (("check", "--deploy"), {**PRODUCTION_ENV, **BROKEN}),
    ],
    ids=["check", "check --tag admin", "check --deploy in production"],
)
def test_check_imports_the_admin_modules_and_reports_a_broken_model_admin(args, env):
    result = run_maillage(*args, env=env)
    assert result.returncode == 1
    assert result.stderr.count("admin.E108") == 1, result.stderr


def test_the_project_admin_passes_its_checks():
    result = run_maillage("check", "--tag", "admin", env={})
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_the_admin_dependency_checks_still_run(settings):
    middleware = f"{MessageMiddleware.__module__}.{MessageMiddleware.__name__}"
    settings.MIDDLEWARE = [name for name in settings.MIDDLEWARE if name != middleware]
    errors = checks.run_checks(tags=[checks.Tags.admin])
    assert "admin.E409" in {error.id for error in errors}


def test_the_web_server_has_the_admin_before_it_forks():
    """Start-up registers no ModelAdmin; the server's `when_ready`, which loads the URL
    configuration, registers them all."""
    code = (
        "from django.contrib import admin; from maillage import gunicorn_conf; "
        "from maillage.places.models import Place; "
        "print(admin.site.is_registered(Place)); "
        "gunicorn_conf.when_ready(None); "
        "print(admin.site.is_registered(Place))"
    )
    result = run_maillage("shell", "--no-imports", "-c", code, env={})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True"]
