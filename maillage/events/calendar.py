"""Events as iCalendar (RFC 5545): the `.ics` of one event, and the feeds calendars poll.

Times are written on the clock of the event's place with a `TZID` and its `VTIMEZONE`, as the
bookings' feeds are. Each event's `UID` is `event-<id>@<the instance's domain>`, the same in
every file and feed, so a calendar updates its copy; `SEQUENCE` follows the event's last change,
and a cancelled event is `STATUS:CANCELLED`.
"""

from collections.abc import Iterable
from datetime import UTC, timedelta

import icalendar
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from maillage.bookings.calendar import instance_domain

from .models import Event, EventStatus, LocationKind

PRODID = "-//Maillage//Agenda//FR"


def event_uid(event: Event) -> str:
    return f"event-{event.pk}@{instance_domain()}"


def location_text(event: Event) -> str:
    place = event.place
    if event.location_kind == LocationKind.ADDRESS or place is None:
        return event.address
    where = ", ".join(part for part in (place.address, place.postal_code, place.city) if part)
    room = event.room
    if event.location_kind == LocationKind.ROOM and room is not None:
        return ", ".join(part for part in (room.name, place.name, where) if part)
    return ", ".join(part for part in (place.name, where) if part)


def event_url(event: Event) -> str:
    return settings.SITE_URL + reverse("events:detail", args=[event.pk])


def _calendar(name: str) -> icalendar.Calendar:
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    return calendar


def _component(event: Event, *, cancelled: bool = False) -> icalendar.Event:
    zone = event.timezone
    item = icalendar.Event()
    item.add("uid", event_uid(event))
    stamp = event.updated_at or timezone.now()
    item.add("dtstamp", stamp.astimezone(UTC))
    item.add("sequence", int(stamp.timestamp()))
    item.add("dtstart", event.start.astimezone(zone))
    item.add("dtend", event.end.astimezone(zone))
    item.add("summary", event.title)
    item.add("location", location_text(event))
    item.add("url", event_url(event))
    if event.description:
        item.add("description", event.description)
    item.add("categories", [event.get_category_display()])
    is_cancelled = cancelled or event.status == EventStatus.CANCELLED
    item.add("status", "CANCELLED" if is_cancelled else "CONFIRMED")
    return item


def to_ics(name: str, events: Iterable[Event], *, cancelled_ids: frozenset[int] = frozenset()):
    """A calendar named `name` holding `events` (those in `cancelled_ids` marked cancelled)."""
    calendar = _calendar(name)
    starts = []
    for event in events:
        calendar.add_component(_component(event, cancelled=event.pk in cancelled_ids))
        starts.append(event.start)
    first = min(starts).date() if starts else timezone.now().date()
    calendar.add_missing_timezones(first_date=first - timedelta(days=1))
    return calendar.to_ical()


def event_ics(event: Event) -> bytes:
    """The `.ics` of one event, attached to the emails and downloadable from its page."""
    return to_ics(event.title, [event])
