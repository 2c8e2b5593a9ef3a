"""Safe fetching (maillage/common/safefetch.py): refused addresses in every form, checked
before any connection; pinned connections; redirects, timeouts, sizes and content types."""

import ipaddress
import logging
import socket

import pytest

from maillage.common import safefetch
from maillage.common.safefetch import FetchPolicy, FetchRefused, check_url, fetch, refusal
from tests.federation.peers import drip, send_json

REFUSED = [
    "127.0.0.1",
    "127.1.2.3",
    "10.0.0.1",
    "172.16.5.4",
    "172.31.255.255",
    "192.168.1.1",
    "169.254.169.254",  # cloud metadata
    "100.64.0.1",  # shared address space (CGNAT)
    "0.0.0.0",  # noqa: S104 - an address refused, not bound
    "224.0.0.1",
    "239.255.255.250",
    "240.0.0.1",
    "255.255.255.255",
    "192.0.2.10",  # documentation
    "198.18.0.1",  # benchmarking
    "::1",
    "::",
    "fe80::1",
    "fc00::1",
    "fd12:3456::1",
    "ff02::1",
    "ff0e::1",  # global-scope multicast
    "fec0::1",  # site-local
    "2001:db8::1",  # documentation
    "::ffff:127.0.0.1",  # IPv4-mapped
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "::127.0.0.1",  # IPv4-compatible
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
    "64:ff9b:1::a00:1",  # local-use NAT64 of 10.0.0.1
    "2002:7f00:1::1",  # 6to4 of 127.0.0.1
    "2002:c0a8:101::1",  # 6to4 of 192.168.1.1
    "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo carrying 127.0.0.1
]
PUBLIC = ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "2a00:1450:4007:80c::200e"]


@pytest.mark.parametrize("address", REFUSED)
def test_non_public_addresses_are_refused(address):
    assert refusal(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_pass(address):
    assert refusal(ipaddress.ip_address(address)) is None


def test_the_allow_list_lets_through_its_networks_only():
    allowed = [ipaddress.ip_network("127.0.0.1/32")]
    assert refusal(ipaddress.ip_address("127.0.0.1"), allowed) is None
    assert refusal(ipaddress.ip_address("::ffff:127.0.0.1"), allowed) is None
    assert refusal(ipaddress.ip_address("127.0.0.2"), allowed) is not None
    assert refusal(ipaddress.ip_address("10.0.0.1"), allowed) is not None


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.org/",
        "file:///etc/passwd",
        "gopher://example.org/",
        "javascript:alert(1)",
        "http://user:pass@93.184.216.34/",
        "http:///nohost",
        "http://93.184.216.34:0/",
        "http://93.184.216.34:99999/",
    ],
)
def test_urls_outside_http_are_refused(url):
    with pytest.raises(FetchRefused):
        check_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost/",
        "http://127.0.0.1:8000/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://2130706433/",  # 127.0.0.1 as one number
        "http://0x7f.1/",
        "http://10.1.2.3/admin",
        "https://169.254.169.254/latest/meta-data/",
    ],
)
def test_refused_addresses_are_never_connected_to(url, monkeypatch, caplog):
    connections = []
    monkeypatch.setattr(socket.socket, "connect", lambda self, address: connections.append(address))
    with (
        caplog.at_level(logging.WARNING, logger="maillage.safefetch"),
        pytest.raises(FetchRefused) as refused,
    ):
        fetch(url)
    assert connections == []
    assert "publique" in refused.value.reason or "résout" in refused.value.reason
    assert any("fetch refused" in message for message in caplog.messages)


def test_every_resolved_address_must_be_public(monkeypatch):
    """A name resolving to a public and a private address is refused (either could be used)."""
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda *args, **kwargs: [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", 80)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.5", 80)),
        ],
    )
    with pytest.raises(FetchRefused, match=r"10\.0\.0\.5"):
        check_url("http://mixed.example/")


def test_the_connection_goes_to_the_checked_address(allow_loopback, fake_peer, monkeypatch):
    """DNS rebinding: the name is resolved once; the socket connects to that address, and the
    request still names the host."""
    peer = fake_peer({"/x": lambda handler: send_json(handler, {"ok": True})})
    port = peer.server.server_address[1]
    answers = iter(["127.0.0.1", "10.9.9.9"])
    calls = []

    def getaddrinfo(host, *args, **kwargs):
        calls.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), port))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    result = fetch(f"http://rebind.example:{port}/x")
    assert result.body == b'{"ok": true}'
    assert calls == ["rebind.example"]
    assert peer.requests[0][2]["Host"] == f"rebind.example:{port}"


def test_a_redirect_to_a_refused_address_is_refused(allow_loopback, fake_peer, caplog):
    def redirect(handler):
        handler.send_response(302)
        handler.send_header("Location", "http://10.0.0.1/steal")
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    peer = fake_peer({"/start": redirect})
    with (
        caplog.at_level(logging.WARNING, logger="maillage.safefetch"),
        pytest.raises(FetchRefused, match=r"10\.0\.0\.1"),
    ):
        fetch(f"{peer.url}/start")
    assert len(peer.requests) == 1
    assert "10.0.0.1" in caplog.text


def test_a_redirect_to_another_loopback_address_not_allowed_is_refused(allow_loopback, fake_peer):
    def redirect(handler):
        handler.send_response(301)
        handler.send_header("Location", "http://127.0.0.2:1/")
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    peer = fake_peer({"/start": redirect})
    with pytest.raises(FetchRefused, match=r"127\.0\.0\.2"):
        fetch(f"{peer.url}/start")


def test_redirects_are_followed_up_to_the_limit(allow_loopback, fake_peer):
    def loop(handler):
        handler.send_response(302)
        handler.send_header("Location", "/loop")
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    peer = fake_peer({"/loop": loop, "/ok": lambda h: send_json(h, [])})
    with pytest.raises(FetchRefused, match="redirections"):
        fetch(f"{peer.url}/loop", policy=FetchPolicy(max_redirects=2))
    assert len(peer.requests) == 3


def test_a_redirect_within_the_rules_is_followed(allow_loopback, fake_peer):
    def moved(handler):
        handler.send_response(308)
        handler.send_header("Location", "/ok")
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    peer = fake_peer({"/old": moved, "/ok": lambda h: send_json(h, {"here": 1})})
    assert fetch(f"{peer.url}/old").body == b'{"here": 1}'


def test_an_announced_gigabyte_is_refused_without_reading_it(allow_loopback, fake_peer):
    def huge(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(1024**3))
        handler.end_headers()
        handler.wfile.write(b"[" * 1024)

    peer = fake_peer({"/huge": huge})
    with pytest.raises(FetchRefused, match="octets") as refused:
        fetch(f"{peer.url}/huge", policy=FetchPolicy(max_bytes=1024 * 1024))
    assert (refused.value.reason.code, refused.value.reason.params) == (
        "fetch.too_large",
        {"limit": 1024 * 1024},
    )


def test_an_endless_body_is_cut_at_the_maximum(allow_loopback, fake_peer):
    sent = []

    def endless(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Connection", "close")
        handler.end_headers()
        chunk = b" " * 65536
        try:
            for _ in range(16384):  # a gigabyte at most
                handler.wfile.write(chunk)
                sent.append(len(chunk))
        except OSError:
            pass

    peer = fake_peer({"/endless": endless})
    with pytest.raises(FetchRefused, match="octets"):
        fetch(f"{peer.url}/endless", policy=FetchPolicy(max_bytes=256 * 1024))
    assert sum(sent) < 1024**3


@pytest.mark.parametrize("headers_too", [False, True])
def test_a_slow_drip_is_cut_at_the_deadline(allow_loopback, fake_peer, headers_too):
    peer = fake_peer({"/drip": lambda h: drip(h, delay_s=0.05, headers_too=headers_too)})
    with pytest.raises(FetchRefused, match="délai total"):
        fetch(f"{peer.url}/drip", policy=FetchPolicy(total_timeout_s=0.6, read_timeout_s=2))


def test_the_content_type_is_checked(allow_loopback, fake_peer):
    def html(handler):
        body = b"<html></html>"
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    peer = fake_peer({"/page": html})
    with pytest.raises(FetchRefused, match="text/html"):
        fetch(f"{peer.url}/page")


def test_an_unexpected_status_is_refused(allow_loopback, fake_peer):
    peer = fake_peer({"/gone": lambda h: send_json(h, {}, status=500)})
    with pytest.raises(FetchRefused, match="500"):
        fetch(f"{peer.url}/gone")


def test_a_closed_port_is_a_refusal_not_a_crash(allow_loopback):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    listener.close()
    with pytest.raises(FetchRefused, match="connexion impossible"):
        fetch(f"http://127.0.0.1:{port}/")


def test_the_guard_of_these_tests_fails_any_attempt_outside_the_loopback(loopback_only):
    """The autouse fixture itself: even with every check bypassed, nothing leaves."""
    with pytest.raises(AssertionError, match="outside the loopback"):
        socket.create_connection(("192.0.2.1", 80), timeout=0.1)
    with socket.socket() as sock, pytest.raises(AssertionError, match="outside the loopback"):
        sock.connect(("10.0.0.1", 80))
    loopback_only.clear()


def test_safefetch_reads_the_allow_list_from_settings(settings):
    settings.FETCH_ALLOWED_NETWORKS = ["10.0.0.0/8"]
    assert safefetch.allowed_networks() == (ipaddress.ip_network("10.0.0.0/8"),)


@pytest.mark.parametrize(
    ("url", "code", "params"),
    [
        ("ftp://example.org/", "fetch.scheme_refused", {}),
        ("http://user:pass@93.184.216.34/", "fetch.credentials_in_url", {}),
        ("http:///nohost", "fetch.no_host", {}),
        ("http://93.184.216.34:0/", "fetch.port_invalid", {}),
        (
            "http://93.184.216.34:99999/",
            "fetch.url_invalid",
            {"error": "Port out of range 0-65535"},
        ),
        (
            "http://10.1.2.3/admin",
            "fetch.private_address",
            {"host": "10.1.2.3", "address": "10.1.2.3"},
        ),
    ],
)
def test_each_refusal_has_its_code_and_params(url, code, params):
    with pytest.raises(FetchRefused) as refused:
        check_url(url)
    assert (refused.value.reason.code, refused.value.reason.params) == (code, params)


@pytest.mark.parametrize(
    ("error", "code", "params"),
    [
        (
            socket.gaierror(socket.EAI_NONAME, "Name or service not known"),
            "fetch.name_unresolved",
            {"host": "nowhere.invalid", "error": "Name or service not known"},
        ),
        (UnicodeError("label too long"), "fetch.name_invalid", {"host": "nowhere.invalid"}),
    ],
)
def test_a_name_that_does_not_resolve_is_refused_with_the_resolvers_words(
    monkeypatch, error, code, params
):
    def getaddrinfo(*args, **kwargs):
        raise error

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    with pytest.raises(FetchRefused) as refused:
        check_url("http://nowhere.invalid/")
    assert (refused.value.reason.code, refused.value.reason.params) == (code, params)
    # No errno in the words shown: « [Errno -2] » is the resolver's internals.
    assert "Errno" not in refused.value.reason
