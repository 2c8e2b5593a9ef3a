"""The client address behind reverse proxies (TRUSTED_PROXIES), as the login lockout sees it."""

import pytest
from django.test import RequestFactory

from maillage.common.clients import client_address
from tests.accounts.factories import UserFactory

LOGIN = "/comptes/connexion/"


def address(forwarded: str | None, remote: str = "10.0.0.1") -> str:
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_address(RequestFactory().get("/", **meta))


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "203.0.113.9", "10.0.0.1"),  # no proxy: the header is the client's, ignored
        (1, None, "10.0.0.1"),
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "198.51.100.7, 203.0.113.9", "203.0.113.9"),  # the left one is forgeable
        (2, "203.0.113.9, 10.0.0.2", "203.0.113.9"),
        (2, "203.0.113.9", "10.0.0.1"),  # fewer entries than proxies
        (1, "not-an-address", "10.0.0.1"),
        (1, "2001:DB8::1", "2001:db8::1"),
    ],
)
def test_the_client_is_the_address_the_outermost_trusted_proxy_saw(
    settings, proxies, forwarded, expected
):
    settings.TRUSTED_PROXIES = proxies
    assert address(forwarded) == expected


def fail_login(client, username: str, forwarded: str):
    return client.post(
        LOGIN,
        {"username": username, "password": "nope"},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR=forwarded,
    )


@pytest.mark.django_db
def test_behind_a_proxy_one_client_failing_does_not_lock_out_another(client, settings):
    settings.TRUSTED_PROXIES = 1
    user = UserFactory(username="camille")
    for _attempt in range(5):
        fail_login(client, user.username, "203.0.113.9")
    assert fail_login(client, user.username, "203.0.113.9").status_code == 429
    # Another client, through the same proxy, may still try.
    assert fail_login(client, user.username, "198.51.100.7").status_code == 200


@pytest.mark.django_db
def test_without_trusted_proxies_a_forged_header_does_not_escape_the_lockout(client, settings):
    settings.TRUSTED_PROXIES = 0
    user = UserFactory(username="camille")
    for attempt in range(5):
        fail_login(client, user.username, f"203.0.113.{attempt}")
    assert fail_login(client, user.username, "198.51.100.7").status_code == 429
