"""The emails about a booking: confirmed, changed, cancelled, and the reminder the day before.

The services call `notify_booking_*` inside their transaction. Each queues one background task
(`send_booking_mail_task`) with what the email must say — the booking's times and status at
that moment, the former times of a change — and nothing else: the task queue is a table of the
same database, so a rolled-back booking queues nothing, and the booking itself pays one INSERT.
Rendering (three templates and an `.ics`, some 15 ms) happens in the task worker, not in the
200-bookings-a-second path of issue 8 §7.

The task renders with `common.mail.render_mail` in the person's language (the site's when
unknown: `calendar.recipient_language`, read when it runs), times on the place's clock, and
sends through the kernel's `send_mail_task`. Confirmations, changes and cancellations carry
the booking as an `.ics` (`calendar.booking_ics`, same UID every time, so the person's
calendar updates its copy).
"""

import base64
from datetime import datetime

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django_tasks import task

from maillage.common.mail import render_mail, send_mail_task
from maillage.common.timeranges import TimeRange

from .calendar import booking_ics, person_name, recipient_language
from .models import Booking

ICS_MIMETYPE = "text/calendar"


def _queue(booking: Booking, template: str, *, attach: bool = True, previous=None) -> None:
    if booking.user_id is None:
        return  # an anonymised booking: nobody to tell
    if booking.end <= timezone.now():
        return  # a booking already over (recorded afterwards): nothing to add to a calendar
    send_booking_mail_task.enqueue(
        booking_id=booking.pk,
        template=template,
        start=booking.start.isoformat(),
        end=booking.end.isoformat(),
        status=booking.status,
        sequence_at=booking.updated_at.isoformat() if booking.updated_at else None,
        previous=[previous.start.isoformat(), previous.end.isoformat()] if previous else None,
        attach=attach,
    )


def notify_booking_confirmed(booking: Booking) -> None:
    """Tell the person their booking is confirmed, with its `.ics`."""
    _queue(booking, "booking_confirmed")


def notify_booking_changed(booking: Booking, *, previous: TimeRange | None = None) -> None:
    """Tell the person their booking moved (from `previous`, when given), with its new `.ics`."""
    _queue(booking, "booking_changed", previous=previous)


def notify_booking_cancelled(booking: Booking) -> None:
    """Tell the person their booking is cancelled; the `.ics` says CANCELLED to their calendar."""
    _queue(booking, "booking_cancelled")


def notify_booking_reminder(booking: Booking) -> None:
    """Remind the person of their booking (sent the day before, see `reminders`)."""
    _queue(booking, "booking_reminder", attach=False)


@task()
def send_booking_mail_task(
    *,
    booking_id: int,
    template: str,
    start: str,
    end: str,
    status: str,
    sequence_at: str | None,
    previous: list[str] | None,
    attach: bool,
) -> int:
    """Render and send one booking email as the booking was when it was queued; the number of
    messages sent (0 when the booking or the person's address is gone)."""
    booking = (
        Booking.objects.select_related("resource__place", "user").filter(pk=booking_id).first()
    )
    if booking is None or booking.user is None or not booking.user.email:
        return 0
    # The state the email is about, even if the booking changed again since.
    booking.start, booking.end = datetime.fromisoformat(start), datetime.fromisoformat(end)
    booking.status = status
    if sequence_at:
        booking.updated_at = datetime.fromisoformat(sequence_at)
    resource = booking.resource
    place = resource.place
    zone = place.timezone
    context = {
        "booking": booking,
        "resource": resource,
        "place": place,
        "name": person_name(booking.user),
        "start": booking.start.astimezone(zone),
        "end": booking.end.astimezone(zone),
        "previous_start": datetime.fromisoformat(previous[0]).astimezone(zone)
        if previous
        else None,
        "previous_end": datetime.fromisoformat(previous[1]).astimezone(zone) if previous else None,
        "zone_name": zone.key,
        "bookings_url": settings.SITE_URL + reverse("bookings:mine"),
        "week_url": settings.SITE_URL + reverse("bookings:week", args=[resource.pk]),
    }
    language = recipient_language(booking.user)
    # The templates' `date` filter shows times in the current zone: the place's.
    with timezone.override(zone):
        subject, text, html = render_mail(f"bookings/mail/{template}", context, language=language)
    attachments = []
    if attach:
        with translation.override(language):
            content = base64.b64encode(booking_ics(booking)).decode("ascii")
        attachments.append([f"reservation-{booking.pk}.ics", content, ICS_MIMETYPE])
    return send_mail_task.call(
        to=[booking.user.email], subject=subject, text=text, html=html, attachments=attachments
    )
