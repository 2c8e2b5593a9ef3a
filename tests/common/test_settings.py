"""Settings: laptop defaults, and production hardening that passes Django's deploy checks."""

import os
import subprocess
import sys

import pytest

PRODUCTION_ENV = {
    "MAILLAGE_ENV": "production",
    "SECRET_KEY": "x" * 20 + "-production-secret-for-the-check-only-0123456789",
    "ALLOWED_HOSTS": "maillage.example.org",
    "DATABASE_URL": "sqlite:///:memory:",
    # A public instance names its publisher and host (legal notice; maillage.legal.W001).
    "PUBLISHER_NAME": "Tiers-lieux du Béarn",
    "PUBLISHER_ADDRESS": "2 place Royale, 64000 Pau",
    "PUBLISHER_EMAIL": "contact@example.org",
    "PUBLISHER_DIRECTOR": "Camille Durand",
    "HOST_NAME": "Hébergeur Exemple",
    "HOST_ADDRESS": "1 rue du Serveur, 75001 Paris",
}


def run_maillage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean_env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE"}}
    return subprocess.run(
        [sys.executable, "-m", "maillage", *args],
        env={**clean_env, **env},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_check_deploy_warns_without_the_publisher():
    env = {key: value for key, value in PRODUCTION_ENV.items() if not key.startswith("PUBLISHER")}
    result = run_maillage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 1
    assert "maillage.legal.W001" in result.stderr + result.stdout


def test_check_deploy_is_clean_in_production():
    result = run_maillage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_a_missing_secret_key():
    env = {**PRODUCTION_ENV, "SECRET_KEY": ""}
    result = run_maillage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_development_defaults_are_not_debug_and_use_sqlite(settings):
    assert settings.LANGUAGE_CODE == "fr"
    assert settings.TIME_ZONE == "Europe/Paris"
    if not os.environ.get("DATABASE_URL"):
        assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
        assert settings.DATABASES["default"]["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("yes", True), ("off", False), ("", False)]
)
def test_boolean_environment_values(monkeypatch, raw, expected):
    from maillage.settings.environment import read_bool

    monkeypatch.setenv("SOME_FLAG", raw)
    assert read_bool("SOME_FLAG", default=not expected) is expected


def test_unreadable_boolean_is_an_error(monkeypatch):
    from maillage.settings.environment import read_bool

    monkeypatch.setenv("SOME_FLAG", "perhaps")
    with pytest.raises(ValueError, match="SOME_FLAG"):
        read_bool("SOME_FLAG", default=False)


@pytest.mark.django_db  # the end of a request checks the persistent database connection
def test_static_files_are_served_without_collectstatic(client):
    """`make run` serves CSS, Leaflet and htmx from the apps' folders, with DEBUG off."""
    for path in ("common/maillage.css", "leaflet/leaflet.js", "django_htmx/htmx-2.min.js"):
        response = client.get(f"/static/{path}")
        response.close()
        assert response.status_code == 200, path
