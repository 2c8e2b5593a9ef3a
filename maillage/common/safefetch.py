"""Fetching a URL that someone typed (a federation peer, a webhook subscriber) without letting
it reach what it should not.

A URL given by a user could point at the instance's own network: its database, a cloud
provider's metadata service (169.254.169.254), an admin interface on localhost. This module
refuses that *before any connection is made*:

- only `http` and `https`, no user name or password in the URL, a port from 1 to 65535;
- the host is resolved once, and every address it resolves to must be public: loopback,
  private (RFC 1918, unique local fc00::/7), link-local, multicast, reserved, unspecified,
  shared (100.64.0.0/10) and documentation addresses are refused, IPv4 and IPv6 alike, and so
  are IPv6 addresses that carry an IPv4 address (IPv4-mapped `::ffff:a.b.c.d`, IPv4-compatible
  `::a.b.c.d`, NAT64 `64:ff9b::/96` and `64:ff9b:1::/48`, 6to4 `2002::/16`, Teredo) when the
  address they carry is refused;
- the connection goes to the address that was checked (the `Host` header and, for HTTPS, the
  certificate check and SNI use the name): a DNS answer that changes between the check and the
  connection (DNS rebinding) changes nothing;
- each redirect is a new URL, checked in the same way, up to `max_redirects`;
- a connect timeout, a read timeout for each read, and a total deadline after which the socket
  is shut, so that a peer dripping one byte a second (headers included) is cut off;
- at most `max_bytes` of body (an announced `Content-Length` over it is refused without
  reading), and the expected content types.

`FETCH_ALLOWED_NETWORKS` (a setting, comma-separated CIDR blocks) lets through addresses that
would otherwise be refused: the tests allow `127.0.0.0/8` to run hostile peers on loopback, and
an operator may allow a peer on their own private network. Nothing else is ever allowed.

Built on the standard library's `http.client` rather than a client library: pinning the
connection to the checked address is one overridden `connect()` here, where urllib3 or httpx
would need their connection pools and resolvers replaced; and no dependency is added.

Every refusal raises `FetchRefused` with a one-line reason and is logged at WARNING by the
`maillage.safefetch` logger. The reason is a `Message` of a stable code (`fetch.*`, docs/data.md,
« Import error codes »): a harvest stores its code and params, so its page shows the reason in
its reader's language, not in the language the worker ran in.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import logging
import socket
import ssl
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.utils.translation import gettext_noop

from .errors import ErrorCode, Message

logger = logging.getLogger("maillage.safefetch")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
NAT64_NETWORKS = (
    ipaddress.IPv6Network("64:ff9b::/96"),
    ipaddress.IPv6Network("64:ff9b:1::/48"),
)
IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")
CHUNK_BYTES = 64 * 1024

# The reasons of a refusal. A URL or a host is a param, never part of the msgid; `error` is the
# words of the library that failed (the URL parser, the resolver, TLS), or the name of the
# Python error for a connection that failed, untranslated.
URL_TOO_LONG = ErrorCode("fetch.url_too_long", gettext_noop("adresse trop longue"))
URL_INVALID = ErrorCode("fetch.url_invalid", gettext_noop("adresse invalide (%(error)s)"))
SCHEME_REFUSED = ErrorCode(
    "fetch.scheme_refused", gettext_noop("seules les adresses http:// et https:// sont acceptées")
)
CREDENTIALS_IN_URL = ErrorCode(
    "fetch.credentials_in_url", gettext_noop("une adresse ne peut pas contenir d'identifiants")
)
NO_HOST = ErrorCode("fetch.no_host", gettext_noop("l'adresse n'a pas de nom d'hôte"))
PORT_INVALID = ErrorCode("fetch.port_invalid", gettext_noop("port invalide"))
NAME_UNRESOLVED = ErrorCode(
    "fetch.name_unresolved", gettext_noop("le nom %(host)s ne se résout pas (%(error)s)")
)
NAME_INVALID = ErrorCode(
    "fetch.name_invalid", gettext_noop("le nom %(host)s n'est pas un nom de domaine valide")
)
NO_ADDRESS = ErrorCode("fetch.no_address", gettext_noop("le nom %(host)s ne se résout pas"))
PRIVATE_ADDRESS = ErrorCode(
    "fetch.private_address",
    gettext_noop("%(host)s refusé : l'adresse %(address)s n'est pas une adresse publique"),
)
HTTP_STATUS = ErrorCode("fetch.http_status", gettext_noop("réponse HTTP %(status)d"))
TOO_MANY_REDIRECTS = ErrorCode(
    "fetch.too_many_redirects", gettext_noop("plus de %(count)d redirections")
)
DEADLINE = ErrorCode("fetch.deadline", gettext_noop("délai total de %(seconds)g s dépassé"))
NO_ANSWER = ErrorCode("fetch.no_answer", gettext_noop("pas de réponse à temps"))
TLS_REFUSED = ErrorCode("fetch.tls_refused", gettext_noop("TLS refusé (%(error)s)"))
CONNECTION_FAILED = ErrorCode(
    "fetch.connection_failed", gettext_noop("connexion impossible (%(error)s)")
)
CONTENT_TYPE = ErrorCode(
    "fetch.content_type",
    gettext_noop("type de contenu %(type)s inattendu (attendu : %(expected)s)"),
)
TOO_LARGE = ErrorCode("fetch.too_large", gettext_noop("réponse de plus de %(limit)d octets"))
INCOMPLETE = ErrorCode("fetch.incomplete", gettext_noop("réponse incomplète"))


class FetchRefused(Exception):  # noqa: N818 - reads as a sentence: raise FetchRefused
    """A URL or an answer refused: `reason` is one line a person can act on, a `Message` of
    its code (a str: callers that print or join it keep working)."""

    def __init__(self, reason: Message, *, url: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.url = url


@dataclass(frozen=True)
class FetchPolicy:
    """How far a fetch may go. The defaults suit a JSON API page."""

    connect_timeout_s: float = 5.0
    read_timeout_s: float = 10.0
    total_timeout_s: float = 30.0
    max_bytes: int = 20 * 1024 * 1024
    max_redirects: int = 3
    # Media types accepted (without parameters); empty accepts any.
    content_types: tuple[str, ...] = ("application/json",)
    # Statuses returned as they are; others are refused.
    accepted_statuses: frozenset[int] = frozenset({200, 304})


@dataclass
class FetchResult:
    url: str
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")


def allowed_networks() -> tuple[IPNetwork, ...]:
    """The networks of FETCH_ALLOWED_NETWORKS (validated when settings load)."""
    return tuple(
        ipaddress.ip_network(block, strict=False)
        for block in getattr(settings, "FETCH_ALLOWED_NETWORKS", ())
    )


def embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, compatible, NAT64, 6to4, Teredo)."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if any(address in network for network in NAT64_NETWORKS):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address in IPV4_COMPATIBLE and int(address) > 1:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _is_public(address: IPAddress) -> bool:
    return not (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or (isinstance(address, ipaddress.IPv6Address) and address.is_site_local)
        or not address.is_global
    )


def refusal(address: IPAddress, allowed: Iterable[IPNetwork] = ()) -> IPAddress | None:
    """The address that keeps `address` from being fetched (itself, or the IPv4 address it
    carries), or None when it may be fetched."""
    allowed = tuple(allowed)
    candidates = [address]
    if (inner := embedded_ipv4(address)) is not None:
        candidates.append(inner)
    if any(
        candidate.version == network.version and candidate in network
        for candidate in candidates
        for network in allowed
    ):
        return None
    for candidate in candidates:
        if not _is_public(candidate):
            return candidate
    return None


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address `host` resolves to (a literal address as itself)."""
    try:
        return [ipaddress.ip_address(host.strip("[]").split("%")[0])]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise FetchRefused(NAME_UNRESOLVED(host=host, error=exc.strerror or str(exc))) from None
    except UnicodeError:
        # The name does not encode as IDNA (a label empty or over 63 characters).
        raise FetchRefused(NAME_INVALID(host=host)) from None
    addresses = list(
        dict.fromkeys(ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos)
    )
    if not addresses:
        raise FetchRefused(NO_ADDRESS(host=host))
    return addresses


@dataclass(frozen=True)
class Target:
    """A URL checked: where to connect (`address`) and what to ask for."""

    url: str
    scheme: str
    host: str
    port: int
    path: str
    address: IPAddress


def check_url(url: str, *, allowed: Iterable[IPNetwork] | None = None) -> Target:
    """The URL's target, once its scheme, host and every resolved address are accepted."""
    allowed = allowed_networks() if allowed is None else tuple(allowed)
    if len(url) > 2000:
        raise FetchRefused(URL_TOO_LONG(), url=url[:100])
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise FetchRefused(URL_INVALID(error=str(exc)), url=url) from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise FetchRefused(SCHEME_REFUSED(), url=url)
    if parts.username is not None or parts.password is not None:
        raise FetchRefused(CREDENTIALS_IN_URL(), url=url)
    host = parts.hostname or ""
    if not host:
        raise FetchRefused(NO_HOST(), url=url)
    if port is None:
        port = 443 if scheme == "https" else 80
    if port == 0:
        raise FetchRefused(PORT_INVALID(), url=url)
    addresses = resolve(host, port)
    for address in addresses:
        if (refused := refusal(address, allowed)) is not None:
            raise FetchRefused(PRIVATE_ADDRESS(host=host, address=str(refused)), url=url)
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(url, scheme, host, port, path, addresses[0])


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection to the checked address, whatever the name resolves to now."""

    def __init__(self, target: Target, policy: FetchPolicy) -> None:
        super().__init__(target.host, target.port, timeout=policy.read_timeout_s)
        self._target = target
        self._policy = policy

    def _open_socket(self) -> socket.socket:
        # A socket of the address's family connected to the address itself: no resolver is
        # called again (socket.create_connection would call getaddrinfo, even for a literal).
        address = self._target.address
        family = socket.AF_INET6 if address.version == 6 else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.settimeout(self._policy.connect_timeout_s)
            sock.connect((str(address), self._target.port))
            sock.settimeout(self._policy.read_timeout_s)
        except BaseException:
            sock.close()
            raise
        return sock

    def connect(self) -> None:
        self.sock = self._open_socket()


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    def connect(self) -> None:
        context = ssl.create_default_context()
        self.sock = context.wrap_socket(self._open_socket(), server_hostname=self._target.host)


def _log_refusal(exc: FetchRefused, url: str) -> FetchRefused:
    exc.url = exc.url or url
    logger.warning("fetch refused: %s (%s)", exc.reason, exc.url)
    return exc


def fetch(
    url: str,
    *,
    method: str = "GET",
    headers: Mapping[str, str] | None = None,
    body: bytes | None = None,
    policy: FetchPolicy | None = None,
) -> FetchResult:
    """`url` fetched under `policy`, following redirects (each checked); FetchRefused otherwise.

    A POST is never repeated on a redirect: its answer is returned as it is if accepted.
    """
    policy = policy or FetchPolicy()
    deadline = time.monotonic() + policy.total_timeout_s
    current = url
    try:
        for _hop in range(policy.max_redirects + 1):
            target = check_url(current)
            result = _fetch_once(
                target, method, headers=headers or {}, body=body, policy=policy, deadline=deadline
            )
            location = result.header("location")
            if result.status in REDIRECT_STATUSES and location and method == "GET":
                current = urljoin(current, location)
                continue
            if result.status not in policy.accepted_statuses:
                raise FetchRefused(HTTP_STATUS(status=result.status), url=current)
            return result
        raise FetchRefused(TOO_MANY_REDIRECTS(count=policy.max_redirects), url=url)
    except FetchRefused as exc:
        raise _log_refusal(exc, current) from None


def _fetch_once(
    target: Target,
    method: str,
    *,
    headers: Mapping[str, str],
    body: bytes | None,
    policy: FetchPolicy,
    deadline: float,
) -> FetchResult:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise FetchRefused(DEADLINE(seconds=policy.total_timeout_s), url=target.url)
    connection_class = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(target, policy)
    timed_out = threading.Event()

    def cut() -> None:
        # The total deadline: a peer that keeps each read under the read timeout (a slow drip)
        # is cut off here, while its headers or its body are being read.
        timed_out.set()
        sock = connection.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    response: http.client.HTTPResponse | None = None
    timer = threading.Timer(remaining, cut)
    timer.daemon = True
    timer.start()
    try:
        request_headers = {"User-Agent": "Maillage", "Accept-Encoding": "identity", **headers}
        connection.request(method, target.path, body=body, headers=request_headers)
        response = connection.getresponse()
        result = FetchResult(
            url=target.url,
            status=response.status,
            headers={name.lower(): value for name, value in response.getheaders()},
        )
        if result.status in REDIRECT_STATUSES or result.status == 304:
            return result
        if result.status in policy.accepted_statuses:
            _check_content_type(result, policy)
        result.body = _read_body(response, policy, target.url)
        if timed_out.is_set():
            raise OSError("deadline")
        return result
    except FetchRefused:
        if timed_out.is_set():
            raise FetchRefused(DEADLINE(seconds=policy.total_timeout_s), url=target.url) from None
        raise
    except (OSError, http.client.HTTPException, ValueError) as exc:
        if timed_out.is_set():
            raise FetchRefused(DEADLINE(seconds=policy.total_timeout_s), url=target.url) from None
        if isinstance(exc, TimeoutError | socket.timeout):
            raise FetchRefused(NO_ANSWER(), url=target.url) from None
        if isinstance(exc, ssl.SSLError):
            raise FetchRefused(TLS_REFUSED(error=_tls_words(exc)), url=target.url) from None
        raise FetchRefused(
            CONNECTION_FAILED(error=exc.__class__.__name__), url=target.url
        ) from None
    finally:
        timer.cancel()
        if response is not None:
            response.close()
        connection.close()


def _tls_words(exc: ssl.SSLError) -> str:
    """What TLS refused, without the C source location of its message (`(_ssl.c:1000)`): the
    certificate check's own words, or OpenSSL's reason (`WRONG_VERSION_NUMBER`)."""
    return (
        getattr(exc, "verify_message", None) or getattr(exc, "reason", None) or type(exc).__name__
    )


def _check_content_type(result: FetchResult, policy: FetchPolicy) -> None:
    if not policy.content_types:
        return
    media_type = result.header("content-type").split(";")[0].strip().lower()
    if media_type not in policy.content_types:
        raise FetchRefused(
            CONTENT_TYPE(type=media_type or "?", expected=", ".join(policy.content_types)),
            url=result.url,
        )


def _read_body(response: http.client.HTTPResponse, policy: FetchPolicy, url: str) -> bytes:
    too_big = FetchRefused(TOO_LARGE(limit=policy.max_bytes), url=url)
    announced = response.getheader("Content-Length")
    if announced and announced.strip().isdigit() and int(announced) > policy.max_bytes:
        raise too_big
    chunks: list[bytes] = []
    size = 0
    while True:
        # read1: returns after one read of the socket, so the deadline is checked often.
        chunk = response.read1(CHUNK_BYTES)
        if not chunk:
            break
        size += len(chunk)
        if size > policy.max_bytes:
            raise too_big
        chunks.append(chunk)
    if announced and announced.strip().isdigit() and size < int(announced):
        raise FetchRefused(INCOMPLETE(), url=url)
    return b"".join(chunks)
