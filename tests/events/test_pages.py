"""The event pages: the agenda and its filters, an event's page (Markdown, JSON-LD), the
guest's signed links, the staff's pages, the feeds, « Mon espace », the dashboard, reminders
and the personal-data export."""

import json
import re
from datetime import timedelta

import icalendar
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from maillage.accounts.personal_data import erase_person, export_person
from maillage.common.actors import SYSTEM
from maillage.events import services
from maillage.events.feed_services import create_event_feed
from maillage.events.links import cancel_token, confirm_token
from maillage.events.models import Event, Registration
from maillage.events.reminders import send_event_reminders
from maillage.places.services import grant_place_role, save_network
from tests.accounts.factories import UserFactory
from tests.bookings.factories import tomorrow_at
from tests.events.factories import make_event, run_queued_tasks
from tests.members.factories import make_membership
from tests.places.factories import make_place

pytestmark = pytest.mark.django_db


@pytest.fixture
def place():
    return make_place(name="La Fabrique de Pau")


@pytest.fixture
def staff(place):
    user = UserFactory(username="equipe")
    grant_place_role(actor=SYSTEM, place=place, user=user, role="staff")
    return user


def titles(response) -> list[str]:
    return re.findall(r'<h3><a href="/evenements/\d+/">([^<]+)</a>', response.content.decode())


def test_the_agenda_filters_without_javascript(client, place):
    paris = make_place(name="Ailleurs", insee_code="75056", latitude=48.85, longitude=2.35)
    make_event(place, title="Réparer", category="repair")
    make_event(place, title="Payant", category="workshop", price_cents=1500)
    full = make_event(place, title="Complet", category="workshop", capacity=1)
    Event.objects.filter(pk=full.pk).update(taken=1)
    make_event(paris, title="À Paris", category="repair")
    agenda = reverse("events:agenda")
    assert set(titles(client.get(agenda))) == {"Réparer", "Payant", "Complet", "À Paris"}
    assert set(titles(client.get(agenda, {"categorie": "repair"}))) == {"Réparer", "À Paris"}
    assert "Payant" not in titles(client.get(agenda, {"gratuit": "on"}))
    assert "Complet" not in titles(client.get(agenda, {"places_libres": "on"}))
    near_pau = client.get(agenda, {"pres_de": "64445", "rayon": "30"})
    assert "À Paris" not in titles(near_pau) and "Réparer" in titles(near_pau)
    assert titles(client.get(agenda, {"territoire": "departement:75"})) == ["À Paris"]
    far = (timezone.localdate() + timedelta(days=30)).isoformat()
    assert titles(client.get(agenda, {"du": far})) == []
    bad = client.get(agenda, {"pres_de": "99999"})
    assert bad.status_code == 200 and "Aucune commune" in bad.content.decode()
    place_page = client.get(reverse("events:place_agenda", args=[place.slug]))
    assert "À Paris" not in titles(place_page)


def test_the_agenda_reads_a_fixed_number_of_queries(client, place):
    for n in range(3):
        make_event(place, title=f"E{n}")
    agenda = reverse("events:agenda")
    with CaptureQueriesContext(connection) as few:
        client.get(agenda, {"categorie": "repair", "territoire": "64"})
    for n in range(25):
        make_event(place, title=f"F{n}")
    with CaptureQueriesContext(connection) as many:
        client.get(agenda, {"categorie": "repair", "territoire": "64"})
    assert len(many) == len(few)


def test_the_event_page_renders_markdown_safely_and_carries_json_ld(client, place):
    event = make_event(
        place,
        title="Atelier </script><script>alert(1)</script>",
        description="**Gras** <script>alert(2)</script> [lien](javascript:alert(3))",
        capacity=5,
        price_cents=250,
    )
    response = client.get(reverse("events:detail", args=[event.pk]))
    html = response.content.decode()
    assert "<strong>Gras</strong>" in html
    [raw] = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert "<" not in raw  # the JSON-LD cannot end its script early
    rest = html.replace(raw, "")
    assert "<script>alert" not in rest and "javascript:" not in rest
    data = json.loads(raw)
    assert data["@type"] == "Event"
    assert data["eventStatus"] == "https://schema.org/EventScheduled"
    assert data["remainingAttendeeCapacity"] == 5
    assert data["offers"]["price"] == "2.50" and data["offers"]["priceCurrency"] == "EUR"
    assert data["location"]["address"]["addressCountry"] == "FR"
    assert "2,50 €" in html
    services.cancel_event(actor=SYSTEM, event=event)
    html = client.get(reverse("events:detail", args=[event.pk])).content.decode()
    assert "EventCancelled" in html


def test_a_members_only_event_is_hidden_from_others(client, place):
    event = make_event(place, visibility="members")
    assert client.get(reverse("events:detail", args=[event.pk])).status_code == 404
    ada = UserFactory(username="ada")
    make_membership(place, ada)
    client.force_login(ada)
    assert client.get(reverse("events:detail", args=[event.pk])).status_code == 200


def test_the_guest_registers_confirms_and_cancels_through_the_links(client, place, mailoutbox):
    event = make_event(place, capacity=1)
    url = reverse("events:register", args=[event.pk])
    invalid = client.post(url, {"name": "", "email": "pas-une-adresse"})
    assert invalid.status_code == 400 and "alert-error" in invalid.content.decode()
    response = client.post(url, {"name": "Léa", "email": "lea@example.org"})
    assert response.status_code == 200 and "messagerie" in response.content.decode()
    registration = Registration.objects.get(email="lea@example.org")
    assert registration.status == "pending_confirmation"
    confirm_url = reverse("events:confirm", args=[confirm_token(registration)])
    # Opening the link shows a button; only the POST confirms (mail scanners open links).
    assert client.get(confirm_url).status_code == 200
    registration.refresh_from_db()
    assert registration.status == "pending_confirmation"
    response = client.post(confirm_url)
    assert response.status_code == 200 and "confirmée" in response.content.decode()
    registration.refresh_from_db()
    assert registration.status == "confirmed"
    forged = client.get(reverse("events:confirm", args=["abc:def"]))
    assert forged.status_code == 400
    cancel_url = reverse("events:cancel_link", args=[cancel_token(registration)])
    assert client.post(cancel_url).status_code == 200
    registration.refresh_from_db()
    assert registration.status == "cancelled"
    assert client.post(cancel_url).status_code == 409


def test_a_member_registers_and_cancels_from_the_page(client, place):
    event = make_event(place, capacity=1)
    ada = UserFactory(username="ada")
    make_membership(place, ada)
    client.force_login(ada)
    response = client.post(reverse("events:register", args=[event.pk]))
    assert response.status_code == 302
    registration = Registration.objects.get(user=ada)
    assert registration.status == "confirmed"
    page = client.get(reverse("events:detail", args=[event.pk])).content.decode()
    assert "Vous êtes inscrit·e" in page
    my_space = client.get(reverse("members:my_space")).content.decode()
    assert "Mes inscriptions" in my_space and event.title in my_space
    client.post(reverse("events:cancel_mine", args=[registration.pk]))
    registration.refresh_from_db()
    assert registration.status == "cancelled"


def test_staff_create_an_event_from_the_form_and_run_the_roll_call(client, place, staff):
    client.force_login(staff)
    url = reverse("events:create", args=[place.slug])
    assert client.get(url).status_code == 200
    day = tomorrow_at(place, 10, days=5).date().isoformat()
    form = {
        "title": "Atelier vélo",
        "category": "workshop",
        "day": day,
        "start": "14:00",
        "end": "16:00",
        "weeks": "3",
        "location_kind": "place",
        "capacity": "8",
        "visibility": "public",
        "price_euros": "0",
    }
    bad = client.post(url, {**form, "end": "13:00"})
    assert bad.status_code == 400 and "alert-error" in bad.content.decode()
    response = client.post(url, form)
    assert response.status_code == 302
    events = list(Event.objects.filter(title="Atelier vélo").order_by("start"))
    assert len(events) == 3
    assert events[0].start.astimezone(place.timezone).hour == 14
    roll = reverse("events:roll_call", args=[events[0].pk])
    response = client.post(
        roll, {"action": "register", "someone-name": "Jean", "someone-email": "jean@example.org"}
    )
    assert response.status_code == 302
    assert "Jean" in client.get(roll).content.decode()
    dashboard = client.get(reverse("bookings:dashboard", args=[place.slug])).content.decode()
    assert "Prochains événements" in dashboard and "Atelier vélo" in dashboard
    # Someone who does not run the place gets 404 on the staff pages.
    client.force_login(UserFactory(username="autre"))
    assert client.get(url).status_code == 404
    assert client.get(roll).status_code == 404


def test_staff_mark_attendance_from_the_roll_call(client, place, staff):
    event = make_event(place)
    registration = services.register(actor=SYSTEM, event=event, name="Jean", email="j@example.org")
    Event.objects.filter(pk=event.pk).update(start=timezone.now() - timedelta(hours=1))
    client.force_login(staff)
    roll = reverse("events:roll_call", args=[event.pk])
    response = client.post(
        roll, {"action": "attendance", "registration": registration.pk, "attendance": "present"}
    )
    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.attendance == "present"


def test_the_ics_of_an_event_and_the_feeds(client, place):
    event = make_event(place, title="Repair café")
    network = save_network(
        actor=SYSTEM, network=None, data={"name": "Réseau", "slug": "reseau", "places": [place]}
    )
    for url in (
        reverse("events:ics", args=[event.pk]),
        reverse("events:place_feed", args=[place.slug]),
        reverse("events:network_feed", args=[network.slug]),
        reverse("events:territory_feed", args=["departement:64"]),
        reverse("events:agenda_feed") + "?categorie=repair",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"].startswith("text/calendar")
        [item] = icalendar.Calendar.from_ical(response.content).walk("VEVENT")
        assert str(item["SUMMARY"]) == "Repair café"
        assert item["DTSTART"].dt.hour == 18  # on the place's clock, with its TZID
    empty = client.get(reverse("events:agenda_feed") + "?categorie=talk")
    assert icalendar.Calendar.from_ical(empty.content).walk("VEVENT") == []
    assert client.get(reverse("events:territory_feed", args=["zzz"])).status_code == 404


def test_the_members_own_feed_at_a_secret_address(client, place):
    ada = UserFactory(username="ada")
    make_membership(place, ada)
    event = make_event(place)
    registration = services.register(actor=ada, event=event)
    _feed, secret = create_event_feed(actor=ada, user=ada)
    response = client.get(reverse("events:own_feed", args=[secret]))
    [item] = icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    assert str(item["STATUS"]) == "CONFIRMED"
    services.cancel_registration(actor=ada, registration=registration)
    response = client.get(reverse("events:own_feed", args=[secret]))
    [item] = icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    assert str(item["STATUS"]) == "CANCELLED"
    # A new address revokes the old one.
    _feed, new_secret = create_event_feed(actor=ada, user=ada)
    assert client.get(reverse("events:own_feed", args=[secret])).status_code == 404
    assert client.get(reverse("events:own_feed", args=[new_secret])).status_code == 200
    assert client.get(reverse("events:own_feed", args=["evt_nope"])).status_code == 404


def test_reminders_go_once_the_day_before(place, mailoutbox):
    event = make_event(place, start=tomorrow_at(place, 18))
    services.register(actor=SYSTEM, event=event, name="Jean", email="jean@example.org")
    run_queued_tasks()
    mailoutbox.clear()
    assert send_event_reminders(actor=SYSTEM) == 1
    assert send_event_reminders(actor=SYSTEM) == 0
    run_queued_tasks()
    [message] = mailoutbox
    assert message.subject.startswith("Rappel")
    later = make_event(place, start=tomorrow_at(place, 18, days=3))
    services.register(actor=SYSTEM, event=later, name="Jean", email="jean@example.org")
    assert send_event_reminders(actor=SYSTEM) == 0


def test_personal_data_export_and_erasure(place):
    ada = UserFactory(username="ada", email="ada@example.org")
    make_membership(place, ada)
    event = make_event(place)
    registration = services.register(actor=ada, event=event)
    exported = export_person(ada)["event_registrations"]
    assert exported["registrations"][0]["event"] == event.title
    erase_person(ada)
    registration.refresh_from_db()
    assert registration.user is None and registration.email == ""
    assert registration.status == "confirmed"  # the seat stays counted, anonymously
