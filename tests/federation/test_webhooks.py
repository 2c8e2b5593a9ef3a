"""Webhooks: signed, timestamped deliveries of place changes, retried with backoff, logged,
under the rules of safe fetching."""

import json
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from maillage.common.actors import SYSTEM
from maillage.common.errors import PermissionDenied, ValidationFailed
from maillage.federation import services
from maillage.federation.models import WebhookDelivery, WebhookSubscription
from tests.accounts.factories import UserFactory
from tests.federation.peers import send_json
from tests.places.factories import make_place

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver(allow_loopback, fake_peer):
    statuses = []

    def hook(handler):
        status = statuses.pop(0) if statuses else 200
        send_json(handler, {"ok": status == 200}, status=status)

    server = fake_peer({"/hook": hook})
    server.statuses = statuses
    return server


def test_a_subscriber_receives_signed_changes(receiver):
    _subscription, secret = services.subscribe_webhook(actor=SYSTEM, url=f"{receiver.url}/hook")
    place = make_place(name="Le Hangar")
    counts = services.deliver_webhooks()
    assert (counts.queued, counts.sent) == (1, 1)
    method, _path, headers, body = receiver.requests[0]
    assert method == "POST" and headers["Content-Type"] == "application/json"
    assert services.verify_signature(secret, headers["Maillage-Signature"], body)
    assert not services.verify_signature("another secret", headers["Maillage-Signature"], body)
    assert not services.verify_signature(secret, headers["Maillage-Signature"], body + b" ")
    payload = json.loads(body)
    assert payload["changes"][0]["uuid"] == str(place.uuid)
    assert payload["changes"][0]["change"] == "created"
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == "delivered" and delivery.log[0]["status"] == 200
    # Nothing new: nothing sent again.
    assert services.deliver_webhooks().sent == 0


def test_an_old_signature_is_refused_against_replay(receiver):
    _subscription, secret = services.subscribe_webhook(actor=SYSTEM, url=f"{receiver.url}/hook")
    body = b'{"changes": []}'
    header = services.sign(secret, int(time.time()) - 600, body)
    assert not services.verify_signature(secret, header, body)
    assert services.verify_signature(secret, header, body, now=time.time() - 600)
    assert not services.verify_signature(secret, "garbage", body)


def test_failed_deliveries_are_retried_with_a_growing_pause_then_abandoned(receiver):
    services.subscribe_webhook(actor=SYSTEM, url=f"{receiver.url}/hook")
    make_place()
    receiver.statuses.extend([500] * services.WEBHOOK_MAX_ATTEMPTS)
    services.deliver_webhooks()
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == "pending" and delivery.attempts == 1
    first_pause = delivery.next_attempt_at - timezone.now()
    assert timedelta(seconds=25) < first_pause <= timedelta(seconds=30)
    assert "500" in delivery.log[0]["error"]
    assert services.retry_delay(2) == timedelta(seconds=60)
    assert services.retry_delay(20) == timedelta(hours=6)
    for _attempt in range(services.WEBHOOK_MAX_ATTEMPTS - 1):
        WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
        services.deliver_webhooks()
    delivery.refresh_from_db()
    assert delivery.state == "failed"
    assert delivery.attempts == services.WEBHOOK_MAX_ATTEMPTS == len(delivery.log)
    services.retry_delivery(actor=SYSTEM, delivery=delivery)
    assert services.deliver_webhooks().sent == 1


def test_a_delivery_not_yet_due_waits(receiver):
    services.subscribe_webhook(actor=SYSTEM, url=f"{receiver.url}/hook")
    make_place()
    receiver.statuses.append(503)
    services.deliver_webhooks()
    assert services.deliver_webhooks().sent == 0
    assert len(receiver.requests) == 1


def test_subscriptions_follow_the_safe_fetching_rules(settings):
    for url in ("http://10.0.0.1/hook", "http://169.254.169.254/", "ftp://example.org/"):
        with pytest.raises(ValidationFailed):
            services.subscribe_webhook(actor=SYSTEM, url=url)
    with pytest.raises(PermissionDenied):
        services.subscribe_webhook(actor=UserFactory(), url="https://93.184.216.34/hook")
    assert not WebhookSubscription.objects.exists()


def test_a_subscriber_url_that_turns_private_is_not_called(receiver, settings):
    """The address is checked at each delivery too (DNS may change after subscribing)."""
    services.subscribe_webhook(actor=SYSTEM, url=f"{receiver.url}/hook")
    make_place()
    settings.FETCH_ALLOWED_NETWORKS = []
    services.deliver_webhooks()
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == "pending" and "publique" in delivery.log[0]["error"]
    assert (delivery.log[0]["code"], delivery.log[0]["params"]) == (
        "fetch.private_address",
        {"host": "127.0.0.1", "address": "127.0.0.1"},
    )
    assert receiver.requests == []


def test_the_secret_is_stored_to_sign_and_never_shown_in_the_admin(admin_client, receiver):
    subscription, secret = services.subscribe_webhook(actor=SYSTEM, url=f"{receiver.url}/hook")
    assert subscription.secret == secret and len(secret) >= 40
    response = admin_client.get(f"/admin/federation/webhooksubscription/{subscription.pk}/change/")
    assert response.status_code == 200
    assert subscription.url in response.content.decode()
    assert secret not in response.content.decode()
