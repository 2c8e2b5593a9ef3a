"""The emails about registrations and events.

The services call `notify(registration, kind)` inside their transaction; it queues one
background task (`send_registration_mail_task`) with the registration's id and the kind of
message, as the bookings' emails do: the task queue is a table of the same database, so a
registration rolled back queues nothing, and the registration path pays one INSERT instead of
rendering templates and an `.ics` (the 200-registrations-a-second target of issue 9 §4).

Kinds: `confirm_address` (a guest's double opt-in link), `confirmed` (with the `.ics` and the
cancellation link), `waiting`, `promoted` (a seat freed: confirmed from the waiting list),
`cancelled`, `event_changed`, `event_cancelled`, `reminder` (the day before).
"""

import base64

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from maillage.bookings.calendar import recipient_language
from maillage.common.mail import render_mail, send_mail_task

from .calendar import event_ics, event_url, location_text
from .links import cancel_token, confirm_token
from .models import Registration
from .selectors import waiting_position

ICS_MIMETYPE = "text/calendar"
KINDS = frozenset(
    {
        "confirm_address",
        "confirmed",
        "waiting",
        "promoted",
        "cancelled",
        "event_changed",
        "event_cancelled",
        "reminder",
    }
)
WITH_ICS = frozenset({"confirmed", "promoted", "event_changed", "event_cancelled"})


def notify(registration: Registration, kind: str) -> None:
    """Queue the email `kind` to the registered person (nothing for an anonymised one)."""
    if kind not in KINDS:
        raise ValueError(f"unknown event mail {kind!r}")
    if not registration.address:
        return
    send_registration_mail_task.enqueue(registration_id=registration.pk, kind=kind)


@task()
def send_registration_mail_task(*, registration_id: int, kind: str) -> int:
    """Render and send one email about a registration; how many messages were sent (0 when the
    registration or its address is gone)."""
    registration = (
        Registration.objects.select_related("event__place", "event__network", "event__room", "user")
        .filter(pk=registration_id)
        .first()
    )
    if registration is None or not registration.address:
        return 0
    event = registration.event
    zone = event.timezone
    site = settings.SITE_URL
    context = {
        "kind": kind,
        "name": registration.display_name,
        "event": event,
        "organiser": event.organiser_name,
        "start": event.start.astimezone(zone),
        "end": event.end.astimezone(zone),
        "zone_name": zone.key,
        "location": location_text(event),
        "event_url": event_url(event),
        "position": waiting_position(registration),
        "confirm_url": site + reverse("events:confirm", args=[confirm_token(registration)]),
        "cancel_url": site + reverse("events:cancel_link", args=[cancel_token(registration)]),
        "ics_url": site + reverse("events:ics", args=[event.pk]),
    }
    language = recipient_language(registration.user)
    with timezone.override(zone):
        subject, text, html = render_mail("events/mail/registration", context, language=language)
    attachments = []
    if kind in WITH_ICS:
        content = base64.b64encode(event_ics(event)).decode("ascii")
        attachments.append([f"evenement-{event.pk}.ics", content, ICS_MIMETYPE])
    return send_mail_task.call(
        to=[registration.address], subject=subject, text=text, html=html, attachments=attachments
    )
