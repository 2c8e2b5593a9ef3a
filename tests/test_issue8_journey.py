"""Issue 8's « Done when », walked through the pages with Django's test client.

The situation is the demo's (`maillage.devtools.demo_bookings`: the same usernames, the
meeting room, the laser cutter requiring « Découpe laser » whose training is « Initiation
découpe laser »), built with the factories: loading the whole demo (territories, places,
months of bookings) takes too long for one journey.
"""

from datetime import timedelta

import icalendar
import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks_db.models import DBTaskResult

from maillage.bookings.models import Booking, BookingStatus, QualificationGrant
from maillage.checkins.models import CheckIn, VisitorCount
from maillage.common.actors import SYSTEM
from maillage.devtools.demo_bookings import DEMO_MEMBER, QUALIFICATION, TRAINING
from maillage.places.services import grant_place_role
from tests.accounts.factories import UserFactory
from tests.bookings.factories import make_qualification, make_resource
from tests.members.factories import make_membership
from tests.places.factories import make_place

pytestmark = pytest.mark.django_db

HOURS = "Mo-Su 08:00-20:00"


@pytest.fixture
def demo():
    place = make_place(name="La Fabrique de Pau")
    staff = UserFactory(username="demo-equipe", first_name="Équipe", last_name="Démo")
    grant_place_role(actor=SYSTEM, place=place, user=staff, role="staff")
    member = UserFactory(
        username=DEMO_MEMBER, first_name="Membre", last_name="Démo", email="membre@example.org"
    )
    make_membership(place, member)
    laser = make_qualification(place, name=QUALIFICATION, training=TRAINING)
    room = make_resource(place, name="Salle Ossau", opening_hours=HOURS)
    cutter = make_resource(
        place,
        name="Découpeuse laser",
        kind="machine",
        opening_hours=HOURS,
        required_qualification=laser,
    )
    return {
        "place": place,
        "staff": staff,
        "member": member,
        "laser": laser,
        "room": room,
        "cutter": cutter,
    }


def run_queued_tasks() -> None:
    """Run the queued background tasks (booking mail, then the mail it sends), as the worker
    would, until none is left."""
    while queued := list(DBTaskResult.objects.order_by("enqueued_at", "id")):
        DBTaskResult.objects.filter(pk__in=[task.pk for task in queued]).delete()
        for task in queued:
            import_string(task.task_path).call(**task.args_kwargs["kwargs"])


def book(client, resource, day, start, end):
    return client.post(
        reverse("bookings:book", args=[resource.pk]),
        {"day": day.isoformat(), "start": start, "end": end},
    )


def test_issue_8_journey(client, demo, mailoutbox):
    place, member, staff = demo["place"], demo["member"], demo["staff"]
    tomorrow = timezone.localdate(timezone=place.timezone) + timedelta(days=1)

    # The member books a meeting room for tomorrow through the page…
    client.force_login(member)
    response = book(client, demo["room"], tomorrow, "10:00", "11:00")
    assert response.status_code == 302 and response["Location"] == reverse("bookings:mine")
    booking = Booking.objects.get(user=member, resource=demo["room"])
    assert booking.status == BookingStatus.CONFIRMED

    # …the confirmation email carries an .ics…
    run_queued_tasks()
    [message] = [m for m in mailoutbox if m.subject.startswith("Réservation confirmée")]
    assert message.to == ["membre@example.org"]
    [(filename, content, mimetype)] = message.attachments
    assert filename.endswith(".ics") and mimetype == "text/calendar"
    [event] = icalendar.Calendar.from_ical(content).walk("VEVENT")
    assert str(event["STATUS"]) == "CONFIRMED"

    # …and the member cancels it.
    response = client.post(reverse("bookings:cancel", args=[booking.pk]))
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED

    # The laser cutter is refused, naming its training.
    response = book(client, demo["cutter"], tomorrow, "14:00", "15:00")
    assert response.status_code == 400
    assert TRAINING in response.content.decode()
    assert not Booking.objects.filter(resource=demo["cutter"]).exists()

    # The staff open the dashboard and check a visitor in at the tablet.
    client.force_login(staff)
    dashboard = client.get(reverse("bookings:dashboard", args=[place.slug]))
    assert dashboard.status_code == 200
    tablet_url = reverse("checkins:tablet", args=[place.slug])
    assert tablet_url in dashboard.content.decode()
    response = client.post(tablet_url, {"action": "in", "user_id": member.pk})
    assert response.status_code == 302
    assert CheckIn.objects.filter(place=place, user=member, checked_out_at=None).exists()
    here = client.get(reverse("bookings:dashboard", args=[place.slug])).content.decode()
    assert "Membre Démo" in here
    # A visitor without an account is counted at the same tablet.
    response = client.post(tablet_url, {"action": "visitors", "kind": "visit", "count": "1"})
    assert response.status_code == 302
    assert VisitorCount.objects.filter(place=place, kind="visit").exists()

    # They grant the laser-cutter qualification to the member through the new page.
    qualifications_url = reverse("bookings:qualifications", args=[place.slug])
    assert (
        qualifications_url
        in client.get(reverse("places:detail", args=[place.slug])).content.decode()
    )
    laser = demo["laser"]
    response = client.post(
        reverse("bookings:grant", args=[place.slug, laser.pk]), {f"q{laser.pk}-user": member.pk}
    )
    assert response.status_code == 302
    assert QualificationGrant.objects.filter(qualification=laser, user=member).exists()

    # The member now books the laser cutter, and sees the qualification on their page.
    client.force_login(member)
    response = book(client, demo["cutter"], tomorrow, "14:00", "15:00")
    assert response.status_code == 302
    assert Booking.objects.filter(
        resource=demo["cutter"], user=member, status=BookingStatus.CONFIRMED
    ).exists()
    my_space = client.get(reverse("members:my_space")).content.decode()
    assert "Mes habilitations" in my_space and "Découpeuse laser" in my_space
    assert "Mes présences" in my_space
