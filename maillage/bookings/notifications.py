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
calendar updates its copy). A recurring booking sends one email for all its occurrences
(`notify_series_confirmed`, `notify_series_cancelled`), with one `.ics` holding one event per
occurrence (`calendar.bookings_ics`).
"""

import base64
from datetime import datetime

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django_tasks import task

from maillage.common.mail import render_mail, send_mail_task
from maillage.common.timeranges import TimeRange

from .calendar import booking_ics, bookings_ics, person_name, recipient_language
from .models import Booking, BookingSeries

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


def _queue_series(series: BookingSeries, bookings: list[Booking], template: str) -> None:
    if series.user_id is None:
        return
    coming = [booking for booking in bookings if booking.end > timezone.now()]
    if not coming:
        return
    send_series_mail_task.enqueue(
        series_id=series.pk,
        template=template,
        occurrences=[
            [
                booking.pk,
                booking.start.isoformat(),
                booking.end.isoformat(),
                booking.updated_at.isoformat() if booking.updated_at else None,
            ]
            for booking in sorted(coming, key=lambda b: (b.start, b.pk))
        ],
        status=coming[0].status,
    )


def notify_series_confirmed(series: BookingSeries, bookings: list[Booking]) -> None:
    """Tell the person every occurrence of their recurring booking, in one email with one
    `.ics` holding them all (one event per occurrence, each with its booking's UID)."""
    _queue_series(series, bookings, "series_confirmed")


def notify_series_cancelled(series: BookingSeries, bookings: list[Booking]) -> None:
    """Tell the person the occurrences of a series just cancelled, in one email; the `.ics`
    marks each CANCELLED so their calendar strikes them out."""
    _queue_series(series, bookings, "series_cancelled")


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


@task()
def send_series_mail_task(
    *, series_id: int, template: str, occurrences: list[list], status: str
) -> int:
    """Render and send one email about several occurrences of a series, as they were when it
    was queued; the number of messages sent (0 when the series or the address is gone)."""
    series = (
        BookingSeries.objects.select_related("resource__place", "user").filter(pk=series_id).first()
    )
    if series is None or series.user is None or not series.user.email:
        return 0
    resource = series.resource
    place = resource.place
    zone = place.timezone
    bookings = []
    for booking_id, start, end, sequence_at in occurrences:
        booking = Booking(
            pk=booking_id,
            resource=resource,
            user=series.user,
            series=series,
            start=datetime.fromisoformat(start),
            end=datetime.fromisoformat(end),
            status=status,
        )
        if sequence_at:
            booking.updated_at = datetime.fromisoformat(sequence_at)
        bookings.append(booking)
    # What the templates list: each occurrence on the place's clock.
    times = [
        {"local_start": b.start.astimezone(zone), "local_end": b.end.astimezone(zone)}
        for b in bookings
    ]
    context = {
        "series": series,
        "occurrences": times,
        "resource": resource,
        "place": place,
        "name": person_name(series.user),
        "zone_name": zone.key,
        "bookings_url": settings.SITE_URL + reverse("bookings:mine"),
        "week_url": settings.SITE_URL + reverse("bookings:week", args=[resource.pk]),
    }
    language = recipient_language(series.user)
    with timezone.override(zone):
        subject, text, html = render_mail(f"bookings/mail/{template}", context, language=language)
    with translation.override(language):
        content = base64.b64encode(bookings_ics(bookings)).decode("ascii")
    attachments = [[f"serie-{series.pk}.ics", content, ICS_MIMETYPE]]
    return send_mail_task.call(
        to=[series.user.email], subject=subject, text=text, html=html, attachments=attachments
    )
