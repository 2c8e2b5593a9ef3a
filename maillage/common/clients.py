"""The address of the client behind the reverse proxies: for the login lockout and the logs."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The client's IP address, with `settings.TRUSTED_PROXIES` proxies in front of the server.

    Each proxy appends the address it received the request from to X-Forwarded-For, so with
    n trusted proxies the client is the n-th address from the right; what lies further left
    was written by the client and may be forged. With 0 proxies (the default) the header is
    ignored and the address is the connection's. A header with fewer addresses than trusted
    proxies, or a malformed one, falls back to the connection's address.

    >>> from django.test import RequestFactory
    >>> client_address(RequestFactory().get("/", REMOTE_ADDR="192.0.2.1"))
    '192.0.2.1'
    """
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXIES
    if proxies <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if len(forwarded) < proxies:
        return remote
    candidate = forwarded[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
