"""Booking emails: queued inside the booking's transaction, in the person's language, with an
.ics; the reminder of the day before goes once per booking."""

from datetime import datetime, timedelta
from unittest import mock

import icalendar
import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks_db.models import DBTaskResult

from maillage.bookings import reminders, services
from maillage.bookings.models import Booking
from maillage.common.actors import SYSTEM
from tests.accounts.factories import UserFactory
from tests.bookings.factories import make_booking, make_resource, tomorrow_at
from tests.places.factories import make_place

pytestmark = pytest.mark.django_db


@pytest.fixture
def place():
    return make_place()


@pytest.fixture
def resource(place):
    return make_resource(place, name="Salle Ossau")


def sent_mails(mailoutbox):
    """Run the queued tasks as the worker would; the messages sent."""
    for queued in DBTaskResult.objects.order_by("enqueued_at", "id"):
        import_string(queued.task_path).call(**queued.args_kwargs["kwargs"])
    return mailoutbox


def ics_status(message) -> str:
    [(filename, content, mimetype)] = message.attachments
    assert filename.endswith(".ics") and mimetype == "text/calendar"
    [event] = icalendar.Calendar.from_ical(content).walk("VEVENT")
    return str(event["STATUS"])


def test_a_booking_is_confirmed_by_mail_with_its_ics(place, resource, mailoutbox):
    ada = UserFactory(email="ada@example.org", first_name="Ada")
    make_booking(resource, ada, tomorrow_at(place, 9), tomorrow_at(place, 10))
    [message] = sent_mails(mailoutbox)
    assert message.to == ["ada@example.org"]
    assert message.subject.startswith("Réservation confirmée : Salle Ossau")
    assert "de 09:00 à 10:00" in message.body and "Europe/Paris" in message.body
    assert message.alternatives[0].mimetype == "text/html"
    assert "Bonjour Ada" in message.alternatives[0].content
    assert ics_status(message) == "CONFIRMED"


def test_a_change_and_a_cancellation_are_told_with_the_ics(place, resource, mailoutbox):
    ada = UserFactory()
    booking = make_booking(resource, ada, tomorrow_at(place, 9), tomorrow_at(place, 10))
    services.change_booking(
        actor=SYSTEM,
        booking=booking,
        start=tomorrow_at(place, 14),
        end=tomorrow_at(place, 15),
        override_reason="test",
    )
    services.cancel_booking(actor=SYSTEM, booking=booking, override_reason="test")
    confirmed, changed, cancelled = sent_mails(mailoutbox)
    assert changed.subject.startswith("Réservation modifiée")
    assert "de 14:00 à 15:00" in changed.body and "de 09:00 à 10:00" in changed.body
    assert cancelled.subject.startswith("Réservation annulée")
    assert [ics_status(m) for m in (confirmed, changed, cancelled)] == [
        "CONFIRMED",
        "CONFIRMED",
        "CANCELLED",
    ]
    sequences = [
        int(icalendar.Calendar.from_ical(m.attachments[0][1]).walk("VEVENT")[0]["SEQUENCE"])
        for m in (confirmed, changed, cancelled)
    ]
    assert sequences == sorted(sequences)


def test_a_rolled_back_booking_queues_nothing(place, resource):
    ada = UserFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        make_booking(resource, ada, tomorrow_at(place, 9), tomorrow_at(place, 10))
        assert DBTaskResult.objects.count() == 1
        raise RuntimeError
    assert not DBTaskResult.objects.exists()


def test_mail_is_in_the_person_s_language_when_known(place, resource, mailoutbox):
    ada = UserFactory(language="en")
    make_booking(resource, ada, tomorrow_at(place, 9), tomorrow_at(place, 10))
    [message] = sent_mails(mailoutbox)
    assert message.subject.startswith("Booking confirmed: Salle Ossau")
    assert "Hello" in message.body


def test_a_person_without_email_gets_no_mail(place, resource, mailoutbox):
    make_booking(resource, UserFactory(email=""), tomorrow_at(place, 9), tomorrow_at(place, 10))
    assert sent_mails(mailoutbox) == []


def _reminded(booking) -> bool:
    return Booking.objects.get(pk=booking.pk).reminder_sent_at is not None


def test_the_reminder_goes_once_the_day_before(place, resource, mailoutbox):
    ada = UserFactory()
    tomorrow = make_booking(resource, ada, tomorrow_at(place, 9), tomorrow_at(place, 10))
    in_three_days = tomorrow_at(place, 9, days=3)
    later = make_booking(resource, ada, in_three_days, in_three_days + timedelta(hours=1))
    cancelled = make_booking(resource, ada, tomorrow_at(place, 11), tomorrow_at(place, 12))
    services.cancel_booking(actor=SYSTEM, booking=cancelled, override_reason="test")
    DBTaskResult.objects.all().delete()
    assert reminders.send_booking_reminders(actor=SYSTEM) == 1
    assert reminders.send_booking_reminders(actor=SYSTEM) == 0
    call_command("send_booking_reminders", stdout=mock.Mock())
    [message] = sent_mails(mailoutbox)
    assert message.subject.startswith("Rappel : Salle Ossau demain à 09:00")
    assert _reminded(tomorrow) and not _reminded(later) and not _reminded(cancelled)


def test_tomorrow_is_read_on_the_place_s_clock(place, resource):
    zone = place.timezone
    ada = UserFactory()
    # 23:30 in Pau on 1 December: tomorrow is 2 December there, already in UTC terms too.
    now = datetime(2026, 12, 1, 23, 30, tzinfo=zone)
    first = datetime(2026, 12, 2, 0, 30, tzinfo=zone)
    after = datetime(2026, 12, 3, 0, 30, tzinfo=zone)
    with mock.patch("django.utils.timezone.now", return_value=now - timedelta(days=1)):
        early = make_booking(resource, ada, first, first + timedelta(hours=1))
        late = make_booking(resource, ada, after, after + timedelta(hours=1))
    due = reminders.bookings_due_for_reminder(now)
    assert [b.pk for b in due] == [early.pk]
    assert late.pk not in [b.pk for b in reminders.bookings_due_for_reminder(now)]


def test_two_runs_at_once_send_one_reminder(place, resource):
    """The conditional UPDATE claims the booking: a run that read it before another claimed it
    sends nothing."""
    booking = make_booking(resource, UserFactory(), tomorrow_at(place, 9), tomorrow_at(place, 10))
    DBTaskResult.objects.all().delete()
    now = timezone.now()
    stale = reminders.bookings_due_for_reminder(now)
    assert reminders.send_booking_reminders(actor=SYSTEM, now=now) == 1
    with mock.patch.object(reminders, "bookings_due_for_reminder", return_value=stale):
        assert reminders.send_booking_reminders(actor=SYSTEM, now=now) == 0
    assert DBTaskResult.objects.count() == 1
    assert _reminded(booking)


def test_the_mail_tells_the_booking_as_it_was_when_queued(place, resource, mailoutbox):
    """A confirmation sent after a change still says the first times (the change has its own
    mail); the booking pays one INSERT, the worker renders."""
    booking = make_booking(resource, UserFactory(), tomorrow_at(place, 9), tomorrow_at(place, 10))
    [queued] = DBTaskResult.objects.all()
    assert queued.task_path.endswith("send_booking_mail_task")
    Booking.objects.filter(pk=booking.pk).update(
        start=tomorrow_at(place, 15), end=tomorrow_at(place, 16)
    )
    [message] = sent_mails(mailoutbox)
    assert "de 09:00 à 10:00" in message.body
    [(filename, content, _mimetype)] = message.attachments
    assert filename == f"reservation-{booking.pk}.ics"
    assert f"booking-{booking.pk}@" in content


def test_a_booking_pays_no_rendering(place, resource):
    with mock.patch("maillage.bookings.notifications.render_mail") as render:
        make_booking(resource, UserFactory(), tomorrow_at(place, 9), tomorrow_at(place, 10))
    render.assert_not_called()


def test_history_and_quiet_bookings_send_nothing(place, resource):
    ada = UserFactory()
    yesterday = tomorrow_at(place, 9, days=-1)
    make_booking(resource, ada, yesterday, yesterday + timedelta(hours=1))
    make_booking(resource, ada, tomorrow_at(place, 9), tomorrow_at(place, 10), notify=False)
    assert not DBTaskResult.objects.exists()
