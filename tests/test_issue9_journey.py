"""Issue 9's « Done when », events part, walked through the pages with Django's test client.

A visitor finds a repair-café session near Pau in the agenda, registers as a guest, confirms
by the link found in the mail folder (`var/mail/`, the development mail backend) and gets the
`.ics`; when the session is full the next person is waiting and is promoted by a
cancellation. The situation is the demo's (`maillage.devtools.demo_events`: the next repair
café has one seat left), built with the factories: loading the whole demo takes too long.
"""

import email
import re
from email import policy

import icalendar
import pytest
from django.urls import reverse

from maillage.common.actors import SYSTEM
from maillage.devtools.demo_events import REPAIR_TITLE
from maillage.events import services
from maillage.events.models import Registration
from tests.accounts.factories import UserFactory
from tests.bookings.factories import tomorrow_at
from tests.events.factories import make_event, run_queued_tasks
from tests.members.factories import make_membership
from tests.places.factories import make_place

pytestmark = pytest.mark.django_db


@pytest.fixture
def mail_folder(settings, tmp_path):
    settings.EMAIL_BACKEND = "maillage.common.mail_backends.FolderBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "mail"
    return tmp_path / "mail"


def messages_in(folder) -> list:
    return [
        email.message_from_bytes(path.read_bytes(), policy=policy.default)
        for path in sorted(folder.glob("*.eml"))
    ]


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def test_issue_9_events_journey(client, mail_folder):
    place = make_place(name="La Fabrique de Pau")
    elsewhere = make_place(name="Lieu parisien", insee_code="75056", latitude=48.85, longitude=2.35)
    session = make_event(
        place,
        title=REPAIR_TITLE,
        category="repair",
        capacity=3,
        start=tomorrow_at(place, 10, days=4),
    )
    make_event(elsewhere, title="Repair café parisien", category="repair")
    for name in ("camille", "lucas"):
        person = UserFactory(username=name)
        make_membership(place, person)
        services.register(actor=person, event=session)
    run_queued_tasks()

    # The visitor looks for a repair café near Pau in the agenda, without an account.
    agenda = client.get(reverse("events:agenda"), {"categorie": "repair", "pres_de": "64445"})
    page = agenda.content.decode()
    assert REPAIR_TITLE in page and "Repair café parisien" not in page
    detail_url = reverse("events:detail", args=[session.pk])
    assert detail_url in page
    assert "1 place libre" in client.get(detail_url).content.decode()

    # They register as a guest with their address…
    response = client.post(
        reverse("events:register", args=[session.pk]),
        {"name": "Visiteuse", "email": "visiteuse@example.org"},
    )
    assert response.status_code == 200
    run_queued_tasks()
    [opt_in] = [m for m in messages_in(mail_folder) if m["To"] == "visiteuse@example.org"]
    link = re.search(r"(http\S+/evenements/confirmer/\S+)", text_of(opt_in)).group(1)

    # …and confirm by the link found in the mail folder.
    path = link.split("://", 1)[1].split("/", 1)[1]
    assert client.get("/" + path).status_code == 200
    confirmed = client.post("/" + path)
    assert confirmed.status_code == 200 and "Inscription confirmée" in confirmed.content.decode()
    guest = Registration.objects.get(email="visiteuse@example.org")
    assert guest.status == "confirmed"

    # The confirmation carries the .ics and a cancellation link; the page offers the .ics too.
    run_queued_tasks()
    mails = [m for m in messages_in(mail_folder) if m["To"] == "visiteuse@example.org"]
    confirmation = mails[-1]
    assert confirmation["Subject"].strip().startswith("Inscription confirmée")
    [attachment] = list(confirmation.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    [vevent] = icalendar.Calendar.from_ical(attachment.get_content()).walk("VEVENT")
    assert str(vevent["SUMMARY"]) == REPAIR_TITLE
    assert "/evenements/desinscription/" in text_of(confirmation)
    ics = client.get(reverse("events:ics", args=[session.pk]))
    assert ics["Content-Type"].startswith("text/calendar")

    # The session is full: the next person is put on the waiting list…
    late = UserFactory(username="lea", email="lea@example.org")
    make_membership(place, late)
    client.force_login(late)
    client.post(reverse("events:register", args=[session.pk]))
    waiting = Registration.objects.get(user=late)
    assert waiting.status == "waiting"
    assert "liste d'attente (position 1)" in client.get(detail_url).content.decode()

    # …and promoted when someone cancels, told by email.
    first = Registration.objects.filter(event=session, status="confirmed").order_by("pk").first()
    services.cancel_registration(actor=SYSTEM, registration=first)
    waiting.refresh_from_db()
    assert waiting.status == "confirmed"
    run_queued_tasks()
    [promoted] = [m for m in messages_in(mail_folder) if m["To"] == "lea@example.org"][-1:]
    assert "libérée" in promoted["Subject"]
