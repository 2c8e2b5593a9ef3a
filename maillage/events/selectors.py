"""Reads about events: the agenda's filters (pages, API and feeds share them), one's
registrations, an event's registrations. Each list reads a fixed number of queries."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from maillage.common.geo import bounding_box, haversine_km
from maillage.common.timeranges import PARIS
from maillage.places.models import Network, Place
from maillage.territories.models import Territory
from maillage.territories.selectors import PLACE_FIELD_FOR_LEVEL

from .models import ACTIVE_STATUSES, Event, EventStatus, Registration, RegistrationStatus
from .rules import events_where

DEFAULT_RADIUS_KM = 20.0
MAX_RADIUS_KM = 200.0


@dataclass(frozen=True)
class EventFilters:
    """What the agenda filters on; empty values mean "no filter"."""

    place: Place | None = None
    network: Network | None = None
    territory: Territory | None = None
    start: datetime | None = None  # events ending after
    end: datetime | None = None  # events starting before
    categories: tuple[str, ...] = ()
    near: Territory | None = None  # a commune
    radius_km: float = DEFAULT_RADIUS_KM
    free_only: bool = False
    has_seats: bool = False
    include_cancelled: bool = True


def day_start(day: date, zone=PARIS) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


def filter_events(user, filters: EventFilters) -> QuerySet[Event]:
    """The events `user` may see matching `filters`, by start (place and room joined)."""
    events = events_where(user)
    if filters.place is not None:
        events = events.filter(place=filters.place)
    if filters.network is not None:
        events = events.filter(Q(network=filters.network) | Q(place__networks=filters.network))
    if filters.territory is not None:
        level = filters.territory.level
        field = PLACE_FIELD_FOR_LEVEL[level]
        if field == "departement_code":
            events = events.filter(departement_code=filters.territory.code)
        else:
            events = events.filter(**{f"place__{field}": filters.territory.code})
    if filters.start is not None:
        events = events.filter(end__gt=filters.start)
    if filters.end is not None:
        events = events.filter(start__lt=filters.end)
    if filters.categories:
        events = events.filter(category__in=filters.categories)
    if filters.free_only:
        events = events.filter(price_cents=0)
    if filters.has_seats:
        events = events.filter(taken__lt=F("capacity"), status=EventStatus.SCHEDULED)
    if not filters.include_cancelled:
        events = events.filter(status=EventStatus.SCHEDULED)
    if filters.near is not None and filters.near.latitude is not None:
        lat, lon = filters.near.latitude, filters.near.longitude
        min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, filters.radius_km)
        box = Place.objects.filter(
            latitude__gte=min_lat,
            latitude__lte=max_lat,
            longitude__gte=min_lon,
            longitude__lte=max_lon,
        ).values_list("pk", "latitude", "longitude")
        inside = [
            pk
            for pk, p_lat, p_lon in box
            if haversine_km(lat, lon, p_lat, p_lon) <= filters.radius_km
        ]
        events = events.filter(place_id__in=inside)
    if filters.network is not None:
        events = events.distinct()
    return events.select_related("place", "network", "room").order_by("start", "pk")


def upcoming(filters: EventFilters) -> EventFilters:
    """The same filters from now on when no start is given (the agenda's default)."""
    if filters.start is not None:
        return filters
    return EventFilters(**{**filters.__dict__, "start": timezone.now()})


def registrations_of(user) -> QuerySet[Registration]:
    """A person's registrations, the next events first."""
    return (
        Registration.objects.filter(user=user)
        .select_related("event__place", "event__network")
        .order_by("event__start", "pk")
    )


def coming_registrations(user, *, limit: int = 10) -> list[Registration]:
    return list(
        registrations_of(user).filter(status__in=ACTIVE_STATUSES, event__end__gt=timezone.now())[
            :limit
        ]
    )


def registrations_for(event: Event) -> QuerySet[Registration]:
    """An event's registrations in the order they were made."""
    return event.registrations.select_related("user").order_by("pk")


def waiting_positions(event: Event) -> dict[int, int]:
    """{registration id: its position in the waiting list} (one query)."""
    ids = event.registrations.filter(status=RegistrationStatus.WAITING).order_by(
        "waiting_since", "pk"
    )
    return {pk: n for n, pk in enumerate(ids.values_list("pk", flat=True), start=1)}


def feed_window(now: datetime | None = None) -> tuple[datetime, datetime]:
    """What a feed holds: the last month and the coming year."""
    now = now or timezone.now()
    return now - timedelta(days=31), now + timedelta(days=366)


def own_feed_events(user) -> tuple[list[Event], frozenset[int]]:
    """The events of a person's registrations (feed window), and those whose registration is
    cancelled (shown cancelled, so a calendar that has them strikes them out)."""
    start, end = feed_window()
    rows = list(
        Registration.objects.filter(user=user, event__end__gt=start, event__start__lt=end)
        .exclude(status=RegistrationStatus.PENDING)
        .select_related("event__place", "event__network", "event__room")
        .order_by("event__start", "pk")
    )
    events: dict[int, Event] = {}
    cancelled: set[int] = set()
    for row in rows:
        events[row.event_id] = row.event
        if row.status == RegistrationStatus.CANCELLED:
            cancelled.add(row.event_id)
        else:
            cancelled.discard(row.event_id)
    return list(events.values()), frozenset(cancelled)


def waiting_order(event_id: int):
    """The people waiting for the event, first to be promoted first."""
    return Registration.objects.filter(
        event_id=event_id, status=RegistrationStatus.WAITING
    ).order_by("waiting_since", "pk")


def waiting_position(registration: Registration) -> int | None:
    """The place in the waiting list (1 = next to be promoted), None when not waiting."""
    if registration.status != RegistrationStatus.WAITING or registration.waiting_since is None:
        return None
    since = registration.waiting_since
    return (
        waiting_order(registration.event_id)
        .filter(Q(waiting_since__lt=since) | Q(waiting_since=since, pk__lte=registration.pk))
        .count()
    )
