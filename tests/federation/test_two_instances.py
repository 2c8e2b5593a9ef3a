"""Two Maillage servers side by side (gunicorn, tests/concurrency.py), each on its own SQLite
database and loopback port: B harvests A with `maillage harvest`, then A changes a place,
deletes one and creates one that conflicts with a place of B, and B harvests again; an admin of
B resolves the duplicates.

Nothing here uses the test database: each instance is a database file made for the test (one
migration, copied), written through its own API and commands, as two deployments would be.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.concurrency import REPOSITORY, AppServer, Call, send_all

SETUP = """
from django.core.management import call_command
from maillage.accounts.models import User
from maillage.territories.models import Territory
call_command("migrate", verbosity=0)
from tests.territories.factories import load_reference_sample
load_reference_sample()
User.objects.create_user("admin", "admin@example.org", "x", is_instance_admin=True)
call_command("create_token", "admin")
"""

RESOLVE = """
from maillage.accounts.models import User
from maillage.federation.models import DuplicateCandidate
from maillage.federation.services import resolve_duplicate
admin = User.objects.get(username="admin")
for candidate in DuplicateCandidate.objects.filter(state="proposed").order_by("pk"):
    decision = "merge" if candidate.reason == "siret" else "keep_both"
    resolve_duplicate(actor=admin, candidate=candidate, decision=decision)
    print(candidate.reason, decision)
"""


def _env(database: Path, var_dir: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env.update(
        DATABASE_URL=f"sqlite:///{database}",
        MAILLAGE_VAR_DIR=str(var_dir),
        DJANGO_SETTINGS_MODULE="tests.settings",
        PYTHONPATH=str(REPOSITORY),
        FETCH_ALLOWED_NETWORKS="127.0.0.1/32",
        LOG_LEVEL="WARNING",
    )
    return env


def _maillage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "maillage", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPOSITORY,
        timeout=300,
        check=False,
    )


@pytest.fixture
def instances(tmp_path):
    """(A, B): each a running server, its environment (for commands) and an admin token."""
    template = tmp_path / "template.sqlite3"
    (tmp_path / "var").mkdir()
    setup = _maillage(_env(template, tmp_path / "var"), "shell", "--no-imports", "-c", SETUP)
    assert setup.returncode == 0, setup.stderr
    token = setup.stdout.strip().splitlines()[-1]
    started = []
    try:
        for name in ("a", "b"):
            database = tmp_path / f"{name}.sqlite3"
            shutil.copy(template, database)
            var_dir = tmp_path / f"var-{name}"
            var_dir.mkdir()
            env = _env(database, var_dir)
            server = AppServer.start(
                database_url=env["DATABASE_URL"],
                workers=1,
                threads=2,
                env={"FETCH_ALLOWED_NETWORKS": "127.0.0.1/32"},
                settings_module="tests.settings",
            )
            started.append((server, env, token))
        yield started
    finally:
        for server, *_rest in started:
            server.stop()


def _call(server, method, path, body=None, token=None):
    (response,) = send_all(server.url, [Call(method, path, body, token)], clients=1)
    return response


def _place(**overrides):
    return {"name": "Lieu", "kinds": ["coworking"], "insee_code": "64445", **overrides}


def _names(server) -> set[str]:
    response = _call(server, "GET", "/api/v1/places?limit=500")
    assert response.status == 200
    return {item["name"] for item in response.json()["items"]}


def test_one_instance_harvests_another(instances):
    (a, _a_env, a_token), (b, b_env, b_token) = instances
    assert a.url != b.url
    identities = {
        _call(server, "GET", "/api/v1/federation/instance").json()["uuid"] for server in (a, b)
    }
    assert len(identities) == 2

    created = {}
    for name, extra in [
        ("Fablab Siret", {"siret": "73282932000074", "latitude": 43.31, "longitude": -0.36}),
        ("Le Hangar", {"latitude": 43.29, "longitude": -0.38}),
        ("La Recyclerie", {"latitude": 43.28, "longitude": -0.35}),
    ]:
        response = _call(a, "POST", "/api/v1/places", _place(name=name, **extra), a_token)
        assert response.status == 201, response.body
        created[name] = response.json()
    # B's own place with the same SIRET as one of A's: a duplicate to propose, not to merge.
    response = _call(
        b,
        "POST",
        "/api/v1/places",
        _place(name="Atelier partagé", siret="73282932000074", latitude=43.2, longitude=-0.4),
        b_token,
    )
    assert response.status == 201, response.body
    local_cafe = _call(
        b,
        "POST",
        "/api/v1/places",
        _place(name="Café des Possibles", latitude=43.3000, longitude=-0.3700),
        b_token,
    )
    assert local_cafe.status == 201

    first = _maillage(b_env, "harvest", a.url)
    assert first.returncode == 0, first.stderr
    assert "created=3 updated=0 unchanged=0 deleted=0 kept=0 duplicates=1" in first.stdout
    assert _names(b) == {
        "Fablab Siret",
        "Le Hangar",
        "La Recyclerie",
        "Atelier partagé",
        "Café des Possibles",
    }
    # The harvested copies are read-only at B, even for its admin.
    copies = {
        item["name"]: item for item in _call(b, "GET", "/api/v1/places?q=hangar").json()["items"]
    }
    refused = _call(
        b, "PATCH", f"/api/v1/places/{copies['Le Hangar']['id']}", {"name": "Ici"}, b_token
    )
    assert refused.status == 404

    # At the source: a change, a deletion, and a new place that matches one of B's.
    hangar, recyclerie = created["Le Hangar"], created["La Recyclerie"]
    assert (
        _call(
            a, "PATCH", f"/api/v1/places/{hangar['id']}", {"name": "Le Grand Hangar"}, a_token
        ).status
        == 200
    )
    assert _call(a, "DELETE", f"/api/v1/places/{recyclerie['id']}", None, a_token).status == 204
    response = _call(
        a,
        "POST",
        "/api/v1/places",
        _place(name="Café des possibles", latitude=43.3004, longitude=-0.3700),
        a_token,
    )
    assert response.status == 201

    second = _maillage(b_env, "harvest", a.url)
    assert second.returncode == 0, second.stderr
    assert "created=1 updated=1 unchanged=0 deleted=1 kept=0 duplicates=1" in second.stdout
    names = _names(b)
    assert "Le Grand Hangar" in names and "Le Hangar" not in names
    assert "La Recyclerie" not in names
    assert {"Café des Possibles", "Café des possibles"} <= names

    # B's admin decides: the SIRET pair is merged (B's place stays), the cafés are kept apart.
    resolved = _maillage(b_env, "shell", "--no-imports", "-c", RESOLVE)
    assert resolved.returncode == 0, resolved.stderr
    assert resolved.stdout.split() == ["siret", "merge", "name_nearby", "keep_both"]
    names = _names(b)
    assert "Fablab Siret" not in names and "Atelier partagé" in names
    assert {"Café des Possibles", "Café des possibles"} <= names

    # Nothing new at A: the next harvest ends on the feed's ETag.
    third = _maillage(b_env, "harvest", a.url)
    assert third.returncode == 0, third.stderr
    assert "created=0 updated=0 unchanged=0 deleted=0" in third.stdout

    # A change at A to the merged place does not bring the copy back.
    fablab = created["Fablab Siret"]
    assert (
        _call(
            a, "PATCH", f"/api/v1/places/{fablab['id']}", {"description": "Nouveau"}, a_token
        ).status
        == 200
    )
    fourth = _maillage(b_env, "harvest", a.url)
    assert "created=0 updated=0 unchanged=0 deleted=0 kept=1" in fourth.stdout
    assert "Fablab Siret" not in _names(b)
