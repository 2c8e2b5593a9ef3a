"""The reminder of the day before: each confirmed booking starting tomorrow, on its place's
clock, gets one email, however often the command runs and however many run at once.

Run it daily or hourly (`maillage send_booking_reminders`, e.g. from cron); the first run of a
place's day before sends it. Idempotence is the database's: the reminder is queued only by the
transaction whose conditional UPDATE sets `reminder_sent_at` (`… WHERE reminder_sent_at IS
NULL`), so two runs at once cannot both send it, and a rollback unsets it with the mail.
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from maillage.audit.services import record
from maillage.common.actors import SYSTEM, SystemActor, check_actor

from .models import Booking, BookingStatus
from .notifications import notify_booking_reminder


def bookings_due_for_reminder(now: datetime) -> list[Booking]:
    """Confirmed bookings not reminded yet that start tomorrow in their place's time zone.

    Tomorrow lies within the next 48 hours everywhere (from UTC-10 in Tahiti to UTC+12 in
    Wallis); the query takes that window, and the local date is checked per booking.
    """
    candidates = (
        Booking.objects.filter(
            status=BookingStatus.CONFIRMED,
            reminder_sent_at__isnull=True,
            user__isnull=False,
            start__gt=now,
            start__lt=now + timedelta(hours=48),
        )
        .select_related("resource__place", "user")
        .order_by("start", "pk")
    )
    due = []
    for booking in candidates:
        zone = booking.resource.place.timezone
        tomorrow = now.astimezone(zone).date() + timedelta(days=1)
        if booking.start.astimezone(zone).date() == tomorrow:
            due.append(booking)
    return due


def send_booking_reminders(*, actor: SystemActor = SYSTEM, now: datetime | None = None) -> int:
    """Queue the reminder of every booking due (see above); the number queued by this run."""
    check_actor(actor)
    now = now or timezone.now()
    sent = 0
    for booking in bookings_due_for_reminder(now):
        with transaction.atomic():
            claimed = Booking.objects.filter(
                pk=booking.pk, status=BookingStatus.CONFIRMED, reminder_sent_at__isnull=True
            ).update(reminder_sent_at=now)
            if not claimed:
                continue  # another run sent it, or the booking was cancelled meanwhile
            booking.reminder_sent_at = now
            notify_booking_reminder(booking)
            record(
                actor=actor,
                action="booking.remind",
                target=booking,
                changes={"reminder_sent_at": [None, now.isoformat()]},
            )
            sent += 1
    return sent
