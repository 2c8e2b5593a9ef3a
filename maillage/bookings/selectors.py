"""Reads about resources, bookings and qualifications that cross relations."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from maillage.accounts.rules import is_signed_in
from maillage.common.timeranges import TimeRange
from maillage.members.models import Membership, MembershipStatus
from maillage.places.rules import places_where

from .hours import bookable_ranges
from .models import BookableBy, Booking, BookingStatus, QualificationGrant, Resource
from .rules import qualification_refusal, valid_grants, who_may_book_refusal


@dataclass(frozen=True)
class FreeInterval:
    """A stretch of time a person may book, with the seats left during all of it."""

    start: datetime
    end: datetime
    seats: int


def _ceil_to_step(moment: datetime, resource: Resource) -> datetime:
    """The first instant at or after `moment` on the resource's step (place's wall clock)."""
    zone = resource.place.timezone
    local = moment.astimezone(zone)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
    elapsed = local.replace(tzinfo=None) - midnight
    step = timedelta(minutes=resource.slot_step_minutes)
    steps = -(-elapsed // step)
    aligned = (midnight + steps * step).replace(tzinfo=zone)
    # A wall time skipped when clocks go forward maps to a later instant: never earlier.
    return max(aligned.astimezone(UTC), moment.astimezone(UTC))


def _floor_to_step(moment: datetime, resource: Resource) -> datetime:
    zone = resource.place.timezone
    local = moment.astimezone(zone)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
    elapsed = local.replace(tzinfo=None) - midnight
    step = timedelta(minutes=resource.slot_step_minutes)
    aligned = (midnight + (elapsed // step) * step).replace(tzinfo=zone)
    return min(aligned.astimezone(UTC), moment.astimezone(UTC))


def _free_pieces(
    window: TimeRange, capacity: int, taken: Iterable[tuple[datetime, datetime, int]]
) -> list[tuple[datetime, datetime, int]]:
    """The pieces of `window` with their seats left, given the (start, end, seats) taken."""
    start, end = window.start.astimezone(UTC), window.end.astimezone(UTC)
    events: dict[datetime, int] = {}
    for taken_start, taken_end, seats in taken:
        b_start, b_end = max(taken_start, start), min(taken_end, end)
        if b_start < b_end:
            events[b_start] = events.get(b_start, 0) + seats
            events[b_end] = events.get(b_end, 0) - seats
    points = sorted({start, end, *events})
    pieces: list[tuple[datetime, datetime, int]] = []
    used = 0
    for here, following in pairwise(points):
        used += events.get(here, 0)
        free = capacity - used
        if free <= 0:
            continue
        if pieces and pieces[-1][1] == here and pieces[-1][2] == free:
            pieces[-1] = (pieces[-1][0], following, free)
        else:
            pieces.append((here, following, free))
    return pieces


def availability(
    resource: Resource,
    start: datetime,
    end: datetime,
    *,
    for_user,
    now: datetime | None = None,
) -> list[FreeInterval]:
    """The free intervals of `resource` within `[start, end)` that `for_user` may book: within
    its bookable hours (the place's time zone), from now to the advance limit, on the slot
    step, at least the minimum duration, with the seats left (empty when the person may not
    book it at all, the training included)."""
    now = now or timezone.now()
    zone = resource.place.timezone
    if who_may_book_refusal(for_user, resource) is not None:
        return []
    first = max(start.astimezone(UTC), now.astimezone(UTC))
    last = min(end.astimezone(UTC), (now + timedelta(days=resource.max_advance_days)))
    if last <= first:
        return []
    if qualification_refusal(for_user, resource, first.astimezone(zone).date()) is not None:
        return []
    window = TimeRange(first, last)
    taken = list(
        Booking.objects.filter(
            resource=resource,
            status=BookingStatus.CONFIRMED,
            start__lt=window.end,
            end__gt=window.start,
        ).values_list("start", "end", "seats")
    )
    minimum = timedelta(minutes=resource.min_duration_minutes)
    free: list[FreeInterval] = []
    for opening in bookable_ranges(resource, window):
        for piece_start, piece_end, seats in _free_pieces(opening, resource.capacity, taken):
            aligned_start = _ceil_to_step(piece_start, resource)
            aligned_end = _floor_to_step(piece_end, resource)
            if aligned_end - aligned_start < minimum:
                continue
            free.append(
                FreeInterval(aligned_start.astimezone(zone), aligned_end.astimezone(zone), seats)
            )
    return free


def bookings_of(user) -> QuerySet[Booking]:
    """`user`'s bookings (confirmed and cancelled), by start, with their resource and place."""
    if not is_signed_in(user):
        return Booking.objects.none()
    return (
        Booking.objects.filter(user=user).select_related("resource__place").order_by("start", "pk")
    )


def resources_bookable_by(user) -> QuerySet[Resource]:
    """The active resources `user` may book by who may book them: public ones, those of the
    places where they are an active member (the plan's kinds and allowed plans applied), and
    those of the places they run. The training a machine needs is not applied here (each
    resource says `requires_qualification`); booking checks it."""
    public = Q(bookable_by=BookableBy.PUBLIC)
    if not is_signed_in(user):
        return Resource.objects.filter(public, is_active=True)
    allowed = public | Q(place__in=places_where(user, can="run"))
    memberships = Membership.objects.filter(
        user=user, status=MembershipStatus.ACTIVE
    ).select_related("plan")
    for membership in memberships:
        plan = membership.plan
        who = Q(bookable_by=BookableBy.MEMBERS)
        if plan is not None:
            who |= Q(bookable_by=BookableBy.PLANS, allowed_plans=plan.pk)
        here = Q(place_id=membership.place_id) & who
        if plan is not None and plan.resource_kinds:
            here &= Q(kind__in=plan.resource_kinds)
        allowed |= here
    ids = Resource.objects.filter(allowed, is_active=True).values("pk")
    return Resource.objects.filter(pk__in=ids)


def valid_qualifications(user, on: date | None = None) -> QuerySet[QualificationGrant]:
    """`user`'s grants valid today (or on `on`), with their qualification and the resources it
    opens (prefetched)."""
    on = on or timezone.localdate()
    return (
        valid_grants(user, on)
        .select_related("qualification__place")
        .prefetch_related(
            Prefetch(
                "qualification__resources",
                queryset=Resource.objects.filter(is_active=True).order_by("pk"),
            )
        )
        .order_by("qualification__name", "pk")
    )
