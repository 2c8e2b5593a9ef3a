"""A harvest stores its stop reasons, its refusals and its log as codes with params
(`Job.stop_reason`, `HarvestJob.displayed_log`): its page, the admin and `maillage harvest` show
them in the reader's language, whatever language it ran in (issue 13)."""

import uuid

import pytest
from bs4 import BeautifulSoup
from django.core.management import CommandError, call_command
from django.utils import translation

from maillage.federation import services
from maillage.federation.harvest import instance_identity
from maillage.federation.models import HarvestJob
from tests.accounts.factories import AdminFactory
from tests.federation.factories import harvest, make_peer
from tests.federation.peers import Feed, change, identity_route, record, send_json

pytestmark = pytest.mark.django_db

SELF_FR = "cette adresse est celle de cette instance-ci"
SELF_EN = "this address is this very instance"


def test_a_harvest_whose_author_was_deleted_reads_in_the_readers_language(client):
    author, admin = AdminFactory(), AdminFactory()
    peer = make_peer("https://93.184.216.34")
    with translation.override("fr"):
        job = services.queue_harvest(actor=author, peer=peer, launch=False)
    author.delete()
    with translation.override("fr"):
        job = services.run_harvest_job(job_id=job.pk)
    assert (job.error_code, job.error_message) == (
        "harvest.author_deleted",
        "Le compte qui a lancé cette moisson a été supprimé.",
    )
    client.force_login(admin)
    page = client.get(f"/federation/moissons/{job.pk}/", headers={"Accept-Language": "en"})
    assert "The account that started this harvest was deleted." in page.content.decode()


def _report(client, job: HarvestJob, **headers) -> str:
    page = client.get(f"/federation/moissons/{job.pk}/", headers=headers)
    assert page.status_code == 200
    return " ".join(
        BeautifulSoup(page.content, "html.parser").find(id="harvest-report").text.split()
    )


@pytest.fixture
def admin(client):
    user = AdminFactory()
    client.force_login(user)
    return user


@pytest.fixture
def own_address(allow_loopback, fake_peer):
    """A peer at this instance's own address: it answers this instance's UUID."""
    server = fake_peer({"/api/v1/federation/instance": identity_route(instance_identity().uuid)})
    return make_peer(server.url)


def test_a_peer_at_the_instances_own_address_stores_the_code_of_its_refusal(own_address):
    with translation.override("en"):
        job = harvest(own_address)
    assert (job.state, job.error_code, job.error_params) == (
        HarvestJob.State.FAILED,
        "harvest.self_address",
        {},
    )
    # Stored in the language it ran in, rendered in the reader's.
    assert job.error_message == SELF_EN
    assert job.log[-1] == {
        "level": "error",
        "code": "harvest.self_address",
        "params": {},
        "message": SELF_EN,
    }
    with translation.override("fr"):
        assert job.stop_reason == SELF_FR
        assert job.displayed_log[-1] == {"level": "error", "message": SELF_FR}


def test_the_harvest_page_shows_the_refusal_in_the_readers_language(client, admin, own_address):
    with translation.override("fr"):
        job = harvest(own_address)
    english = _report(client, job, **{"Accept-Language": "en"})
    assert f"The harvest was stopped: {SELF_EN}" in english
    assert f"Refused: {SELF_EN}" in english
    assert SELF_FR not in english
    french = _report(client, job)
    assert f"Refus : {SELF_FR}" in french and SELF_EN not in french
    client.cookies["django_language"] = "en"
    assert f"Refused: {SELF_EN}" in _report(client, job)


def test_a_private_address_is_refused_with_its_host_and_address_as_params(
    client, admin, settings, allow_loopback
):
    peer = make_peer("http://127.0.0.1:9")
    # The operator took 127.0.0.1 off the allow-list since: refused before any connection.
    settings.FETCH_ALLOWED_NETWORKS = []
    job = harvest(peer)
    assert (job.error_code, job.error_params) == (
        "fetch.private_address",
        {"host": "127.0.0.1", "address": "127.0.0.1"},
    )
    assert job.error_message == (
        "127.0.0.1 refusé : l'adresse 127.0.0.1 n'est pas une adresse publique"
    )
    assert (job.log[-1]["code"], job.log[-1]["params"]) == (
        "fetch.private_address",
        {"host": "127.0.0.1", "address": "127.0.0.1"},
    )
    english = _report(client, job, **{"Accept-Language": "en"})
    assert "Refused: 127.0.0.1 refused: the address 127.0.0.1 is not a public address" in english


def test_a_refused_page_keeps_the_code_of_its_first_error_as_a_param(
    client, admin, allow_loopback, fake_peer
):
    server = fake_peer(
        {
            "/api/v1/federation/instance": identity_route(uuid.uuid4()),
            "/api/v1/places/changes": lambda handler: send_json(handler, {"items": "aucun"}),
        }
    )
    job = harvest(make_peer(server.url))
    assert job.error_code == "harvest.invalid_answer"
    params = job.error_params
    assert params["what"] == {"code": "harvest.changes_page", "params": {"cursor": "-"}}
    assert params["message"]["code"] == "schema.list"
    assert (params["location"], params["count"]) == ("items", 1)
    assert "Une liste est attendue." in job.error_message
    english = _report(client, job, **{"Accept-Language": "en"})
    assert "page of changes (cursor “-”) refused: items — A list is expected. (1 error(s))" in (
        english
    )


def test_the_summary_and_the_pinned_identity_read_in_the_readers_language(
    client, admin, allow_loopback, fake_peer
):
    peer_uuid = uuid.uuid4()
    feed = Feed()
    feed.entries = [change(record(name="Un"))]
    server = fake_peer(
        {
            "/api/v1/federation/instance": identity_route(peer_uuid),
            "/api/v1/places/changes": feed.route,
        }
    )
    job = harvest(make_peer(server.url))
    assert [entry["code"] for entry in job.log] == ["harvest.instance_pinned", "harvest.summary"]
    assert job.log[0]["params"] == {"uuid": str(peer_uuid)}
    english = _report(client, job, **{"Accept-Language": "en"})
    assert f"instance identifier pinned: {peer_uuid}" in english
    assert "1 created, 0 updated, 0 unchanged, 0 deleted, 0 kept locally" in english
    assert "1 créés" in _report(client, job)


def test_a_log_stored_before_codes_still_shows_its_text(client, admin):
    peer = make_peer("https://93.184.216.34")
    job = services.queue_harvest(actor=admin, peer=peer, launch=False)
    # A harvest that failed before its reasons and its log had codes.
    HarvestJob.objects.filter(pk=job.pk).update(
        state=HarvestJob.State.FAILED,
        error_message="connexion impossible (ConnectionRefusedError)",
        log=[
            {"level": "info", "message": "identifiant de l'instance retenu : 42"},
            {"level": "error", "message": "connexion impossible (ConnectionRefusedError)"},
        ],
    )
    job.refresh_from_db()
    english = _report(client, job, **{"Accept-Language": "en"})
    assert "The harvest was stopped: connexion impossible (ConnectionRefusedError)" in english
    assert "identifiant de l'instance retenu : 42" in english
    assert "Refused: connexion impossible (ConnectionRefusedError)" in english


def test_the_admin_shows_the_reason_and_the_log_in_the_readers_language(admin_client, own_address):
    with translation.override("fr"):
        job = harvest(own_address)
    listing = admin_client.get("/admin/federation/harvestjob/", headers={"Accept-Language": "en"})
    assert SELF_EN in listing.content.decode() and SELF_FR not in listing.content.decode()
    detail = admin_client.get(
        f"/admin/federation/harvestjob/{job.pk}/change/", headers={"Accept-Language": "en"}
    )
    text = " ".join(BeautifulSoup(detail.content, "html.parser").text.split())
    assert f"error: {SELF_EN}" in text and SELF_FR not in text


def test_the_harvest_command_says_why_in_the_active_language(allow_loopback, fake_peer):
    server = fake_peer({"/api/v1/federation/instance": identity_route(instance_identity().uuid)})
    with translation.override("en"), pytest.raises(CommandError) as refused:
        call_command("harvest", server.url)
    assert str(refused.value) == f"Harvest refused: {SELF_EN}"
    with pytest.raises(CommandError) as refused:
        call_command("harvest", server.url)
    assert str(refused.value) == f"Moisson refusée : {SELF_FR}"
