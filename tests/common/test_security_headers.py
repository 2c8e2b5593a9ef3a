"""The Content-Security-Policy header: on every response, the same in development and production."""

import json
import os
import subprocess
import sys

import pytest

from maillage.settings.content_security import tile_source
from tests.accounts.factories import UserFactory
from tests.places.factories import make_place

OSM = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
EXPECTED_DIRECTIVES = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data: https://tile.openstreetmap.org",
    "connect-src": "'self'",
    "font-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def directives(header: str) -> dict[str, str]:
    return dict(part.strip().partition(" ")[::2] for part in header.split(";"))


@pytest.mark.parametrize(
    ("tiles_url", "source"),
    [
        (OSM, "https://tile.openstreetmap.org"),
        (
            "https://{s}.tile.openstreetmap.fr/osmfr/{z}/{x}/{y}.png",
            "https://*.tile.openstreetmap.fr",
        ),
        ("http://Tiles.Example.org:8080/{z}/{x}/{y}{r}.png", "http://tiles.example.org:8080"),
        ("/tuiles/{z}/{x}/{y}.png", None),
    ],
)
def test_tile_source_is_the_origin_of_the_tiles(tiles_url, source):
    assert tile_source(tiles_url) == source


@pytest.mark.parametrize(
    "tiles_url", ["https://tiles.{s}.example.org/{z}/{x}/{y}.png", "ftp://tiles.example.org/{z}"]
)
def test_tile_urls_a_policy_cannot_express_are_refused(tiles_url):
    with pytest.raises(ValueError, match="MAP_TILES_URL"):
        tile_source(tiles_url)


@pytest.fixture
def place(db):
    return make_place(name="La Fabrique", kinds=["fablab"])


@pytest.mark.parametrize(
    ("url", "status", "headers"),
    [
        ("/", 200, {}),
        ("/lieux/", 200, {}),
        ("/lieux/?kind=fablab", 200, {"HX-Request": "true", "HX-Target": "resultats"}),
        ("/lieux/la-fabrique-pau/", 200, {}),
        ("/lieux/pas-de-lieu-ici/", 404, {}),
        ("/territoires/departement/64/", 200, {}),
        ("/analyse/couverture/departement/64/", 200, {"HX-Request": "true"}),
        ("/analyse/planifier/", 200, {}),
        ("/comptes/connexion/", 200, {}),
        ("/comptes/jetons/", 302, {}),
        ("/api/v1/docs", 200, {}),
        ("/api/v1/places", 200, {}),
        ("/admin/login/", 200, {}),
        ("/static/common/maillage.css", 200, {}),
    ],
)
def test_every_response_carries_the_policy(client, place, url, status, headers):
    response = client.get(url, headers=headers)
    assert response.status_code == status
    assert directives(response["Content-Security-Policy"]) == EXPECTED_DIRECTIVES
    response.close()


def test_refusal_pages_carry_the_policy(client, place, settings):
    client.force_login(UserFactory())
    response = client.get("/lieux/nouveau/")
    assert response.status_code == 403
    assert directives(response["Content-Security-Policy"]) == EXPECTED_DIRECTIVES
    client.logout()
    settings.AXES_FAILURE_LIMIT = 1
    response = client.post("/comptes/connexion/", {"username": "personne", "password": "non"})
    assert response.status_code == 429
    assert directives(response["Content-Security-Policy"]) == EXPECTED_DIRECTIVES


# Run in a fresh process: the policy is built from the environment when settings load. Static
# file names are left unhashed, which only `collectstatic` (not the subject here) would allow.
PAGES_SCRIPT = """
import json
import django
from django.conf import settings
django.setup()
settings.STORAGES["staticfiles"] = {
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
from django.core.management import call_command
from django.test import Client
call_command("migrate", verbosity=0)
client = Client()
answers = {}
for url in ("/", "/lieux/", "/comptes/connexion/", "/api/v1/docs", "/pas-de-page/"):
    response = client.get(url, secure=True)
    answers[url] = [response.status_code, response.get("Content-Security-Policy")]
print(json.dumps(answers))
"""


@pytest.mark.parametrize(
    ("environment", "img_src"),
    [
        ({"MAILLAGE_ENV": "development"}, "'self' data: https://tile.openstreetmap.org"),
        (
            {
                "MAILLAGE_ENV": "production",
                "SECRET_KEY": "x" * 20 + "-production-secret-for-the-check-only-0123456789",
                "ALLOWED_HOSTS": "testserver",
                "MAP_TILES_URL": "https://{s}.tile.openstreetmap.fr/osmfr/{z}/{x}/{y}.png",
            },
            "'self' data: https://*.tile.openstreetmap.fr",
        ),
    ],
    ids=["development", "production"],
)
def test_the_policy_is_the_same_in_every_mode(environment, img_src, tmp_path):
    clean = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "MAP_TILES_URL", "DJANGO_SETTINGS_MODULE"}
    }
    result = subprocess.run(
        [sys.executable, "-c", PAGES_SCRIPT],
        env={
            **clean,
            **environment,
            "DJANGO_SETTINGS_MODULE": "maillage.settings",
            "DATABASE_URL": "sqlite:///:memory:",
            "MAILLAGE_VAR_DIR": str(tmp_path),
        },
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    answers = json.loads(result.stdout.strip().splitlines()[-1])
    expected = {**EXPECTED_DIRECTIVES, "img-src": img_src}
    assert {url: status for url, (status, _header) in answers.items()} == {
        "/": 200,
        "/lieux/": 200,
        "/comptes/connexion/": 200,
        "/api/v1/docs": 200,
        "/pas-de-page/": 404,
    }
    for url, (_status, header) in answers.items():
        assert directives(header) == expected, url
