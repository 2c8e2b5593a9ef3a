"""Every write about resources, bookings and qualifications: one service per change, each
checked (`bookings.rules`), run in one transaction and audited.

No double booking, decided by the database (`common.capacity`), never by a Python count:
- a resource of capacity 1 (a room, a machine) holds each confirmed booking as a `BookingSlot`
  row inserted by `hold_slot`: PostgreSQL's exclusion constraint refuses an overlapping one,
  SQLite checks inside its IMMEDIATE transaction. Cancelling or moving deletes the row, so a
  cancelled booking never blocks.
- a resource of N seats (an open space) counts its seats per `SEAT_GRID` step of time in
  `SeatStep` rows (a `SeatHolder`): booking takes `seats` on every step it touches with one
  conditional UPDATE (``taken = taken + n WHERE taken + n <= capacity``) over the steps locked
  in time order; fewer rows updated than steps means full (`CapacityReached`) and the savepoint
  rolls the partial update back. Cancelling releases them the same way.

A refusal is `PermissionDenied` (who may book, the training needed, the plan's hours, the
deadline), `ValidationFailed` (times and sizes the rules do not allow) or `Conflict` (the time
is taken; the message says which range, on the place's wall clock).
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from types import EllipsisType
from typing import Any, Literal

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from maillage.accounts.models import User
from maillage.audit.services import record
from maillage.common.actors import SystemActor, check_actor, is_system
from maillage.common.capacity import CapacityReached, SlotTaken, hold_slot, run_retrying
from maillage.common.errors import Conflict, FieldError, PermissionDenied, ValidationFailed
from maillage.common.lifecycle import IllegalTransition, move_state
from maillage.common.timeranges import TimeRange
from maillage.members.cards import is_card
from maillage.members.models import Membership, Plan, ResourceKind
from maillage.members.selectors import active_membership
from maillage.places.hours import opening_hours_error
from maillage.places.models import Place

from .models import (
    BookableBy,
    Booking,
    BookingSeries,
    BookingSlot,
    BookingStatus,
    Qualification,
    QualificationGrant,
    Resource,
    SeatStep,
)
from .notifications import (
    notify_booking_cancelled,
    notify_booking_changed,
    notify_booking_confirmed,
    notify_series_cancelled,
    notify_series_confirmed,
)
from .rules import (
    Refusal,
    booking_refusals,
    can_book_for_others,
    can_change_booking,
    can_change_series,
    can_grant_qualifications,
    can_manage_resources,
    cancellation_refusal,
    qualification_refusal,
    quota_refusal,
    range_text,
    who_may_book_refusal,
)

Actor = User | SystemActor

# The seats of an N-seat resource are counted per step of this grid, aligned on the UTC epoch
# (5 minutes divides every time zone offset in use). A booking holds every step it touches.
SEAT_GRID = timedelta(minutes=5)
# A recurring booking makes at most this many occurrences.
MAX_OCCURRENCES = 200

RESOURCE_FIELDS = (
    "name",
    "kind",
    "description",
    "capacity",
    "opening_hours",
    "min_duration_minutes",
    "max_duration_minutes",
    "slot_step_minutes",
    "max_advance_days",
    "cancellation_deadline_hours",
    "bookable_by",
    "member_price_cents_per_hour",
    "public_price_cents_per_hour",
    "required_qualification",
    "is_active",
)
COUNT_FIELDS = (
    "capacity",
    "min_duration_minutes",
    "max_duration_minutes",
    "slot_step_minutes",
    "max_advance_days",
    "cancellation_deadline_hours",
    "member_price_cents_per_hour",
    "public_price_cents_per_hour",
)


# --- resources ----------------------------------------------------------------------------------


def _validate_resource(place: Place, values: dict[str, Any], plans: list[Plan] | None) -> None:
    errors = []
    name = str(values.get("name") or "").strip()
    if not name:
        errors.append(FieldError("name", _("Donnez un nom à la ressource.")))
    elif len(name) > 120:
        errors.append(FieldError("name", _("Le nom ne peut dépasser 120 caractères.")))
    values["name"] = name
    if values.get("kind") not in ResourceKind.values:
        errors.append(FieldError("kind", _("Choisissez le type de la ressource.")))
    if values.get("bookable_by") not in BookableBy.values:
        errors.append(FieldError("bookable_by", _("Choisissez qui peut réserver.")))
    for name_ in COUNT_FIELDS:
        value = values.get(name_)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            errors.append(FieldError(name_, _("Un nombre entier positif est attendu.")))
    if not errors:
        if values["capacity"] < 1:
            errors.append(FieldError("capacity", _("La capacité est d'au moins 1.")))
        if values["min_duration_minutes"] < 1 or values["slot_step_minutes"] < 1:
            errors.append(
                FieldError("min_duration_minutes", _("Les durées sont d'au moins 1 minute."))
            )
        if values["max_duration_minutes"] < values["min_duration_minutes"]:
            errors.append(
                FieldError(
                    "max_duration_minutes",
                    _("La durée maximale ne peut être inférieure à la durée minimale."),
                )
            )
    hours = str(values.get("opening_hours") or "").strip()
    values["opening_hours"] = hours
    if hours:
        message = opening_hours_error(hours)
        if message:
            errors.append(FieldError("opening_hours", message))
    qualification = values.get("required_qualification")
    if qualification is not None and qualification.place_id != place.pk:
        errors.append(
            FieldError(
                "required_qualification", _("Cette habilitation n'appartient pas à ce lieu.")
            )
        )
    if plans is not None and any(plan.place_id != place.pk for plan in plans):
        errors.append(FieldError("allowed_plans", _("Une des formules n'est pas de ce lieu.")))
    if errors:
        raise ValidationFailed(errors)


def _resource_state(resource: Resource) -> dict[str, Any]:
    state: dict[str, Any] = {name: getattr(resource, name) for name in RESOURCE_FIELDS}
    state["required_qualification"] = resource.required_qualification_id
    return state


@transaction.atomic
def create_resource(
    *, actor: Actor, place: Place, allowed_plans: list[Plan] | None = None, **fields: Any
) -> Resource:
    """Add a bookable resource to `place` (its staff and managers set them up)."""
    check_actor(actor)
    if not can_manage_resources(actor, place):
        raise PermissionDenied
    unknown = set(fields) - set(RESOURCE_FIELDS)
    if unknown:
        raise TypeError(f"unknown resource fields: {sorted(unknown)}")
    defaults = Resource(place=place)
    values = {name: getattr(defaults, name) for name in RESOURCE_FIELDS}
    values["required_qualification"] = None
    values.update(fields)
    _validate_resource(place, values, allowed_plans)
    resource = Resource.objects.create(place=place, **values)
    if allowed_plans:
        resource.allowed_plans.set(allowed_plans)
    record(
        actor=actor,
        action="resource.create",
        target=resource,
        changes={name: [None, value] for name, value in _resource_state(resource).items()}
        | {
            "place": [None, place.pk],
            "allowed_plans": [None, sorted(p.pk for p in allowed_plans or [])],
        },
    )
    return resource


@transaction.atomic
def update_resource(
    *, actor: Actor, resource: Resource, allowed_plans: list[Plan] | None = None, **fields: Any
) -> Resource:
    """Change a resource. Its capacity may not go under the seats already booked, nor switch
    between one and several while confirmed bookings are to come (they are held differently)."""
    check_actor(actor)
    if not can_manage_resources(actor, resource.place):
        raise PermissionDenied
    unknown = set(fields) - set(RESOURCE_FIELDS)
    if unknown:
        raise TypeError(f"unknown resource fields: {sorted(unknown)}")
    resource = Resource.objects.select_for_update().select_related("place").get(pk=resource.pk)
    before = _resource_state(resource)
    values = {name: getattr(resource, name) for name in RESOURCE_FIELDS}
    values.update(fields)
    _validate_resource(resource.place, values, allowed_plans)
    old_capacity, new_capacity = resource.capacity, values["capacity"]
    if old_capacity != new_capacity:
        _check_capacity_change(resource, old_capacity, new_capacity)
    for name, value in values.items():
        setattr(resource, name, value)
    resource.save()
    changes = {
        name: [before[name], value]
        for name, value in _resource_state(resource).items()
        if before[name] != value
    }
    if allowed_plans is not None:
        old_plans = sorted(resource.allowed_plans.values_list("pk", flat=True))
        new_plans = sorted(plan.pk for plan in allowed_plans)
        if old_plans != new_plans:
            resource.allowed_plans.set(allowed_plans)
            changes["allowed_plans"] = [old_plans, new_plans]
    if changes:
        record(actor=actor, action="resource.update", target=resource, changes=changes)
    return resource


def _check_capacity_change(resource: Resource, old: int, new: int) -> None:
    upcoming = Booking.objects.filter(
        resource=resource, status=BookingStatus.CONFIRMED, end__gt=timezone.now()
    )
    if (old == 1) != (new == 1) and upcoming.exists():
        raise ValidationFailed(
            [
                FieldError(
                    "capacity",
                    _(
                        "Des réservations sont à venir : la capacité ne peut passer de 1 à "
                        "plusieurs places (ou l'inverse) qu'une fois celles-ci passées ou annulées."
                    ),
                )
            ]
        )
    if new > 1:
        # The check constraint refuses a capacity under the seats taken on some step.
        full = SeatStep.objects.filter(resource=resource, taken__gt=new)
        if full.exists():
            raise ValidationFailed(
                [
                    FieldError(
                        "capacity",
                        _("Plus de %(seats)s places sont déjà réservées sur certains créneaux.")
                        % {"seats": new},
                    )
                ]
            )
        SeatStep.objects.filter(resource=resource).update(capacity=new)


# --- holding time -------------------------------------------------------------------------------


def _grid_steps(during: TimeRange) -> tuple[datetime, datetime, int]:
    """The first step start, the end of the last step, and the number of `SEAT_GRID` steps
    that `during` touches."""
    epoch = datetime(2000, 1, 1, tzinfo=UTC)
    start, end = during.start.astimezone(UTC), during.end.astimezone(UTC)
    first = epoch + ((start - epoch) // SEAT_GRID) * SEAT_GRID
    count = -(-(end - first) // SEAT_GRID)
    return first, first + count * SEAT_GRID, count


def _ensure_steps(resource: Resource, during: TimeRange) -> None:
    """Create the missing seat rows of the steps `during` touches (taken 0). Called before the
    booking's transaction when there is none around, so that the rows exist, committed, before
    writers lock them in order."""
    first, _end, count = _grid_steps(during)
    SeatStep.objects.bulk_create(
        [
            SeatStep(resource=resource, start=first + k * SEAT_GRID, capacity=resource.capacity)
            for k in range(count)
        ],
        ignore_conflicts=True,
    )


def _lock_steps(resource_id: int, first: datetime, last: datetime) -> None:
    # Row locks taken in time order: two writers over overlapping steps never deadlock.
    list(
        SeatStep.objects.select_for_update()
        .filter(resource_id=resource_id, start__gte=first, start__lt=last)
        .order_by("start")
        .values_list("pk", flat=True)
    )


def _take_seats(resource: Resource, during: TimeRange, seats: int) -> None:
    first, last, count = _grid_steps(during)
    _ensure_steps(resource, during)
    with transaction.atomic():
        _lock_steps(resource.pk, first, last)
        steps = SeatStep.objects.filter(resource=resource, start__gte=first, start__lt=last)
        taken = steps.filter(taken__lte=F("capacity") - seats).update(taken=F("taken") + seats)
        if taken != count:
            raise CapacityReached(f"resource {resource.pk} is full during part of {during}")


def _release_seats(resource_id: int, during: TimeRange, seats: int) -> None:
    first, last, count = _grid_steps(during)
    _lock_steps(resource_id, first, last)
    steps = SeatStep.objects.filter(resource_id=resource_id, start__gte=first, start__lt=last)
    released = steps.filter(taken__gte=seats).update(taken=F("taken") - seats)
    if released != count:
        raise RuntimeError(f"resource {resource_id}: seats of {during} were not all taken")


def _conflict(resource: Resource, during: TimeRange, seats: int) -> Conflict:
    """The refusal of a taken slot, naming the range that is taken (on the place's clock)."""
    taken: TimeRange | None = None
    if resource.capacity == 1:
        slot = (
            BookingSlot.objects.filter(
                resource=resource, start__lt=during.end, end__gt=during.start
            )
            .order_by("start")
            .first()
        )
        if slot is not None:
            taken = TimeRange(slot.start, slot.end)
    else:
        first, last, _count = _grid_steps(during)
        full = list(
            SeatStep.objects.filter(
                resource=resource,
                start__gte=first,
                start__lt=last,
                taken__gt=F("capacity") - seats,
            )
            .order_by("start")
            .values_list("start", flat=True)
        )
        if full:
            end = full[0] + SEAT_GRID
            for step in full[1:]:
                if step != end:
                    break
                end = step + SEAT_GRID
            taken = TimeRange(max(full[0], during.start), min(end, during.end))
    taken = taken or during
    message = (
        _("Déjà réservé %(range)s : choisissez un autre créneau.")
        if resource.capacity == 1
        else _("Complet %(range)s : choisissez un autre créneau.")
    )
    return Conflict(
        message % {"range": range_text(taken, resource)},
        details={"start": taken.start.isoformat(), "end": taken.end.isoformat()},
    )


def _hold(booking: Booking, resource: Resource, during: TimeRange) -> None:
    """Hold `during` for `booking` (inside its transaction), or raise the `Conflict`."""
    try:
        if resource.capacity == 1:
            hold_slot(
                BookingSlot,
                resource="resource",
                resource_id=resource.pk,
                during=during,
                booking=booking,
            )
        else:
            _take_seats(resource, during, booking.seats)
    except (SlotTaken, CapacityReached):
        raise _conflict(resource, during, booking.seats) from None


def _release(booking: Booking) -> None:
    """Give back what `booking` holds (its slot, or its seats on every step)."""
    if BookingSlot.objects.filter(booking=booking).delete()[0]:
        return
    _release_seats(booking.resource_id, TimeRange(booking.start, booking.end), booking.seats)


# --- bookings -----------------------------------------------------------------------------------


def _range(start: datetime, end: datetime) -> TimeRange:
    try:
        return TimeRange(start, end)
    except (TypeError, ValueError):
        raise ValidationFailed(
            [FieldError("end", _("La fin doit suivre le début, heures et fuseau compris."))]
        ) from None


def _raise_refusals(refusals: list[Refusal]) -> None:
    forbidden = [r.message for r in refusals if r.kind == "permission"]
    if forbidden:
        raise PermissionDenied(" ".join(forbidden))
    if refusals:
        raise ValidationFailed([FieldError(r.field, r.message) for r in refusals])


def _check_override(actor: Actor, place: Place, override_reason: str) -> bool:
    """Whether the actor overrides the rules (staff giving a reason); refuses anyone else."""
    reason = override_reason.strip()
    if not reason:
        return False
    if not can_book_for_others(actor, place):
        raise PermissionDenied(_("Seule l'équipe du lieu peut déroger aux règles de réservation."))
    if len(reason) > 300:
        raise ValidationFailed(
            [FieldError("override_reason", _("Le motif ne peut dépasser 300 caractères."))]
        )
    return True


def _booker(actor: Actor, place: Place, user: User | None) -> User:
    """The person a booking is for: the actor by default; someone else only for staff."""
    if user is None:
        if is_system(actor):
            raise ValidationFailed([FieldError("user_id", _("Pour qui est la réservation ?"))])
        return actor  # type: ignore[return-value]
    if is_system(actor) or user.pk == actor.pk:
        return user
    if not can_book_for_others(actor, place):
        raise PermissionDenied(_("Seule l'équipe du lieu peut réserver pour une autre personne."))
    return user


def _acting_user(actor: Actor) -> User | None:
    return None if is_system(actor) else actor  # type: ignore[return-value]


def _booking_state(booking: Booking) -> dict[str, Any]:
    return {
        "resource": booking.resource_id,
        "user": booking.user_id,
        "start": booking.start,
        "end": booking.end,
        "seats": booking.seats,
        "status": booking.status,
        "override_reason": booking.override_reason,
        "note": booking.note,
    }


def _count_quota_locked(
    booker: User,
    resource: Resource,
    during: TimeRange,
    exclude_booking: Booking | None = None,
    membership: Membership | EllipsisType | None = ...,
) -> None:
    """The plan's quota (hours per period, days of a card) counted again inside the booking's
    transaction, after locking the person's membership row: on PostgreSQL a second booking of
    the same person at the place waits there until the first commits, then counts it (READ
    COMMITTED reads the committed rows at each statement); on SQLite the IMMEDIATE transaction
    already holds every writer back. Without the lock two bookings made at the same instant
    would both pass a count made before either was written.

    `membership`: the person's active membership of the place, when the caller has read it
    already (it only says which row to lock and which plan counts: the count itself is made
    again, here, after the lock)."""
    if membership is ...:
        membership = active_membership(booker, resource.place_id)
    if membership is None or membership.plan is None:
        return
    if membership.plan.booking_hours_per_period is None and not is_card(membership):
        return
    list(
        Membership.objects.select_for_update().filter(pk=membership.pk).values_list("pk", flat=True)
    )
    refusal = quota_refusal(
        booker, resource, during, exclude_booking=exclude_booking, membership=membership
    )
    if refusal is not None:
        raise PermissionDenied(refusal.message)


def book(
    *,
    actor: Actor,
    resource: Resource,
    start: datetime,
    end: datetime,
    user: User | None = None,
    seats: int = 1,
    override_reason: str = "",
    note: str = "",
    series: BookingSeries | None = None,
    notify: bool = True,
) -> Booking:
    """Book `resource` during `[start, end)` for `user` (the actor by default).

    The person is told by email (`notifications`) unless `notify` is False: history recorded
    without telling anyone (the demo's months of past bookings, imports).

    The rules of `bookings.rules.booking_refusals` apply to `user`, unless staff give an
    `override_reason` (recorded on the booking and in the audit log). Capacity always applies.
    """
    check_actor(actor)
    place = resource.place
    during = _range(start, end)
    booker = _booker(actor, place, user)
    overriding = _check_override(actor, place, override_reason)
    if len(note) > 300:
        raise ValidationFailed([FieldError("note", _("La note ne peut dépasser 300 caractères."))])
    if seats < 1 or seats > resource.capacity:
        _raise_refusals(
            [
                Refusal(
                    "validation",
                    "seats",
                    _("Cette ressource offre %(capacity)s place(s).")
                    % {"capacity": resource.capacity},
                )
            ]
        )
    # Read once for the rules and the quota's lock (unused when staff override the rules).
    membership = None if overriding else active_membership(booker, place.pk)
    if not overriding:
        _raise_refusals(
            booking_refusals(
                user=booker, resource=resource, during=during, seats=seats, membership=membership
            )
        )
    if resource.capacity > 1 and not transaction.get_connection().in_atomic_block:
        _ensure_steps(resource, during)
    return run_retrying(
        lambda: _book_in_transaction(
            actor=actor,
            resource=resource,
            during=during,
            booker=booker,
            membership=membership,
            seats=seats,
            overriding=overriding,
            override_reason=override_reason,
            note=note,
            series=series,
            notify=notify,
        )
    )


def _book_in_transaction(
    *,
    actor: Actor,
    resource: Resource,
    during: TimeRange,
    booker: User,
    membership: Membership | None,
    seats: int,
    overriding: bool,
    override_reason: str,
    note: str,
    series: BookingSeries | None,
    notify: bool,
) -> Booking:
    with transaction.atomic():
        if not overriding:
            _count_quota_locked(booker, resource, during, membership=membership)
        booking = Booking.objects.create(
            resource=resource,
            user=booker,
            booked_by=_acting_user(actor),
            start=during.start,
            end=during.end,
            seats=seats,
            series=series,
            override_reason=override_reason.strip(),
            note=note.strip(),
        )
        _hold(booking, resource, during)
        record(
            actor=actor,
            action="booking.create",
            target=booking,
            changes={name: [None, value] for name, value in _booking_state(booking).items()},
            personal_fields=("note",),
        )
        # Queued in the same transaction: a booking rolled back sends nothing. A series sends
        # one confirmation listing all its occurrences (see book_series).
        if series is None and notify:
            notify_booking_confirmed(booking)
    return booking


def change_booking(
    *,
    actor: Actor,
    booking: Booking,
    start: datetime,
    end: datetime,
    override_reason: str = "",
) -> Booking:
    """Move a confirmed booking to `[start, end)`: until the cancellation deadline for the
    person, any time for staff giving a reason. The new time follows the rules as a new booking
    would; the old time is freed in the same transaction."""
    check_actor(actor)
    resource = booking.resource
    place = resource.place
    if not can_change_booking(actor, booking):
        raise PermissionDenied
    during = _range(start, end)
    overriding = _check_override(actor, place, override_reason)
    if not overriding:
        refusals: list[Refusal] = []
        deadline = cancellation_refusal(booking)
        if deadline is not None:
            refusals.append(deadline)
        booker = booking.user
        if booker is None:
            raise PermissionDenied(_("Cette réservation anonymisée ne se modifie plus."))
        refusals += booking_refusals(
            user=booker,
            resource=resource,
            during=during,
            seats=booking.seats,
            exclude_booking=booking,
        )
        _raise_refusals(refusals)
    if resource.capacity > 1 and not transaction.get_connection().in_atomic_block:
        _ensure_steps(resource, during)
    locked = run_retrying(
        lambda: _change_in_transaction(
            actor=actor,
            booking=booking,
            resource=resource,
            during=during,
            overriding=overriding,
            override_reason=override_reason,
        )
    )
    booking.start, booking.end = locked.start, locked.end
    booking.override_reason = locked.override_reason
    booking.updated_at = locked.updated_at
    return booking


def _change_in_transaction(
    *,
    actor: Actor,
    booking: Booking,
    resource: Resource,
    during: TimeRange,
    overriding: bool,
    override_reason: str,
) -> Booking:
    with transaction.atomic():
        if resource.capacity == 1:
            # One lock per resource, taken first: two moves of its bookings run one after the
            # other. Without it, two staff swapping two bookings at the same instant each free
            # a slot and wait for the one the other frees (a deadlock PostgreSQL breaks with an
            # error); `run_retrying` covers what remains (a move racing a new booking).
            list(
                Resource.objects.select_for_update()
                .filter(pk=resource.pk)
                .values_list("pk", flat=True)
            )
        locked = Booking.objects.select_for_update().get(pk=booking.pk)
        if locked.status != BookingStatus.CONFIRMED:
            raise Conflict(_("Cette réservation est annulée : elle ne peut plus être modifiée."))
        if not overriding and locked.user is not None:
            _count_quota_locked(locked.user, resource, during, exclude_booking=locked)
        before = _booking_state(locked)
        if resource.capacity > 1:
            # Every step of the old and new times locked in one ordered pass (no deadlock).
            _ensure_steps(resource, during)
            old_first, old_last, _n = _grid_steps(TimeRange(locked.start, locked.end))
            new_first, new_last, _m = _grid_steps(during)
            _lock_steps(resource.pk, min(old_first, new_first), max(old_last, new_last))
        _release(locked)
        locked.start, locked.end = during.start, during.end
        if overriding:
            locked.override_reason = override_reason.strip()
        locked.save(update_fields=["start", "end", "override_reason", "updated_at"])
        _hold(locked, resource, during)
        after = _booking_state(locked)
        record(
            actor=actor,
            action="booking.change",
            target=locked,
            changes={
                name: [before[name], after[name]] for name in after if before[name] != after[name]
            },
            personal_fields=("note",),
        )
        notify_booking_changed(locked, previous=TimeRange(before["start"], before["end"]))
    return locked


@transaction.atomic
def cancel_booking(
    *, actor: Actor, booking: Booking, override_reason: str = "", notify: bool = True
) -> Booking:
    """Cancel a booking (its row stays, as history): until the cancellation deadline for the
    person, any time for staff giving a reason. Its time or seats are freed at once. The
    person is told by email unless `notify` is False (`cancel_series` sends one for all)."""
    check_actor(actor)
    if not can_change_booking(actor, booking):
        raise PermissionDenied
    overriding = _check_override(actor, booking.resource.place, override_reason)
    if not overriding and booking.status == BookingStatus.CONFIRMED:
        _raise_refusals([r for r in [cancellation_refusal(booking)] if r is not None])
    try:
        move_state(booking, BookingStatus.CANCELLED, field="status", cancelled_at=timezone.now())
    except IllegalTransition:
        raise Conflict(_("Cette réservation est déjà annulée.")) from None
    # Its times as they are now (the UPDATE above holds the row): a stale copy may be older.
    fresh = Booking.objects.only("pk", "resource_id", "start", "end", "seats").get(pk=booking.pk)
    _release(fresh)
    changes: dict[str, list] = {"status": [BookingStatus.CONFIRMED, BookingStatus.CANCELLED]}
    if overriding:
        changes["override_reason"] = [booking.override_reason, override_reason.strip()]
    record(actor=actor, action="booking.cancel", target=booking, changes=changes)
    if notify:
        notify_booking_cancelled(booking)
    return booking


@dataclass(frozen=True)
class SeriesConflict:
    """An occurrence of a recurring booking that could not be booked, and why."""

    start: datetime
    end: datetime
    reason: str


@dataclass
class SeriesResult:
    booked: list[Booking] = field(default_factory=list)
    conflicts: list[SeriesConflict] = field(default_factory=list)
    series: BookingSeries | None = None


class _SeriesAbandoned(Exception):  # noqa: N818 - internal: roll the series back
    pass


def occurrences(
    resource: Resource, start: datetime, end: datetime, interval_weeks: int, until: date
) -> list[TimeRange]:
    """The times of a series: the same wall-clock hours in the place's zone every
    `interval_weeks` weeks from the first, while the day is not after `until`."""
    zone = resource.place.timezone
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    ranges: list[TimeRange] = []
    k = 0
    while len(ranges) < MAX_OCCURRENCES:
        shift = timedelta(weeks=interval_weeks * k)
        # Wall-clock arithmetic, then back through UTC: 10:00 stays 10:00 across a DST change.
        occurrence_start = (local_start.replace(tzinfo=None) + shift).replace(tzinfo=zone)
        if occurrence_start.date() > until:
            break
        occurrence_end = (local_end.replace(tzinfo=None) + shift).replace(tzinfo=zone)
        ranges.append(TimeRange(occurrence_start, occurrence_end))
        k += 1
    return ranges


def book_series(
    *,
    actor: Actor,
    resource: Resource,
    start: datetime,
    end: datetime,
    interval_weeks: int,
    until: date | None = None,
    count: int | None = None,
    mode: Literal["all_or_nothing", "free_only"] = "all_or_nothing",
    user: User | None = None,
    override_reason: str = "",
) -> SeriesResult:
    """Book `[start, end)` every `interval_weeks` weeks until `until` (inclusive), or `count`
    times (one of the two).

    `all_or_nothing`: any occurrence that cannot be booked leaves nothing booked, and the
    result lists every conflict. `free_only`: the free occurrences are booked, the others
    listed. Who may book and the training needed are checked first, for the whole series.
    One email tells the person every occurrence booked, with one `.ics` holding them all.
    """
    check_actor(actor)
    if mode not in ("all_or_nothing", "free_only"):
        raise ValueError(f"unknown series mode {mode!r}")
    if not 1 <= interval_weeks <= 52:
        raise ValidationFailed(
            [FieldError("interval_weeks", _("L'intervalle est de 1 à 52 semaines."))]
        )
    place = resource.place
    first = _range(start, end)
    if (until is None) == (count is None):
        raise ValidationFailed(
            [FieldError("until", _("Donnez soit une date de fin, soit un nombre de séances."))]
        )
    if count is not None:
        if not 1 <= count <= MAX_OCCURRENCES:
            raise ValidationFailed(
                [
                    FieldError(
                        "count",
                        _("Une série compte de 1 à %(max)s séances.") % {"max": MAX_OCCURRENCES},
                    )
                ]
            )
        local_first = first.start.astimezone(place.timezone).date()
        until = local_first + timedelta(weeks=interval_weeks * (count - 1))
    if until is None:  # never: one of until and count is given (checked above)
        raise ValidationFailed([FieldError("until", _("Donnez une date de fin."))])
    booker = _booker(actor, place, user)
    overriding = _check_override(actor, place, override_reason)
    if not overriding:
        upfront = [
            r
            for r in (
                who_may_book_refusal(booker, resource),
                qualification_refusal(
                    booker, resource, first.start.astimezone(place.timezone).date()
                ),
            )
            if r is not None
        ]
        _raise_refusals(upfront)
    times = occurrences(resource, first.start, first.end, interval_weeks, until)
    if not times:
        raise ValidationFailed([FieldError("until", _("La fin de la série précède son début."))])
    result = SeriesResult()
    try:
        with transaction.atomic():
            series = BookingSeries.objects.create(
                resource=resource, user=booker, interval_weeks=interval_weeks, until=until
            )
            for during in times:
                try:
                    with transaction.atomic():
                        booking = book(
                            actor=actor,
                            resource=resource,
                            start=during.start,
                            end=during.end,
                            user=booker,
                            override_reason=override_reason,
                            series=series,
                        )
                except (Conflict, PermissionDenied, ValidationFailed) as exc:
                    reason = (
                        str(exc)
                        if not isinstance(exc, ValidationFailed)
                        else "; ".join(str(error.message) for error in exc.errors)
                    )
                    result.conflicts.append(SeriesConflict(during.start, during.end, reason))
                    continue
                result.booked.append(booking)
            if mode == "all_or_nothing" and result.conflicts:
                raise _SeriesAbandoned
            if not result.booked:
                raise _SeriesAbandoned
            record(
                actor=actor,
                action="booking_series.create",
                target=series,
                changes={
                    "resource": [None, resource.pk],
                    "user": [None, booker.pk],
                    "interval_weeks": [None, interval_weeks],
                    "until": [None, until],
                    "booked": [None, len(result.booked)],
                    "conflicts": [None, len(result.conflicts)],
                },
            )
            result.series = series
            notify_series_confirmed(series, result.booked)
    except _SeriesAbandoned:
        result.booked = []
        result.series = None
    return result


@transaction.atomic
def cancel_series(
    *,
    actor: Actor,
    series: BookingSeries,
    from_booking: Booking | None = None,
    override_reason: str = "",
) -> list[Booking]:
    """Cancel the coming confirmed occurrences of `series` (from `from_booking` on, when
    given: "this one and the following"), the earlier ones staying; one email lists them all.

    The person cancels until the cancellation deadline of the first one cancelled; staff at any
    time giving a reason. One occurrence alone is cancelled by `cancel_booking`.
    """
    check_actor(actor)
    if not can_change_series(actor, series):
        raise PermissionDenied
    if from_booking is not None and from_booking.series_id != series.pk:
        raise ValidationFailed(
            [FieldError("from_booking_id", _("Cette réservation n'est pas de cette série."))]
        )
    coming = series.bookings.filter(
        status=BookingStatus.CONFIRMED, end__gt=timezone.now()
    ).select_related("resource__place")
    if from_booking is not None:
        coming = coming.filter(start__gte=from_booking.start)
    # Locked in id order: two cancellations of one series never wait on each other crosswise.
    occurrences = list(coming.select_for_update(of=("self",)).order_by("pk"))
    if not occurrences:
        raise Conflict(_("Cette série n'a plus de réservation à venir à annuler."))
    occurrences.sort(key=lambda booking: (booking.start, booking.pk))
    overriding = _check_override(actor, series.resource.place, override_reason)
    if not overriding:
        _raise_refusals([r for r in [cancellation_refusal(occurrences[0])] if r is not None])
    for booking in occurrences:
        cancel_booking(actor=actor, booking=booking, override_reason=override_reason, notify=False)
    record(
        actor=actor,
        action="booking_series.cancel",
        target=series,
        changes={
            "cancelled": [None, [booking.pk for booking in occurrences]],
            "from": [None, occurrences[0].start],
        },
    )
    notify_series_cancelled(series, occurrences)
    return occurrences


# --- qualifications -----------------------------------------------------------------------------


@transaction.atomic
def create_qualification(
    *,
    actor: Actor,
    place: Place,
    name: str,
    training: str = "",
    validity_days: int | None = None,
) -> Qualification:
    """Add a qualification to `place` (what a machine requires), with the training leading to
    it and, optionally, how many days a grant lasts."""
    check_actor(actor)
    if not can_grant_qualifications(actor, place):
        raise PermissionDenied
    name, training = name.strip(), training.strip()
    errors = []
    if not name or len(name) > 120:
        errors.append(FieldError("name", _("Donnez un nom d'au plus 120 caractères.")))
    if len(training) > 200:
        errors.append(FieldError("training", _("La formation tient en 200 caractères.")))
    if validity_days is not None and validity_days < 1:
        errors.append(FieldError("validity_days", _("La validité est d'au moins un jour.")))
    if not errors and Qualification.objects.filter(place=place, name=name).exists():
        errors.append(FieldError("name", _("Ce lieu a déjà une habilitation de ce nom.")))
    if errors:
        raise ValidationFailed(errors)
    qualification = Qualification.objects.create(
        place=place, name=name, training=training, validity_days=validity_days
    )
    record(
        actor=actor,
        action="qualification.create",
        target=qualification,
        changes={
            "place": [None, place.pk],
            "name": [None, name],
            "training": [None, training],
            "validity_days": [None, validity_days],
        },
    )
    return qualification


@transaction.atomic
def grant_qualification(
    *,
    actor: Actor,
    qualification: Qualification,
    user: User,
    expires_on: date | None = None,
    source: str = QualificationGrant.Source.DIRECT,
    source_ref: str = "",
    granted_on: date | None = None,
) -> QualificationGrant:
    """Grant `qualification` to `user`, from `granted_on` (today in the place) until
    `expires_on` (by default `validity_days` later, or never).

    `source` says how: `direct` (staff decide) or `training` (attendance marked at a training
    session; the events app passes its session as `source_ref`, e.g. "event-session:42").
    Granting again with the same non-empty `source_ref` returns the grant already made, so that
    marking attendance twice gives one grant.
    """
    check_actor(actor)
    if not can_grant_qualifications(actor, qualification.place):
        raise PermissionDenied
    if source not in QualificationGrant.Source.values:
        raise ValidationFailed([FieldError("source", _("Origine d'habilitation inconnue."))])
    if len(source_ref) > 100:
        raise ValidationFailed([FieldError("source_ref", _("Référence trop longue."))])
    if source_ref:
        existing = QualificationGrant.objects.filter(
            qualification=qualification,
            user=user,
            source=source,
            source_ref=source_ref,
            revoked_at__isnull=True,
        ).first()
        if existing is not None:
            return existing
    granted_on = granted_on or timezone.localdate(timezone=qualification.place.timezone)
    if expires_on is None and qualification.validity_days:
        expires_on = granted_on + timedelta(days=qualification.validity_days)
    if expires_on is not None and expires_on < granted_on:
        raise ValidationFailed(
            [FieldError("expires_on", _("L'expiration ne peut précéder l'attribution."))]
        )
    grant = QualificationGrant.objects.create(
        qualification=qualification,
        user=user,
        granted_by=_acting_user(actor),
        source=source,
        source_ref=source_ref,
        granted_on=granted_on,
        expires_on=expires_on,
    )
    record(
        actor=actor,
        action="qualification.grant",
        target=grant,
        changes={
            "qualification": [None, qualification.pk],
            "user": [None, user.pk],
            "source": [None, source],
            "source_ref": [None, source_ref],
            "granted_on": [None, granted_on],
            "expires_on": [None, expires_on],
        },
    )
    return grant


@transaction.atomic
def revoke_qualification(*, actor: Actor, grant: QualificationGrant) -> QualificationGrant:
    """Withdraw a grant (its row stays as history). Bookings already made stay; new ones need
    another valid grant."""
    check_actor(actor)
    if not can_grant_qualifications(actor, grant.qualification.place):
        raise PermissionDenied
    now = timezone.now()
    revoked = QualificationGrant.objects.filter(pk=grant.pk, revoked_at__isnull=True).update(
        revoked_at=now, updated_at=now
    )
    if not revoked:
        raise Conflict(_("Cette habilitation est déjà retirée."))
    grant.revoked_at = now
    record(
        actor=actor,
        action="qualification.revoke",
        target=grant,
        changes={"revoked_at": [None, now]},
    )
    return grant
