"""Every write about events and registrations: one service per change, each checked
(`events.rules`), run in one transaction and audited.

Seats are decided by the database (`common.capacity`), never by a Python count: confirming a
registration takes one seat of the event with a conditional UPDATE (`take_seat`); when it
finds none, the registration waits. A cancellation of a confirmed registration hands its seat
to the first person waiting (by order of registration) in the same transaction — the UPDATE
that releases the seat holds the event's row until the commit, so two cancellations or a
cancellation and a registration cannot interleave — and tells them by email. So a waiting list
is never non-empty while a seat is free.

A room booked for an event goes through `bookings.services.book` (staff override of the
booking rules, with the event as reason; the room's capacity still applies), so an event never
takes a room that a booking or another event holds; cancelling or moving the event cancels or
moves that booking.
"""

from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from maillage.accounts.models import User
from maillage.audit.services import record
from maillage.bookings import services as booking_services
from maillage.bookings.models import BookingStatus, QualificationGrant, Resource
from maillage.common.actors import SYSTEM, SystemActor, check_actor, is_system
from maillage.common.capacity import CapacityReached, release_seat, take_seat
from maillage.common.errors import Conflict, FieldError, PermissionDenied, ValidationFailed
from maillage.common.lifecycle import IllegalTransition, move_state
from maillage.places.models import Network, Place

from .models import (
    ACTIVE_STATUSES,
    Attendance,
    Category,
    Event,
    EventSeries,
    EventStatus,
    LocationKind,
    Registration,
    RegistrationStatus,
    Visibility,
)
from .notifications import notify
from .rules import can_cancel_registration, can_create_event, can_manage_event, can_register
from .selectors import waiting_order, waiting_position

Actor = User | SystemActor

MAX_WEEKS = 52
MAX_CAPACITY = 100_000
EVENT_FIELDS = (
    "title",
    "description",
    "category",
    "start",
    "end",
    "location_kind",
    "room",
    "address",
    "capacity",
    "registration_opens_at",
    "registration_closes_at",
    "visibility",
    "price_cents",
    "accessibility",
    "audience",
    "qualification",
)
# A change of these is worth telling the registered people about.
NOTIFIED_FIELDS = frozenset({"title", "start", "end", "location_kind", "room", "address"})
LIMITS = {
    "title": 200,
    "address": 250,
    "audience": 200,
    "description": 20_000,
    "accessibility": 2000,
}


# --- events -------------------------------------------------------------------------------------


def _acting_user(actor: Actor) -> User | None:
    return None if is_system(actor) else actor  # type: ignore[return-value]


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "pk"):
        return value.pk
    return value


def _state(event: Event) -> dict[str, Any]:
    return {name: _value(getattr(event, name)) for name in EVENT_FIELDS}


def _validate(values: dict[str, Any], place: Place | None) -> None:
    errors: list[FieldError] = []
    title = (values.get("title") or "").strip()
    if not title:
        errors.append(FieldError("title", _("Donnez un titre.")))
    for name, limit in LIMITS.items():
        if len(values.get(name) or "") > limit:
            errors.append(FieldError(name, _("%(limit)s caractères au plus.") % {"limit": limit}))
    if values.get("category") not in Category.values:
        errors.append(FieldError("category", _("Catégorie inconnue.")))
    if values.get("visibility") not in Visibility.values:
        errors.append(FieldError("visibility", _("« public » ou « members ».")))
    start, end = values.get("start"), values.get("end")
    for name in ("start", "end", "registration_opens_at", "registration_closes_at"):
        moment = values.get(name)
        if moment is not None and (not isinstance(moment, datetime) or moment.utcoffset() is None):
            errors.append(FieldError(name, _("Donnez une date et une heure avec leur fuseau.")))
    if start is None:
        errors.append(FieldError("start", _("Quand commence l'événement ?")))
    if end is None:
        errors.append(FieldError("end", _("Quand finit-il ?")))
    elif start is not None and not any(e.field in ("start", "end") for e in errors):
        if end <= start:
            errors.append(FieldError("end", _("La fin doit suivre le début.")))
        elif end - start > timedelta(days=14):
            errors.append(FieldError("end", _("Un événement dure 14 jours au plus.")))
    capacity = values.get("capacity")
    if not isinstance(capacity, int) or not 1 <= capacity <= MAX_CAPACITY:
        errors.append(
            FieldError("capacity", _("Entre 1 et %(max)s places.") % {"max": MAX_CAPACITY})
        )
    price = values.get("price_cents")
    if not isinstance(price, int) or price < 0:
        errors.append(FieldError("price_cents", _("Un prix en centimes, 0 si gratuit.")))
    opens, closes = values.get("registration_opens_at"), values.get("registration_closes_at")
    if (
        isinstance(opens, datetime)
        and isinstance(closes, datetime)
        and opens.utcoffset() is not None
        and closes.utcoffset() is not None
        and closes <= opens
    ):
        errors.append(
            FieldError("registration_closes_at", _("La clôture doit suivre l'ouverture."))
        )
    kind = values.get("location_kind")
    room = values.get("room")
    if kind not in LocationKind.values:
        errors.append(FieldError("location_kind", _("Lieu de l'événement inconnu.")))
    elif kind == LocationKind.ROOM:
        if place is None:
            errors.append(FieldError("room", _("Un événement de réseau n'a pas de salle.")))
        elif not isinstance(room, Resource) or room.place_id != place.pk or not room.is_active:
            errors.append(FieldError("room", _("Choisissez une salle active du lieu.")))
    elif kind == LocationKind.ADDRESS and not (values.get("address") or "").strip():
        errors.append(FieldError("address", _("Donnez l'adresse.")))
    elif kind == LocationKind.PLACE and place is None:
        errors.append(FieldError("location_kind", _("Un événement de réseau a une adresse.")))
    qualification = values.get("qualification")
    if qualification is not None and (place is None or qualification.place_id != place.pk):
        errors.append(FieldError("qualification", _("Une habilitation du lieu.")))
    if errors:
        raise ValidationFailed(errors)


def _defaults(values: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "description": "",
        "category": Category.OTHER,
        "location_kind": LocationKind.PLACE,
        "room": None,
        "address": "",
        "registration_opens_at": None,
        "registration_closes_at": None,
        "visibility": Visibility.PUBLIC,
        "price_cents": 0,
        "accessibility": "",
        "audience": "",
        "qualification": None,
    }
    unknown = set(values) - set(EVENT_FIELDS)
    if unknown:
        raise ValueError(f"unknown event fields: {sorted(unknown)}")
    data.update(values)
    for name in ("title", "address", "audience"):
        data[name] = (data.get(name) or "").strip()
    if data["location_kind"] != LocationKind.ROOM:
        data["room"] = None
    return data


def _room_reason(event_title: str) -> str:
    return (_("Événement : %(title)s") % {"title": event_title})[:300]


def _book_room(actor: Actor, event: Event) -> None:
    """Book the event's room through the bookings service (raises Conflict when taken)."""
    room = event.room
    if room is None:
        raise ValueError("a room event names its room")
    booker = _acting_user(actor) or event.created_by
    if booker is None:
        raise ValidationFailed([FieldError("room", _("Qui réserve la salle ?"))])
    booking = booking_services.book(
        actor=actor if not is_system(actor) else SYSTEM,
        resource=room,
        start=event.start,
        end=event.end,
        user=booker,
        seats=room.capacity,
        override_reason=_room_reason(event.title),
        notify=False,
    )
    event.room_booking = booking
    event.save(update_fields=["room_booking", "updated_at"])


def _free_room(actor: Actor, event: Event) -> None:
    booking = event.room_booking
    if booking is not None and booking.status == BookingStatus.CONFIRMED:
        booking_services.cancel_booking(
            actor=actor, booking=booking, override_reason=_room_reason(event.title)
        )
    event.room_booking = None
    event.save(update_fields=["room_booking", "updated_at"])


def _create_one(
    actor: Actor,
    *,
    place: Place | None,
    network: Network | None,
    data: dict[str, Any],
    series: EventSeries | None,
) -> Event:
    event = Event.objects.create(
        place=place,
        network=network,
        series=series,
        created_by=_acting_user(actor),
        departement_code=place.departement_code if place else "",
        **data,
    )
    if event.location_kind == LocationKind.ROOM:
        _book_room(actor, event)
    record(
        actor=actor,
        action="event.create",
        target=event,
        changes={name: [None, value] for name, value in _state(event).items()},
    )
    return event


def _check_owner(actor: Actor, place: Place | None, network: Network | None) -> None:
    if (place is None) == (network is None):
        raise ValueError("an event belongs to a place or to a network")
    if not can_create_event(actor, place=place, network=network):
        raise PermissionDenied(_("Seule l'équipe du lieu (du réseau) crée ses événements."))


@transaction.atomic
def create_event(
    *,
    actor: Actor,
    data: dict[str, Any],
    place: Place | None = None,
    network: Network | None = None,
) -> Event:
    """A new event of `place` (or `network`) from `data` (the names of EVENT_FIELDS); its room,
    if any, booked at once."""
    check_actor(actor)
    _check_owner(actor, place, network)
    values = _defaults(data)
    _validate(values, place)
    return _create_one(actor, place=place, network=network, data=values, series=None)


def _shift(moment: datetime | None, weeks: int, zone) -> datetime | None:
    """`moment` `weeks` later on the place's wall clock (a 10:00 workshop stays at 10:00
    across the daylight-saving change)."""
    if moment is None:
        return None
    local = moment.astimezone(zone)
    return (local.replace(tzinfo=None) + timedelta(weeks=weeks)).replace(tzinfo=zone)


@transaction.atomic
def create_weekly_events(
    *,
    actor: Actor,
    data: dict[str, Any],
    weeks: int,
    place: Place | None = None,
    network: Network | None = None,
) -> list[Event]:
    """`weeks` occurrences of the same event, one a week at the same wall-clock time, each
    with its own seats and registrations, sharing one `EventSeries`. All or nothing: a room
    taken on one of the weeks refuses the whole series (Conflict naming the week)."""
    check_actor(actor)
    _check_owner(actor, place, network)
    if not 1 <= weeks <= MAX_WEEKS:
        raise ValidationFailed(
            [FieldError("weeks", _("Entre 1 et %(max)s semaines.") % {"max": MAX_WEEKS})]
        )
    values = _defaults(data)
    _validate(values, place)
    zone = place.timezone if place else Event(network=network).timezone
    series = EventSeries.objects.create(
        title=values["title"], weeks=weeks, created_by=_acting_user(actor)
    )
    events = []
    for week in range(weeks):
        occurrence = dict(values)
        for name in ("start", "end", "registration_opens_at", "registration_closes_at"):
            occurrence[name] = _shift(values[name], week, zone)
        events.append(
            _create_one(actor, place=place, network=network, data=occurrence, series=series)
        )
    record(
        actor=actor,
        action="event_series.create",
        target=series,
        changes={"weeks": [None, weeks], "events": [None, [e.pk for e in events]]},
    )
    return events


def _lock(event: Event) -> Event:
    return (
        Event.objects.select_for_update(of=("self",))
        .select_related("room", "room_booking")
        .get(pk=event.pk)
    )


@transaction.atomic
def update_event(*, actor: Actor, event: Event, data: dict[str, Any]) -> Event:
    """Change an event: capacity (never under the seats taken; more seats promote the people
    waiting, in order), times (the room's booking moves too), anything else of EVENT_FIELDS.
    Everyone registered is told when the title, time or place changes."""
    check_actor(actor)
    if not can_manage_event(actor, event):
        raise PermissionDenied
    locked = _lock(event)
    if locked.status == EventStatus.CANCELLED:
        raise Conflict(_("Cet événement est annulé : il ne se modifie plus."))
    before = _state(locked)
    current = {name: getattr(locked, name) for name in EVENT_FIELDS}
    unknown = set(data) - set(EVENT_FIELDS)
    if unknown:
        raise ValueError(f"unknown event fields: {sorted(unknown)}")
    values = _defaults({**current, **data})
    _validate(values, locked.place)
    if values["capacity"] < locked.taken:
        raise Conflict(
            _("%(taken)s places sont déjà prises : la capacité ne peut descendre en dessous.")
            % {"taken": locked.taken}
        )
    room_changed = (
        values["room"] != locked.room
        or values["start"] != locked.start
        or values["end"] != locked.end
        or values["location_kind"] != locked.location_kind
    )
    if room_changed and locked.room_booking_id is not None:
        _free_room(actor, locked)
    for name, value in values.items():
        setattr(locked, name, value)
    locked.save()
    if room_changed and locked.location_kind == LocationKind.ROOM:
        _book_room(actor, locked)
    after = _state(locked)
    changes = {name: [before[name], after[name]] for name in after if before[name] != after[name]}
    record(actor=actor, action="event.update", target=locked, changes=changes)
    promoted = _fill_from_waiting_list(actor, locked)
    if NOTIFIED_FIELDS & set(changes):
        for registration in locked.registrations.filter(
            status__in=[RegistrationStatus.CONFIRMED, RegistrationStatus.WAITING]
        ).exclude(pk__in=[r.pk for r in promoted]):
            notify(registration, "event_changed")
    for name in EVENT_FIELDS:
        setattr(event, name, getattr(locked, name))
    event.taken, event.updated_at = locked.taken, locked.updated_at
    event.room_booking = locked.room_booking
    return event


@transaction.atomic
def cancel_event(*, actor: Actor, event: Event, reason: str = "") -> Event:
    """Cancel an event (it stays, marked cancelled, in the agenda and the feeds); its room is
    freed and everyone registered is told. Registrations stay as they were, as history."""
    check_actor(actor)
    if not can_manage_event(actor, event):
        raise PermissionDenied
    if len(reason) > 300:
        raise ValidationFailed([FieldError("reason", _("300 caractères au plus."))])
    try:
        move_state(
            event,
            EventStatus.CANCELLED,
            field="status",
            cancelled_at=timezone.now(),
            cancellation_reason=reason.strip(),
        )
    except IllegalTransition:
        raise Conflict(_("Cet événement est déjà annulé.")) from None
    locked = _lock(event)
    if locked.room_booking_id is not None:
        _free_room(actor, locked)
    event.room_booking = None
    record(
        actor=actor,
        action="event.cancel",
        target=event,
        changes={
            "status": [EventStatus.SCHEDULED, EventStatus.CANCELLED],
            "reason": [None, reason],
        },
    )
    for registration in event.registrations.filter(
        status__in=[RegistrationStatus.CONFIRMED, RegistrationStatus.WAITING]
    ):
        notify(registration, "event_cancelled")
    return event


# --- registrations ------------------------------------------------------------------------------


def registration_open_refusal(event: Event, now: datetime | None = None) -> str | None:
    """Why nobody may register now (cancelled, started, window closed), or None."""
    now = now or timezone.now()
    if event.status == EventStatus.CANCELLED:
        return _("Cet événement est annulé.")
    if event.start <= now:
        return _("Cet événement a commencé : les inscriptions sont closes.")
    if event.registration_opens_at and now < event.registration_opens_at:
        return _("Les inscriptions ne sont pas encore ouvertes.")
    if event.registration_closes_at and now >= event.registration_closes_at:
        return _("Les inscriptions sont closes.")
    return None


def _registration_state(registration: Registration) -> dict[str, Any]:
    return {
        "event": registration.event_id,
        "user": registration.user_id,
        "name": registration.name,
        "email": registration.email,
        "status": registration.status,
    }


def _seat_or_wait(event_id: int) -> str:
    """Take a seat of the event (confirmed) or, when none is left, the waiting list's status.
    Inside the caller's transaction, which writes the registration row.

    A full event is locked (FOR UPDATE) before joining its waiting list, and the seat tried
    again under the lock: the people waiting are thus written one at a time, in the order of
    their rows, each seeing every one before them (so the position it is told is final), and
    nobody waits behind a seat freed meanwhile.
    """
    events = Event.objects.all()
    try:
        take_seat(events, pk=event_id)
    except CapacityReached:
        Event.objects.select_for_update().filter(pk=event_id).values_list("pk").first()
        try:
            take_seat(events, pk=event_id)
        except CapacityReached:
            return RegistrationStatus.WAITING
    return RegistrationStatus.CONFIRMED


def _insert(**fields: Any) -> Registration:
    """Insert the registration, inside the caller's transaction, which the refusal rolls back:
    no savepoint of its own (two statements of every registration), since nothing runs in that
    transaction after the IntegrityError but its rollback."""
    try:
        return Registration.objects.create(**fields)
    except IntegrityError:
        raise Conflict(_("Cette personne est déjà inscrite à cet événement.")) from None


def _check_email(name: str, email: str) -> tuple[str, str]:
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    name, email = name.strip(), email.strip()
    errors = []
    if not name:
        errors.append(FieldError("name", _("Donnez un nom.")))
    elif len(name) > 150:
        errors.append(FieldError("name", _("150 caractères au plus.")))
    try:
        validate_email(email)
    except ValidationError:
        errors.append(FieldError("email", _("Donnez une adresse électronique valide.")))
    if errors:
        raise ValidationFailed(errors)
    return name, email


def register(
    *,
    actor: Actor,
    event: Event,
    name: str = "",
    email: str = "",
    user: User | None = None,
) -> Registration:
    """Register the actor themself (no `email`, no `user`), or, for the event's staff, someone
    else — a person with an account (`user`) or anyone by name and email: confirmed at once
    when a seat is left, otherwise waiting."""
    check_actor(actor)
    person: User | None
    if user is not None and (isinstance(actor, SystemActor) or user.pk != actor.pk):
        if not can_manage_event(actor, event):
            raise PermissionDenied(_("Seule l'équipe inscrit une autre personne."))
        person = user
    elif email or name:
        if not can_manage_event(actor, event):
            raise PermissionDenied(_("Seule l'équipe inscrit une autre personne."))
        name, email = _check_email(name, email)
        person = None
    else:
        if isinstance(actor, SystemActor) or not actor.is_authenticated:
            raise PermissionDenied(_("Connectez-vous, ou inscrivez-vous avec votre adresse."))
        person = actor
        if not can_register(actor, event):
            raise PermissionDenied(_("Cet événement est réservé aux membres du lieu."))
    user = person
    refusal = registration_open_refusal(event)
    # Staff register past the window (not to a cancelled event); asked only when it matters.
    if refusal and not (event.status != EventStatus.CANCELLED and can_manage_event(actor, event)):
        raise Conflict(refusal)
    if (
        user is not None
        and Registration.objects.filter(event=event, user=user, status__in=ACTIVE_STATUSES).exists()
    ):
        raise Conflict(_("Vous êtes déjà inscrit·e à cet événement."))
    with transaction.atomic():
        status = _seat_or_wait(event.pk)
        now = timezone.now()
        registration = _insert(
            event=event,
            user=user,
            name=name,
            email=email,
            status=status,
            registered_by=_acting_user(actor),
            confirmed_at=now if status == RegistrationStatus.CONFIRMED else None,
            waiting_since=now if status == RegistrationStatus.WAITING else None,
        )
        registration.position = waiting_position(registration)
        record(
            actor=actor,
            action="registration.create",
            target=registration,
            changes={k: [None, v] for k, v in _registration_state(registration).items()},
            personal_fields=("name", "email"),
        )
        notify(registration, status)
    return registration


@transaction.atomic
def register_guest(*, event: Event, name: str, email: str) -> Registration:
    """A guest (no account) asks to register: a pending registration, holding no seat, and an
    email with the signed link that confirms the address (`confirm_guest`)."""
    if not can_register(None, event):
        raise PermissionDenied(_("Cet événement est réservé aux membres du lieu."))
    refusal = registration_open_refusal(event)
    if refusal:
        raise Conflict(refusal)
    name, email = _check_email(name, email)
    existing = (
        Registration.objects.filter(
            event=event, user__isnull=True, email__iexact=email, status__in=ACTIVE_STATUSES
        )
        .order_by("pk")
        .first()
    )
    if existing is not None:
        # The same address again: send the link (or the confirmation) again, nothing new.
        notify(
            existing,
            "confirm_address" if existing.status == RegistrationStatus.PENDING else existing.status,
        )
        return existing
    registration = _insert(event=event, name=name, email=email, status=RegistrationStatus.PENDING)
    record(
        actor=SYSTEM,
        action="registration.request",
        target=registration,
        changes={k: [None, v] for k, v in _registration_state(registration).items()},
        personal_fields=("name", "email"),
    )
    notify(registration, "confirm_address")
    return registration


@transaction.atomic
def confirm_guest(registration: Registration) -> Registration:
    """The guest opened the signed link: take a seat (confirmed) or join the waiting list.
    Idempotent: a registration already confirmed or waiting stays as it is."""
    if registration.status != RegistrationStatus.PENDING:
        if registration.status == RegistrationStatus.CANCELLED:
            raise Conflict(_("Cette inscription est annulée."))
        return registration
    refusal = registration_open_refusal(registration.event)
    if refusal:
        raise Conflict(refusal)
    status = _seat_or_wait(registration.event_id)
    now = timezone.now()
    try:
        move_state(
            registration,
            status,
            field="status",
            confirmed_at=now if status == RegistrationStatus.CONFIRMED else None,
            waiting_since=now if status == RegistrationStatus.WAITING else None,
        )
    except IllegalTransition:
        raise Conflict(_("Cette inscription a changé entre-temps.")) from None
    registration.position = waiting_position(registration)
    record(
        actor=SYSTEM,
        action="registration.confirm_address",
        target=registration,
        changes={"status": [RegistrationStatus.PENDING, status], "via": [None, "signed_link"]},
    )
    notify(registration, status)
    return registration


def _promote_first_waiting(actor: Actor, event_id: int) -> Registration | None:
    """Give the seat just freed to the first person waiting (one seat taken again)."""
    first = waiting_order(event_id).select_for_update().first()
    if first is None:
        return None
    take_seat(Event.objects.all(), pk=event_id)
    move_state(first, RegistrationStatus.CONFIRMED, field="status", confirmed_at=timezone.now())
    record(
        actor=actor,
        action="registration.promote",
        target=first,
        changes={"status": [RegistrationStatus.WAITING, RegistrationStatus.CONFIRMED]},
    )
    notify(first, "promoted")
    return first


def _fill_from_waiting_list(actor: Actor, event: Event) -> list[Registration]:
    """After the capacity grew: promote people waiting while seats are left."""
    promoted = []
    while True:
        fresh = Event.objects.only("capacity", "taken").get(pk=event.pk)
        if fresh.taken >= fresh.capacity:
            break
        registration = _promote_first_waiting(actor, event.pk)
        if registration is None:
            break
        promoted.append(registration)
    event.taken = Event.objects.only("taken").get(pk=event.pk).taken
    return promoted


def _cancel(actor: Actor, registration: Registration) -> Registration:
    before = registration.status
    try:
        move_state(
            registration, RegistrationStatus.CANCELLED, field="status", cancelled_at=timezone.now()
        )
    except IllegalTransition:
        raise Conflict(_("Cette inscription est déjà annulée.")) from None
    record(
        actor=actor,
        action="registration.cancel",
        target=registration,
        changes={"status": [before, RegistrationStatus.CANCELLED]},
    )
    if before == RegistrationStatus.CONFIRMED:
        # The release locks the event's row until the commit: promotions never interleave.
        release_seat(Event.objects.all(), pk=registration.event_id)
        if registration.event.status == EventStatus.SCHEDULED:
            _promote_first_waiting(actor, registration.event_id)
    notify(registration, "cancelled")
    return registration


@transaction.atomic
def cancel_registration(*, actor: Actor, registration: Registration) -> Registration:
    """Cancel a registration (the person, or the event's staff); a seat it held goes to the
    first person waiting, who is told by email."""
    check_actor(actor)
    if not can_cancel_registration(actor, registration):
        raise PermissionDenied
    return _cancel(actor, registration)


@transaction.atomic
def cancel_by_link(registration: Registration) -> Registration:
    """Cancel through the signed link of the confirmation email (a guest has no account)."""
    return _cancel(SYSTEM, registration)


@transaction.atomic
def mark_attendance(*, actor: Actor, registration: Registration, attendance: str) -> Registration:
    """Staff mark a confirmed registration present, absent or excused once the event has begun.
    Present at a training session that delivers a qualification grants it to the member
    (`bookings.services.grant_qualification`, once per session)."""
    check_actor(actor)
    event = registration.event
    if not can_manage_event(actor, event):
        raise PermissionDenied
    if attendance not in Attendance.values:
        raise ValidationFailed([FieldError("attendance", _("présent, absent ou excusé."))])
    if event.status == EventStatus.CANCELLED:
        raise Conflict(_("Cet événement est annulé."))
    if event.start > timezone.now():
        raise Conflict(_("La présence se note une fois l'événement commencé."))
    before = registration.attendance
    updated = Registration.objects.filter(
        pk=registration.pk, status=RegistrationStatus.CONFIRMED
    ).update(attendance=attendance, updated_at=timezone.now())
    if not updated:
        raise Conflict(_("Seule une inscription confirmée reçoit une présence."))
    registration.attendance = attendance
    record(
        actor=actor,
        action="registration.attendance",
        target=registration,
        changes={"attendance": [before, attendance]},
    )
    qualification, person = event.qualification, registration.user
    if attendance == Attendance.PRESENT and qualification is not None and person is not None:
        booking_services.grant_qualification(
            actor=actor,
            qualification=qualification,
            user=person,
            source=QualificationGrant.Source.TRAINING,
            source_ref=f"event-session:{event.pk}",
        )
    return registration
