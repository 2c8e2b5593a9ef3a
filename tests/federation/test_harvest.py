"""Harvesting a peer (federation.harvest): incremental reads of its feed, provenance,
deletions, local decisions, duplicates; and hostile peers, each refused with a log entry and
nothing written."""

import json
import logging
import uuid
from datetime import UTC, datetime

import pytest

from maillage.audit.models import AuditEntry
from maillage.common.actors import SYSTEM
from maillage.common.errors import PermissionDenied, ValidationFailed
from maillage.common.lifecycle import IllegalTransition
from maillage.federation import services
from maillage.federation.harvest import instance_identity
from maillage.federation.models import DuplicateCandidate, HarvestedPlace, HarvestJob, Peer
from maillage.places import services as place_services
from maillage.places.models import Place, PlaceChange
from maillage.places.rules import can_delete_place, can_edit_place, places_where
from tests.accounts.factories import AdminFactory, UserFactory
from tests.federation.factories import harvest, make_peer
from tests.federation.peers import Feed, change, drip, identity_route, record, send_json
from tests.places.factories import make_place

pytestmark = pytest.mark.django_db

PEER_UUID = uuid.UUID("6f1c1b7e-2b1a-4a5e-9d3c-0c8f5b7a1e42")


@pytest.fixture
def feed():
    return Feed()


@pytest.fixture
def peer_server(allow_loopback, fake_peer, feed):
    return fake_peer(
        {
            "/api/v1/federation/instance": identity_route(PEER_UUID),
            "/api/v1/places/changes": feed.route,
        }
    )


@pytest.fixture
def peer(peer_server):
    return make_peer(peer_server.url, name="Réseau voisin")


def test_a_first_harvest_writes_the_peers_places_with_their_provenance(peer, feed):
    one, two = record(name="Le Hangar", siret=""), record(name="La Ruche", services=["Wifi"])
    feed.entries = [change(one), change(two)]
    job = harvest(peer)
    assert job.state == HarvestJob.State.SUCCEEDED, job.error_message
    assert (job.created_count, job.updated_count, job.deleted_count) == (2, 0, 0)
    place = Place.objects.get(source=peer.source, source_id=one["uuid"])
    assert place.name == "Le Hangar"
    entry = HarvestedPlace.objects.get(peer=peer, remote_uuid=one["uuid"])
    assert entry.place == place and entry.remote_updated_at is not None
    assert [s.name for s in Place.objects.get(name="La Ruche").services.all()] == ["Wifi"]
    peer.refresh_from_db()
    assert peer.instance_uuid == PEER_UUID
    # Written through the places write path: the change log and the audit log have them.
    assert PlaceChange.objects.filter(uuid=place.uuid, change="created").exists()


@pytest.mark.parametrize("resume_cursors", [True, False], ids=["resume-cursor", "without"])
def test_the_next_harvest_reads_only_what_changed_and_a_304_ends_it(
    peer, peer_server, feed, resume_cursors
):
    feed.resume_cursors = resume_cursors
    one = record(name="Le Hangar")
    feed.entries = [change(one)]
    harvest(peer)
    if resume_cursors:
        # Resumed after the last entry: an empty page, whose ETag the next harvest sends.
        job = harvest(peer)
        assert (job.created_count, job.updated_count, job.unchanged_count) == (0, 0, 0)
    before = len(peer_server.requests)
    job = harvest(peer)
    assert job.state == HarvestJob.State.SUCCEEDED
    assert (job.created_count, job.updated_count, job.unchanged_count) == (0, 0, 0)
    changes_requests = [r for r in peer_server.requests[before:] if "changes" in r[1]]
    assert len(changes_requests) == 1 and changes_requests[0][2].get("If-None-Match")
    assert "304" in job.log[-1]["message"]

    one_changed = {**one, "name": "Le Grand Hangar"}
    feed.entries.append(change(one_changed, kind="updated"))
    job = harvest(peer)
    assert (job.created_count, job.updated_count, job.unchanged_count) == (0, 1, 0)
    assert Place.objects.get(source_id=one["uuid"]).name == "Le Grand Hangar"


def test_pages_are_followed_with_their_cursor(peer, feed):
    feed.page_size = 3
    feed.entries = [change(record(name=f"Lieu {n}")) for n in range(8)]
    job = harvest(peer)
    assert job.created_count == 8
    assert job.progress_done == 8


def test_a_deletion_at_the_peer_propagates(peer, feed):
    one = record()
    feed.entries = [change(one)]
    harvest(peer)
    feed.entries.append(change(None, kind="deleted", uuid=one["uuid"]))
    job = harvest(peer)
    assert job.deleted_count == 1
    assert not Place.objects.filter(source_id=one["uuid"]).exists()
    assert not HarvestedPlace.objects.filter(remote_uuid=one["uuid"]).exists()


def test_an_update_at_the_peer_carries_surface_capacity_and_accessibility_link(peer, feed):
    """The canonical import leaves these fields to people; a peer's record carries them, so
    its updates write them, audited like the others."""
    one = record(surface_m2=120, capacity=None, acceslibre_url="")
    feed.entries = [change(one)]
    harvest(peer)
    place = Place.objects.get(source_id=one["uuid"])
    assert (place.surface_m2, place.capacity) == (120, None)
    link = "https://acceslibre.beta.gouv.fr/app/64-pau/a/coworking/erp/le-hangar/"
    updated = {**one, "surface_m2": 200, "capacity": 30, "acceslibre_url": link}
    updated["updated_at"] = datetime.now(UTC).isoformat()
    feed.entries.append(change(updated, kind="updated"))
    job = harvest(peer)
    assert job.updated_count == 1
    place.refresh_from_db()
    assert (place.surface_m2, place.capacity, place.acceslibre_url) == (200, 30, link)
    entry = AuditEntry.objects.filter(action="place.update", object_id=str(place.pk)).latest("id")
    assert entry.changes["surface_m2"] == [120, 200]
    assert entry.changes["capacity"] == [None, 30]


def test_a_harvested_place_is_read_only_until_an_admin_takes_it_over(peer, feed):
    one = record(name="Le Hangar")
    feed.entries = [change(one)]
    harvest(peer)
    place = Place.objects.get(source_id=one["uuid"])
    admin = AdminFactory()
    assert not can_edit_place(admin, place)
    assert not places_where(admin, can="edit").filter(pk=place.pk).exists()
    with pytest.raises(PermissionDenied):
        place_services.update_place(actor=admin, place=place, changes={"name": "Ici"})
    with pytest.raises(PermissionDenied):
        services.take_over_place(actor=UserFactory(), place=place)

    services.take_over_place(actor=admin, place=place)
    place.refresh_from_db()
    assert can_edit_place(admin, place) and can_delete_place(admin, place)
    place_services.update_place(actor=admin, place=place, changes={"name": "Notre Hangar"})

    # The peer's later change and deletion no longer reach it: local decisions win.
    feed.entries.append(change({**one, "name": "Autre nom"}, kind="updated"))
    job = harvest(peer)
    assert job.kept_count == 1 and job.created_count == 0
    feed.entries.append(change(None, kind="deleted", uuid=one["uuid"]))
    job = harvest(peer)
    assert job.kept_count == 1 and job.deleted_count == 0
    place.refresh_from_db()
    assert place.name == "Notre Hangar"


def test_a_place_that_exists_here_is_proposed_as_a_duplicate_never_merged(peer, feed):
    local_by_siret = make_place(name="Fablab de Pau", siret="73282932000074")
    local_by_name = make_place(name="La Ruche", latitude=43.3000, longitude=-0.3700)
    far_same_name = make_place(name="La Ruche", latitude=44.0, longitude=1.0)
    feed.entries = [
        change(record(name="Autre nom", siret="73282932000074", latitude=44.5, longitude=2.0)),
        change(record(name="la ruche", latitude=43.3005, longitude=-0.3700)),  # ~55 m
    ]
    job = harvest(peer)
    assert job.duplicate_count == 2
    pairs = {
        (candidate.local_id, candidate.reason) for candidate in DuplicateCandidate.objects.all()
    }
    assert pairs == {(local_by_siret.pk, "siret"), (local_by_name.pk, "name_nearby")}
    assert far_same_name.pk not in {local for local, _ in pairs}
    # Nothing merged: both copies exist.
    assert Place.objects.filter(source=peer.source).count() == 2


def test_a_record_changed_at_the_peer_is_checked_again_for_duplicates(peer, feed):
    """A SIRET added at the peer later makes the pair visible; a pair already proposed (or
    decided) is not proposed again."""
    local = make_place(name="Fablab de Pau", siret="73282932000074")
    one = record(name="Atelier partagé", siret="", latitude=44.5, longitude=2.0)
    feed.entries = [change(one)]
    assert harvest(peer).duplicate_count == 0
    with_siret = {**one, "siret": "73282932000074", "updated_at": datetime.now(UTC).isoformat()}
    feed.entries.append(change(with_siret, kind="updated"))
    assert harvest(peer).duplicate_count == 1
    assert DuplicateCandidate.objects.get().local == local
    renamed = {**with_siret, "name": "Atelier", "updated_at": datetime.now(UTC).isoformat()}
    feed.entries.append(change(renamed, kind="updated"))
    assert harvest(peer).duplicate_count == 0
    assert DuplicateCandidate.objects.count() == 1


def test_an_admin_merges_or_keeps_both(peer, feed):
    local = make_place(name="La Ruche", latitude=43.30, longitude=-0.37)
    other_local = make_place(name="Le Hangar", latitude=43.30, longitude=-0.37)
    ruche, hangar = record(name="La Ruche"), record(name="Le Hangar")
    feed.entries = [change(ruche), change(hangar)]
    harvest(peer)
    admin = AdminFactory()
    merge = DuplicateCandidate.objects.get(local=local)
    keep = DuplicateCandidate.objects.get(local=other_local)
    with pytest.raises(PermissionDenied):
        services.resolve_duplicate(actor=UserFactory(), candidate=merge, decision="merge")

    services.resolve_duplicate(actor=admin, candidate=merge, decision="merge")
    services.resolve_duplicate(actor=admin, candidate=keep, decision="keep_both")
    assert not Place.objects.filter(source_id=ruche["uuid"]).exists()
    assert Place.objects.filter(source_id=hangar["uuid"]).exists()
    assert HarvestedPlace.objects.get(remote_uuid=ruche["uuid"]).place == local
    with pytest.raises(IllegalTransition):
        services.resolve_duplicate(actor=admin, candidate=merge, decision="keep_both")
    with pytest.raises(ValidationFailed):
        services.resolve_duplicate(actor=admin, candidate=keep, decision="whatever")

    # The merged copy is not brought back by the next change at the peer.
    feed.entries.append(change({**ruche, "name": "La Ruche (nouvelle)"}, kind="updated"))
    job = harvest(peer)
    assert job.kept_count == 1 and job.created_count == 0
    local.refresh_from_db()
    assert local.name == "La Ruche"


def test_registering_a_peer_checks_its_url():
    with pytest.raises(ValidationFailed, match="publique"):
        services.register_peer(actor=SYSTEM, base_url="http://10.0.0.1")
    with pytest.raises(ValidationFailed, match="http"):
        services.register_peer(actor=SYSTEM, base_url="file:///etc/passwd")
    with pytest.raises(PermissionDenied):
        services.register_peer(actor=UserFactory(), base_url="https://93.184.216.34")
    assert not Peer.objects.exists()


def test_a_harvest_runs_with_the_rights_of_whoever_queued_it(peer, feed):
    admin = AdminFactory()
    job = services.queue_harvest(actor=admin, peer=peer, launch=False)
    admin.is_instance_admin = False
    admin.save()
    job = services.run_harvest_job(job_id=job.pk)
    assert job.state == HarvestJob.State.FAILED
    assert "droit" in job.error_message


# --- hostile peers ------------------------------------------------------------------------------


def _hostile(fake_peer, changes_route, *, identity=None):
    return fake_peer(
        {
            "/api/v1/federation/instance": identity or identity_route(PEER_UUID),
            "/api/v1/places/changes": changes_route,
        }
    )


def _assert_refused(job, words, caplog):
    assert job.state == HarvestJob.State.FAILED
    assert words in job.error_message, job.error_message
    assert job.log and job.log[-1]["level"] == "error" and words in job.log[-1]["message"]
    assert words in caplog.text
    assert not Place.objects.filter(source__startswith="peer:").exists()
    assert not HarvestedPlace.objects.exists()


@pytest.mark.parametrize(
    ("route", "words"),
    [
        (lambda h: send_json(h, b'{"items": [ {"uuid": '), "JSON invalide"),
        (lambda h: send_json(h, b"[1, 2, 3]"), "refusé"),
        (
            lambda h: send_json(
                h, {"items": [change(record(latitude=1e308))], "next_cursor": None}
            ),
            "latitude",
        ),
        (
            lambda h: send_json(
                h,
                b'{"items": ['
                + json.dumps(change(record()))
                .encode()
                .replace(b'"latitude": 43.3', b'"latitude": 1e999')
                + b'], "next_cursor": null}',
            ),
            "JSON invalide",
        ),
        (
            lambda h: send_json(
                h, {"items": [change(record(capacity=10**30))], "next_cursor": None}
            ),
            "capacity",
        ),
        (
            lambda h: send_json(
                h,
                {"items": [change(record(name="<script>alert(1)</script>"))], "next_cursor": None},
            ),
            "name",
        ),
        (
            lambda h: send_json(
                h,
                {
                    "items": [
                        change(record(name="Bon lieu")),
                        change(record(city='Pau<img src=x onerror="x()">')),
                    ],
                    "next_cursor": None,
                },
            ),
            "city",
        ),
        (
            lambda h: send_json(h, {"items": [change(record(kinds=["pas_un_type"]))]}),
            "kinds",
        ),
        (
            lambda h: send_json(h, {"items": [change(record(), kind="exploded")]}),
            "change",
        ),
    ],
    ids=[
        "invalid-json",
        "not-a-page",
        "latitude-out-of-range",
        "number-overflow",
        "integer-out-of-range",
        "html-in-name",
        "html-in-a-later-entry",
        "unknown-kind",
        "unknown-change",
    ],
)
def test_hostile_pages_are_refused_and_nothing_is_written(
    allow_loopback, fake_peer, caplog, route, words
):
    peer = make_peer(_hostile(fake_peer, route).url)
    with caplog.at_level(logging.INFO):
        job = harvest(peer)
    _assert_refused(job, words, caplog)


def test_a_peer_answering_another_instances_uuid_is_refused(allow_loopback, fake_peer, caplog):
    feed = Feed()
    feed.entries = [change(record())]
    server = _hostile(fake_peer, feed.route, identity=identity_route(uuid.uuid4()))
    peer = make_peer(server.url)
    Peer.objects.filter(pk=peer.pk).update(instance_uuid=PEER_UUID)
    with caplog.at_level(logging.INFO):
        job = harvest(Peer.objects.get(pk=peer.pk))
    _assert_refused(job, "au lieu de", caplog)
    assert not [r for r in server.requests if "changes" in r[1]]


def test_a_peer_answering_this_instances_own_uuid_is_refused(allow_loopback, fake_peer, caplog):
    server = _hostile(fake_peer, Feed().route, identity=identity_route(instance_identity().uuid))
    with caplog.at_level(logging.INFO):
        job = harvest(make_peer(server.url))
    _assert_refused(job, "cette instance", caplog)


def test_a_gigabyte_answer_is_refused(allow_loopback, fake_peer, caplog, settings):
    settings.FEDERATION_MAX_RESPONSE_BYTES = 1024 * 1024

    def huge(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(1024**3))
        handler.end_headers()
        try:
            for _ in range(64):
                handler.wfile.write(b" " * 65536)
        except OSError:
            pass

    with caplog.at_level(logging.INFO):
        job = harvest(make_peer(_hostile(fake_peer, huge).url))
    _assert_refused(job, "octets", caplog)


def test_a_slow_drip_is_refused(allow_loopback, fake_peer, caplog, settings):
    settings.FEDERATION_TIMEOUT_SECONDS = 1
    with caplog.at_level(logging.INFO):
        job = harvest(make_peer(_hostile(fake_peer, lambda h: drip(h, delay_s=0.05)).url))
    _assert_refused(job, "délai total", caplog)


def test_a_redirect_to_a_refused_address_is_refused(allow_loopback, fake_peer, caplog):
    def redirect(handler):
        handler.send_response(302)
        handler.send_header("Location", "http://169.254.169.254/latest/meta-data/")
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    with caplog.at_level(logging.INFO):
        job = harvest(make_peer(_hostile(fake_peer, redirect).url))
    _assert_refused(job, "169.254.169.254", caplog)


def test_a_bad_page_after_good_ones_keeps_the_good_ones_and_their_cursor(peer, feed):
    feed.page_size = 2
    good = [change(record(name=f"Lieu {n}")) for n in range(2)]
    feed.entries = [*good, change(record(name="<b>mauvais</b>"))]
    job = harvest(peer)
    assert job.state == HarvestJob.State.FAILED
    assert Place.objects.filter(source=peer.source).count() == 2
    peer.refresh_from_db()
    assert peer.cursor == "2"
    # Once the peer corrects it, the harvest goes on from there.
    feed.entries[2] = change(record(name="Corrigé"))
    job = harvest(peer)
    assert job.state == HarvestJob.State.SUCCEEDED and job.created_count == 1
