"""The reminder of the day before: each confirmed registration to an event starting tomorrow,
on its place's clock, gets one email, however often the command runs and however many run at
once (the conditional UPDATE of `reminder_sent_at`, as for the bookings' reminders).

Run hourly (`maillage send_event_reminders`, `deploy/maillage-hourly-tasks.service`).
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from maillage.audit.services import record
from maillage.common.actors import SYSTEM, SystemActor, check_actor

from .models import EventStatus, Registration, RegistrationStatus
from .notifications import notify


def registrations_due_for_reminder(now: datetime) -> list[Registration]:
    """Confirmed registrations not reminded yet whose event starts tomorrow in its zone.
    Tomorrow lies within the next 48 hours in every zone: the query takes that window."""
    candidates = (
        Registration.objects.filter(
            status=RegistrationStatus.CONFIRMED,
            reminder_sent_at__isnull=True,
            event__status=EventStatus.SCHEDULED,
            event__start__gt=now,
            event__start__lt=now + timedelta(hours=48),
        )
        .select_related("event__place")
        .order_by("event__start", "pk")
    )
    due = []
    for registration in candidates:
        zone = registration.event.timezone
        tomorrow = now.astimezone(zone).date() + timedelta(days=1)
        if registration.event.start.astimezone(zone).date() == tomorrow:
            due.append(registration)
    return due


def send_event_reminders(*, actor: SystemActor = SYSTEM, now: datetime | None = None) -> int:
    """Queue the reminder of every registration due; the number queued by this run."""
    check_actor(actor)
    now = now or timezone.now()
    sent = 0
    for registration in registrations_due_for_reminder(now):
        with transaction.atomic():
            claimed = Registration.objects.filter(
                pk=registration.pk,
                status=RegistrationStatus.CONFIRMED,
                reminder_sent_at__isnull=True,
            ).update(reminder_sent_at=now)
            if not claimed:
                continue  # another run sent it, or it was cancelled meanwhile
            registration.reminder_sent_at = now
            notify(registration, "reminder")
            record(
                actor=actor,
                action="registration.remind",
                target=registration,
                changes={"reminder_sent_at": [None, now.isoformat()]},
            )
            sent += 1
    return sent
