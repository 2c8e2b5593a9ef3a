"""The emails about a booking: confirmed, changed, cancelled, and the reminder the day before.

Each is rendered at once in the booked person's language (the site's when unknown) and queued
through `common.mail.queue_mail`, whose task queue is a table of the same database: called
inside a service's transaction, a rolled-back booking queues nothing. Confirmations, changes
and cancellations carry the booking as an `.ics` (`calendar.booking_ics`, same UID every time,
so the person's calendar updates its copy). Times are written on the place's clock.
"""

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from maillage.common.mail import Attachment, queue_mail
from maillage.common.timeranges import TimeRange

from .calendar import booking_ics, person_name, recipient_language
from .models import Booking

ICS_MIMETYPE = "text/calendar"


def _send(booking: Booking, template: str, *, attach: bool = True, **extra) -> None:
    user = booking.user
    if user is None or not user.email:
        return
    resource = booking.resource
    place = resource.place
    zone = place.timezone
    context = {
        "booking": booking,
        "resource": resource,
        "place": place,
        "name": person_name(user),
        "start": booking.start.astimezone(zone),
        "end": booking.end.astimezone(zone),
        "zone_name": zone.key,
        "bookings_url": settings.SITE_URL + reverse("bookings:mine"),
        "week_url": settings.SITE_URL + reverse("bookings:week", args=[resource.pk]),
        **extra,
    }
    attachments = (
        [Attachment(f"reservation-{booking.pk}.ics", booking_ics(booking), ICS_MIMETYPE)]
        if attach
        else []
    )
    # The templates' `date` filter shows times in the current zone: the place's.
    with timezone.override(zone):
        queue_mail(
            to=[user.email],
            template=f"bookings/mail/{template}",
            context=context,
            language=recipient_language(user),
            attachments=attachments,
        )


def notify_booking_confirmed(booking: Booking) -> None:
    """Tell the person their booking is confirmed, with its `.ics`."""
    _send(booking, "booking_confirmed")


def notify_booking_changed(booking: Booking, *, previous: TimeRange | None = None) -> None:
    """Tell the person their booking moved (from `previous`, when given), with its new `.ics`."""
    zone = booking.resource.place.timezone
    _send(
        booking,
        "booking_changed",
        previous_start=previous.start.astimezone(zone) if previous else None,
        previous_end=previous.end.astimezone(zone) if previous else None,
    )


def notify_booking_cancelled(booking: Booking) -> None:
    """Tell the person their booking is cancelled; the `.ics` says CANCELLED to their calendar."""
    _send(booking, "booking_cancelled")


def notify_booking_reminder(booking: Booking) -> None:
    """Remind the person of their booking (sent the day before, see `reminders`)."""
    _send(booking, "booking_reminder", attach=False)
