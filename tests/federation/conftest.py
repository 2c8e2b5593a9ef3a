"""Federation tests: no request may leave this machine.

`loopback_only` (autouse) makes any connection attempt to an address outside 127.0.0.0/8 and
::1 fail the test: even a broken address check sends nothing outside. Hostile and friendly
peers are run by the tests on loopback (tests/federation/peers.py), and the allow-list
(FETCH_ALLOWED_NETWORKS) lets the code reach them only where a test says so.
"""

import ipaddress
import socket

import pytest

from tests.federation.peers import FakePeer


class LeftLoopback(AssertionError):  # noqa: N818 - reads as a sentence
    pass


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch):
    attempts: list = []
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_create_connection = socket.create_connection

    def check(address) -> None:
        if not isinstance(address, tuple):
            return  # a Unix socket path
        host = str(address[0]).split("%")[0]
        try:
            ip = ipaddress.ip_address(host)
        except ValueError:
            return  # a name: create_connection resolves it and connects by address (checked)
        mapped = getattr(ip, "ipv4_mapped", None)
        if not (ip.is_loopback or (mapped is not None and mapped.is_loopback)):
            attempts.append(address)
            raise LeftLoopback(f"connection attempt outside the loopback: {address}")

    def connect(self, address):
        check(address)
        return real_connect(self, address)

    def connect_ex(self, address):
        check(address)
        return real_connect_ex(self, address)

    def create_connection(address, *args, **kwargs):
        check(address)
        return real_create_connection(address, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "create_connection", create_connection)
    yield attempts
    assert not attempts, f"connections left the loopback: {attempts}"


@pytest.fixture
def allow_loopback(settings):
    """Let safe fetching reach 127.0.0.1 (the peers of these tests)."""
    settings.FETCH_ALLOWED_NETWORKS = ["127.0.0.1/32"]


@pytest.fixture
def fake_peer():
    peers = []

    def start(routes=None) -> FakePeer:
        peer = FakePeer(routes=dict(routes or {})).start()
        peers.append(peer)
        return peer

    yield start
    for peer in peers:
        peer.stop()
