"""Bookings as iCalendar (RFC 5545): one-event files for emails, and the feeds calendars poll.

- `booking_ics(booking)`: a calendar holding one booking, attached to the booking emails;
- `bookings_ics(bookings)`: the occurrences of a series in one calendar, for its emails;
- `resource_feed(resource)`: the taken slots of a resource the public may book, without names;
- `member_feed(user)`: a person's own bookings, cancelled ones included as `STATUS:CANCELLED` so
  that a calendar that already has them strikes them out instead of keeping them;
- `place_feed(place)`: every confirmed booking of a place's resources, with who booked, for its
  staff.

Times are stored in UTC and written on the place's clock with a `TZID` and its `VTIMEZONE`, so a
booking at 9:00 in Pau stays at 9:00 in Pau whatever the reader's zone, across the daylight-
saving changes. Each event's `UID` is `booking-<id>@<the instance's domain>` (`SITE_URL`): the
same booking keeps the same UID in every file and feed, so a calendar updates it rather than
adding a copy; `SEQUENCE` grows with each change (the booking's modification time in seconds).
"""

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import icalendar
from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from maillage.common.mail import language_of
from maillage.places.models import Place

from .models import BookableBy, Booking, BookingStatus, Resource

PRODID = "-//Maillage//Réservations//FR"
# What a feed holds: the recent past (so a calendar keeps last week) and what may still come.
FEED_PAST_DAYS = 31
FEED_FUTURE_DAYS = 366


def instance_domain() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def booking_uid(booking: Booking) -> str:
    return f"booking-{booking.pk}@{instance_domain()}"


def person_name(user) -> str:
    if user is None:
        return _("compte supprimé")
    return user.get_full_name() or user.get_username()


def recipient_language(user) -> str:
    """The language a person chose for their emails and feeds (`common.mail.language_of`)."""
    return language_of(user)


def _calendar(name: str) -> icalendar.Calendar:
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    return calendar


def _event(booking: Booking, *, summary: str, description: str = "") -> icalendar.Event:
    resource = booking.resource
    zone = resource.place.timezone
    event = icalendar.Event()
    event.add("uid", booking_uid(booking))
    event.add("dtstamp", (booking.updated_at or timezone.now()).astimezone(UTC))
    event.add("sequence", int(booking.updated_at.timestamp()) if booking.updated_at else 0)
    event.add("dtstart", booking.start.astimezone(zone))
    event.add("dtend", booking.end.astimezone(zone))
    event.add("summary", summary)
    event.add("location", f"{resource.name}, {resource.place.name}")
    if description:
        event.add("description", description)
    event.add("status", "CANCELLED" if booking.status == BookingStatus.CANCELLED else "CONFIRMED")
    event.add("transp", "OPAQUE")
    return event


def _to_bytes(calendar: icalendar.Calendar, bookings: Iterable[Booking]) -> bytes:
    starts = [booking.start for booking in bookings]
    # A VTIMEZONE for each TZID used, covering the events' years (icalendar builds them from
    # the zoneinfo database).
    first = min(starts).date() if starts else timezone.now().date()
    calendar.add_missing_timezones(first_date=first - timedelta(days=1))
    return calendar.to_ical()


def _own_summary(booking: Booking) -> str:
    return f"{booking.resource.name} — {booking.resource.place.name}"


def booking_ics(booking: Booking) -> bytes:
    """A calendar with this one booking, as attached to the emails about it."""
    calendar = _calendar(_own_summary(booking))
    page = settings.SITE_URL + reverse("bookings:mine")
    calendar.add_component(
        _event(
            booking,
            summary=_own_summary(booking),
            description=_("Gérer vos réservations : %(url)s") % {"url": page},
        )
    )
    return _to_bytes(calendar, [booking])


def bookings_ics(bookings: list[Booking]) -> bytes:
    """A calendar with several bookings of one resource (the occurrences of a series), as
    attached to the series' emails: one event each, with the UID of its booking."""
    first = bookings[0]
    calendar = _calendar(_own_summary(first))
    page = settings.SITE_URL + reverse("bookings:mine")
    for booking in bookings:
        calendar.add_component(
            _event(
                booking,
                summary=_own_summary(booking),
                description=_("Gérer vos réservations : %(url)s") % {"url": page},
            )
        )
    return _to_bytes(calendar, bookings)


def _window(now: datetime | None = None) -> tuple[datetime, datetime]:
    now = now or timezone.now()
    return now - timedelta(days=FEED_PAST_DAYS), now + timedelta(days=FEED_FUTURE_DAYS)


def _with_place(bookings: QuerySet[Booking]) -> QuerySet[Booking]:
    return bookings.select_related("resource__place").order_by("start", "pk")


def public_resources() -> QuerySet[Resource]:
    """The resources whose feed is public: active, bookable by anyone."""
    return Resource.objects.filter(is_active=True, bookable_by=BookableBy.PUBLIC)


def resource_feed(resource: Resource) -> bytes:
    """The taken slots of a public resource: when, never who (the feed is open to anyone)."""
    start, end = _window()
    bookings = list(
        _with_place(
            Booking.objects.filter(
                resource=resource,
                status=BookingStatus.CONFIRMED,
                end__gt=start,
                start__lt=end,
            )
        )
    )
    calendar = _calendar(f"{resource.name} — {resource.place.name}")
    for booking in bookings:
        calendar.add_component(_event(booking, summary=_("Réservé")))
    return _to_bytes(calendar, bookings)


def member_feed(user) -> bytes:
    """A person's bookings, cancelled ones marked so, in their language."""
    start, end = _window()
    bookings = list(_with_place(Booking.objects.filter(user=user, end__gt=start, start__lt=end)))
    with translation.override(recipient_language(user)):
        calendar = _calendar(_("Mes réservations — Maillage"))
        for booking in bookings:
            calendar.add_component(_event(booking, summary=_own_summary(booking)))
    return _to_bytes(calendar, bookings)


def place_feed(place: Place, *, language: str | None = None) -> bytes:
    """Every confirmed booking of a place, with who it is for: the staff's calendar."""
    start, end = _window()
    bookings = list(
        _with_place(
            Booking.objects.filter(
                resource__place=place,
                status=BookingStatus.CONFIRMED,
                end__gt=start,
                start__lt=end,
            ).select_related("user")
        )
    )
    with translation.override(language or settings.LANGUAGE_CODE):
        calendar = _calendar(_("Réservations — %(place)s") % {"place": place.name})
        for booking in bookings:
            summary = f"{booking.resource.name} — {person_name(booking.user)}"
            calendar.add_component(_event(booking, summary=summary, description=booking.note))
    return _to_bytes(calendar, bookings)
