"""The network event pages: a network's coordinators (and instance administrators) create and
change its events with the place events' form and services, without a room, at an address.
Everyone else answers 404 (the network's existence is not told), and so do foreign events."""

from datetime import timedelta

import pytest
from django.urls import reverse

from maillage.common.actors import SYSTEM
from maillage.events.models import Event, LocationKind
from maillage.places.services import grant_place_role, save_network
from tests.accounts.factories import AdminFactory, UserFactory
from tests.bookings.factories import tomorrow_at
from tests.events.factories import make_event
from tests.members.factories import make_membership
from tests.places.factories import make_place

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "member_a", "staff_a", "member_b", "coordinator", "admin")
RUNS_NETWORK = ("coordinator", "admin")


@pytest.fixture
def world():
    people = {
        "anonymous": None,
        "member_a": UserFactory(username="membre-a"),
        "staff_a": UserFactory(username="equipe-a"),
        "member_b": UserFactory(username="membre-b"),
        "coordinator": UserFactory(username="coordination"),
        "admin": AdminFactory(username="admin-instance"),
    }
    place_a = make_place(name="Lieu A")
    place_b = make_place(name="Lieu B")
    grant_place_role(actor=SYSTEM, place=place_a, user=people["staff_a"], role="staff")
    make_membership(place_a, people["member_a"])
    make_membership(place_b, people["member_b"])
    network = save_network(
        actor=SYSTEM,
        network=None,
        data={
            "name": "Réseau",
            "slug": "reseau",
            "places": [place_a],
            "coordinators": [people["coordinator"]],
        },
    )
    other = save_network(
        actor=SYSTEM,
        network=None,
        data={"name": "Autre réseau", "slug": "autre", "places": [place_b]},
    )
    event = make_event(
        network=network, location_kind=LocationKind.ADDRESS, address="Salle des fêtes"
    )
    foreign = make_event(network=other, location_kind=LocationKind.ADDRESS, address="Ailleurs")
    return {
        **people,
        "place_a": place_a,
        "network": network,
        "other": other,
        "event": event,
        "foreign": foreign,
    }


def form_data(place, **overrides):
    values = {
        "title": "Rencontre du réseau",
        "category": "workshop",
        "day": tomorrow_at(place, 10, days=6).date().isoformat(),
        "start": "14:00",
        "end": "17:00",
        "location_kind": "address",
        "address": "Maison des associations, Pau",
        "capacity": "40",
        "visibility": "public",
        "price_euros": "0",
    }
    values.update(overrides)
    return values


def as_(client, world, role):
    if world[role] is not None:
        client.force_login(world[role])
    return client


@pytest.mark.parametrize("role", ROLES)
def test_create_a_network_event_from_the_page(client, world, role):
    url = reverse("events:network_create", args=[world["network"].slug])
    as_(client, world, role)
    page = client.get(url)
    response = client.post(url, form_data(world["place_a"]))
    created = Event.objects.filter(title="Rencontre du réseau").first()
    if role == "anonymous":
        assert page.status_code == 302 and response.status_code == 302  # to the login page
        assert created is None
    elif role in RUNS_NETWORK:
        assert page.status_code == 200
        html = page.content.decode()
        assert 'name="room"' not in html and 'name="qualification"' not in html
        assert response.status_code == 302
        assert created is not None
        assert created.network == world["network"] and created.place is None
        assert created.location_kind == LocationKind.ADDRESS
        assert created.address == "Maison des associations, Pau"
        assert response["Location"] == reverse("events:detail", args=[created.pk])
    else:
        assert page.status_code == 404 and response.status_code == 404
        assert created is None


@pytest.mark.parametrize("role", ROLES)
def test_change_a_network_event_from_the_page(client, world, role):
    event = world["event"]
    url = reverse("events:edit", args=[event.pk])
    as_(client, world, role)
    page = client.get(url)
    response = client.post(url, form_data(world["place_a"], title="Nouveau titre"))
    event.refresh_from_db()
    if role == "anonymous":
        assert response.status_code == 302 and event.title == "Repair café"
    elif role in RUNS_NETWORK:
        assert page.status_code == 200
        assert 'value="Salle des fêtes"' in page.content.decode()  # the form shows the event
        assert response.status_code == 302
        assert event.title == "Nouveau titre"
        assert event.address == "Maison des associations, Pau"
    else:
        assert page.status_code == 404 and response.status_code == 404
        assert event.title == "Repair café"


def test_a_network_event_is_never_held_in_a_room_or_at_a_place(client, world):
    client.force_login(world["coordinator"])
    url = reverse("events:network_create", args=[world["network"].slug])
    for kind in ("place", "room"):
        response = client.post(url, form_data(world["place_a"], location_kind=kind))
        assert response.status_code == 400
    missing = client.post(url, form_data(world["place_a"], address=""))
    assert missing.status_code == 400 and "alert-error" in missing.content.decode()
    assert not Event.objects.filter(title="Rencontre du réseau").exists()


def test_a_coordinator_gets_404_for_another_network_and_its_events(client, world):
    client.force_login(world["coordinator"])
    assert (
        client.get(reverse("events:network_create", args=[world["other"].slug])).status_code == 404
    )
    assert client.get(reverse("events:network_create", args=["inconnu"])).status_code == 404
    foreign = world["foreign"]
    response = client.post(
        reverse("events:edit", args=[foreign.pk]), form_data(world["place_a"], title="Pris")
    )
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.title == "Repair café"


def test_a_coordinator_does_not_run_the_events_of_a_place_of_the_network(client, world):
    place_event = make_event(world["place_a"])
    client.force_login(world["coordinator"])
    assert client.get(reverse("events:edit", args=[place_event.pk])).status_code == 404


def test_the_network_page_links_to_the_network_event_pages(client, world):
    client.force_login(world["coordinator"])
    html = client.get(reverse("places:network", args=[world["network"].slug])).content.decode()
    assert reverse("events:network_create", args=[world["network"].slug]) in html
    detail = client.get(reverse("events:detail", args=[world["event"].pk])).content.decode()
    assert reverse("events:edit", args=[world["event"].pk]) in detail
    client.force_login(world["member_a"])
    assert client.get(reverse("places:network", args=[world["network"].slug])).status_code == 404


def test_the_network_event_form_reads_times_on_the_paris_clock(client, world):
    client.force_login(world["coordinator"])
    url = reverse("events:network_create", args=[world["network"].slug])
    assert client.post(url, form_data(world["place_a"])).status_code == 302
    event = Event.objects.get(title="Rencontre du réseau")
    local = event.start.astimezone(event.timezone)
    assert (local.hour, local.minute) == (14, 0)
    assert event.end - event.start == timedelta(hours=3)
