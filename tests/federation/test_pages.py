"""Federation pages: register a peer, harvest now, a harvest's log, the duplicate queue,
taking a harvested place over; instance administrators only."""

import uuid

import pytest
from bs4 import BeautifulSoup

from maillage.federation.models import DuplicateCandidate, HarvestedPlace, HarvestJob, Peer
from maillage.places.models import Place
from tests.accounts.factories import AdminFactory, UserFactory
from tests.federation.factories import harvest, make_peer
from tests.federation.peers import Feed, change, identity_route, record
from tests.places.factories import make_place

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(client):
    user = AdminFactory()
    client.force_login(user)
    return user


@pytest.fixture
def harvested(allow_loopback, fake_peer):
    """A peer harvested once: one place, and one duplicate of a local place."""
    local = make_place(name="La Ruche", latitude=43.30, longitude=-0.37)
    feed = Feed()
    feed.entries = [change(record(name="La Ruche")), change(record(name="Le Hangar"))]
    server = fake_peer(
        {
            "/api/v1/federation/instance": identity_route(uuid.uuid4()),
            "/api/v1/places/changes": feed.route,
        }
    )
    peer = make_peer(server.url, name="Voisins")
    job = harvest(peer)
    return peer, job, local


@pytest.mark.parametrize(
    "path",
    ["/federation/", "/federation/doublons/"],
)
def test_pages_are_for_instance_admins_only(client, path):
    assert client.get(path).status_code == 302  # to the login page
    client.force_login(UserFactory())
    assert client.get(path).status_code == 404


def test_an_admin_registers_a_peer_and_a_refused_url_is_explained(client, admin):
    response = client.post("/federation/", {"base_url": "http://192.168.1.10", "name": "X"})
    assert response.status_code == 200
    summary = BeautifulSoup(response.content, "html.parser").find(id="erreurs")
    assert summary is not None and "publique" in summary.text
    assert not Peer.objects.exists()
    response = client.post("/federation/", {"base_url": "https://93.184.216.34", "name": "Région"})
    assert response.status_code == 302
    assert Peer.objects.get().name == "Région"
    assert "Région" in client.get("/federation/").content.decode()


def test_harvest_now_queues_a_job_and_shows_its_page(client, admin, harvested):
    peer, _job, _local = harvested
    response = client.post(f"/federation/instances/{peer.pk}/moissonner/")
    job = HarvestJob.objects.filter(state="pending").get()
    assert response.status_code == 302 and response["Location"] == f"/federation/moissons/{job.pk}/"
    # A second one while it is pending is refused with a message.
    response = client.post(f"/federation/instances/{peer.pk}/moissonner/", follow=True)
    assert "déjà" in response.content.decode()


def test_a_harvests_page_shows_its_counts_and_log(client, admin, harvested):
    _peer, job, _local = harvested
    page = client.get(f"/federation/moissons/{job.pk}/").content.decode()
    assert "Doublons proposés" in page and "doublon possible" in page


def test_the_duplicate_queue_lets_an_admin_merge_or_keep_both(
    client, admin, harvested, django_assert_max_num_queries
):
    _peer, _job, local = harvested
    candidate = DuplicateCandidate.objects.get()
    with django_assert_max_num_queries(8):
        page = client.get("/federation/doublons/").content.decode()
    assert "La Ruche" in page and "même nom à moins de 100 m" in page
    response = client.post(f"/federation/doublons/{candidate.pk}/", {"decision": "merge"})
    assert response.status_code == 302
    candidate.refresh_from_db()
    assert candidate.state == "merged" and candidate.decided_by == admin
    assert HarvestedPlace.objects.get(state="merged").place == local
    assert "Aucun doublon" in client.get("/federation/doublons/").content.decode()
    response = client.post(
        f"/federation/doublons/{candidate.pk}/", {"decision": "keep_both"}, follow=True
    )
    assert "déjà été tranché" in response.content.decode()


def test_a_harvested_place_page_says_so_and_an_admin_takes_it_over(client, admin, harvested):
    place = Place.objects.get(name="Le Hangar")
    page = client.get(f"/lieux/{place.slug}/").content.decode()
    assert "Lieu moissonné" in page and "Reprendre ce lieu ici" in page
    assert f"/lieux/{place.slug}/modifier/" not in page
    response = client.post(f"/federation/lieux/{place.pk}/reprendre/")
    assert response.status_code == 302
    place.refresh_from_db()
    assert place.source == ""
    assert "Lieu moissonné" not in client.get(f"/lieux/{place.slug}/").content.decode()
