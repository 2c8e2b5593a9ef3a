"""`maillage harvest URL`: counts in the foreground; an unsafe or unreachable URL exits 1 with
one line and no traceback, and sends nothing to a refused address."""

import os
import socket
import subprocess
import sys
import uuid

import pytest
from django.core.management import CommandError, call_command

from maillage.federation.models import Peer
from maillage.places.models import Place
from tests.concurrency import REPOSITORY
from tests.federation.peers import Feed, change, identity_route, record


@pytest.fixture
def listener():
    """A socket on 127.0.0.1 that records whether anything connected to it."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    sock.settimeout(0.5)
    yield sock
    sock.close()


def _connected(sock) -> bool:
    try:
        connection, _ = sock.accept()
    except TimeoutError:
        return False
    connection.close()
    return True


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:{port}", "http://[::ffff:127.0.0.1]:{port}", "http://localhost:{port}"],
)
def test_a_refused_address_exits_1_with_one_line_and_sends_nothing(listener, url, tmp_path):
    """Run as an operator would, in a process of its own (no allow-list set)."""
    port = listener.getsockname()[1]
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"FETCH_ALLOWED_NETWORKS", "DATABASE_URL"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="tests.settings",
        PYTHONPATH=str(REPOSITORY),
        MAILLAGE_VAR_DIR=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path / 'empty.sqlite3'}",
    )
    result = subprocess.run(
        [sys.executable, "-m", "maillage", "harvest", url.format(port=port)],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPOSITORY,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "publique" in lines[0]
    assert not _connected(listener)


@pytest.mark.django_db
def test_an_unreachable_peer_exits_with_its_reason(allow_loopback, listener):
    port = listener.getsockname()[1]
    listener.close()
    with pytest.raises(CommandError, match="connexion impossible"):
        call_command("harvest", f"http://127.0.0.1:{port}")
    assert not Peer.objects.exists()


@pytest.mark.django_db
def test_a_harvest_prints_its_counts(allow_loopback, fake_peer, capsys):
    feed = Feed()
    feed.entries = [change(record(name="Un")), change(record(name="Deux"))]
    server = fake_peer(
        {
            "/api/v1/federation/instance": identity_route(uuid.uuid4(), "Voisins"),
            "/api/v1/places/changes": feed.route,
        }
    )
    call_command("harvest", server.url + "/")
    out = capsys.readouterr().out
    assert "created=2 updated=0 unchanged=0 deleted=0" in out
    assert Peer.objects.get().name == "Voisins"
    assert Place.objects.filter(source__startswith="peer:").count() == 2
    call_command("harvest", server.url)
    assert "created=0" in capsys.readouterr().out
