"""The webhooks page: an instance admin subscribes an address (its secret shown once, after a
redirect), sees each subscription's deliveries, suspends and resumes it; others get 404."""

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from maillage.audit.models import AuditEntry
from maillage.common.actors import SYSTEM
from maillage.federation import services
from maillage.federation.models import WebhookDelivery, WebhookSubscription
from tests.accounts.factories import AdminFactory, UserFactory
from tests.places.factories import make_place

pytestmark = pytest.mark.django_db

PUBLIC_URL = "https://93.184.216.34/hooks/maillage"


@pytest.fixture
def admin(client):
    user = AdminFactory()
    client.force_login(user)
    return user


def test_the_page_is_for_instance_admins_only(client):
    assert client.get("/federation/webhooks/").status_code == 302  # to the login page
    client.force_login(UserFactory())
    assert client.get("/federation/webhooks/").status_code == 404
    subscription, _secret = services.subscribe_webhook(actor=SYSTEM, url=PUBLIC_URL)
    assert client.post(f"/federation/webhooks/{subscription.pk}/etat/").status_code == 404
    subscription.refresh_from_db()
    assert subscription.active


def test_subscribing_shows_the_secret_once_after_a_redirect(client, admin):
    response = client.post("/federation/webhooks/", {"url": PUBLIC_URL, "description": "SIG"})
    assert response.status_code == 302
    subscription = WebhookSubscription.objects.get()
    page = client.get("/federation/webhooks/")
    assert page["Cache-Control"].startswith("max-age=0") or "no-cache" in page["Cache-Control"]
    shown = BeautifulSoup(page.content, "html.parser").find(id="nouveau-secret")
    assert shown is not None and shown.text == subscription.secret
    again = client.get("/federation/webhooks/").content.decode()
    assert subscription.secret not in again
    assert PUBLIC_URL in again and "SIG" in again


def test_the_new_secret_has_the_copy_button(client, admin):
    client.post("/federation/webhooks/", {"url": PUBLIC_URL})
    page = BeautifulSoup(client.get("/federation/webhooks/").content, "html.parser")
    button = page.select_one('button[data-copy-target="nouveau-secret"]')
    assert button is not None and button.has_attr("hidden")
    assert button.get_text(strip=True) == "Copier le secret"
    assert button["data-copied-text"] == "Secret copié dans le presse-papiers."


def test_a_private_address_is_refused_with_its_reason_and_nothing_is_written(client, admin):
    response = client.post("/federation/webhooks/", {"url": "http://10.0.0.5/hook"})
    assert response.status_code == 400
    summary = BeautifulSoup(response.content, "html.parser").select_one(".error-summary")
    assert summary is not None and "publique" in summary.text
    assert summary.find("a")["href"] == "#id_url"
    assert not WebhookSubscription.objects.exists()


def test_an_admin_suspends_and_resumes_a_subscription_audited(client, admin):
    subscription, _secret = services.subscribe_webhook(actor=admin, url=PUBLIC_URL)
    client.post(f"/federation/webhooks/{subscription.pk}/etat/")
    subscription.refresh_from_db()
    assert not subscription.active
    client.post(f"/federation/webhooks/{subscription.pk}/etat/")
    subscription.refresh_from_db()
    assert subscription.active
    changes = AuditEntry.objects.filter(
        action="federation.webhook.update", object_id=str(subscription.pk)
    ).values_list("changes", flat=True)
    assert sorted(change["active"][1] for change in changes) == [False, True]


def test_deliveries_are_counted_by_state_in_constant_queries(client, admin):
    def deliveries(subscription, states):
        WebhookDelivery.objects.bulk_create(
            WebhookDelivery(
                subscription=subscription,
                body="{}",
                first_seq=n,
                last_seq=n,
                state=state,
                next_attempt_at=timezone.now(),
            )
            for n, state in enumerate(states)
        )

    one, _ = services.subscribe_webhook(actor=admin, url=PUBLIC_URL)
    deliveries(one, ["delivered", "delivered", "pending", "failed"])
    with CaptureQueriesContext(connection) as few:
        page = client.get("/federation/webhooks/")
    cells = [
        td.text for td in BeautifulSoup(page.content, "html.parser").select("tbody tr")[0]("td")
    ]
    assert cells[3:6] == ["2", "1", "1"]
    for n in range(5):
        other, _ = services.subscribe_webhook(actor=admin, url=f"{PUBLIC_URL}/{n}")
        deliveries(other, ["delivered", "pending"])
    with CaptureQueriesContext(connection) as many:
        client.get("/federation/webhooks/")
    assert len(many) == len(few)


def test_a_deliverys_error_reads_in_the_readers_language(client, admin, allow_loopback, settings):
    services.subscribe_webhook(actor=admin, url="http://127.0.0.1:9/hook")
    make_place()
    # The operator took 127.0.0.1 off the allow-list since: refused before any connection.
    settings.FETCH_ALLOWED_NETWORKS = []
    with translation.override("fr"):
        services.deliver_webhooks()
    page = client.get("/federation/webhooks/", headers={"Accept-Language": "en"}).content.decode()
    assert "127.0.0.1 refused: the address 127.0.0.1 is not a public address" in page
    assert "n'est pas une adresse publique" not in page
    # An attempt logged before errors had codes keeps its text.
    WebhookDelivery.objects.update(log=[{"at": "2026-12-01T10:00:00", "error": "ancien texte"}])
    page = client.get("/federation/webhooks/", headers={"Accept-Language": "en"}).content.decode()
    assert "ancien texte" in page
