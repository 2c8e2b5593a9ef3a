"""Every write about check-ins: one service per change, each checked and audited.

A person is at one place at a time, and the database says so (`checkin_one_open_per_person`).
Checking in at a place while a check-in is open elsewhere **closes the other one first**, at the
new arrival's time: the latest arrival is the freshest fact (the person left without checking
out), and refusing would keep them at the door for a scan they forgot elsewhere. Checking in
again where the person already is changes nothing. Two check-ins of the same person sent at the
same moment cannot both stay open: on PostgreSQL each check-in first locks the person's row, so
the second waits for the first to commit and then closes it (the unique index stays the last
guard, and a violation of it starts the service again); on SQLite the IMMEDIATE transactions
take turns.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from maillage.accounts.models import User
from maillage.audit.services import record
from maillage.common.actors import SystemActor, check_actor, is_system
from maillage.common.errors import Conflict, FieldError, PermissionDenied, ValidationFailed
from maillage.places.hours import week_schedule
from maillage.places.models import Place

from .models import CheckIn, CheckInSource, PresencePreference, VisitorCount, VisitorKind
from .rules import can_check_in, can_check_out, can_record_presence

Actor = User | SystemActor

# Attempts of a check-in that met a concurrent one of the same person (see the module docstring).
CHECK_IN_ATTEMPTS = 3


@dataclass(frozen=True)
class CheckInResult:
    checkin: CheckIn
    # True when the person was already checked in here: nothing was written.
    already_here: bool = False
    # The check-in closed at another place, if one was open.
    closed_elsewhere: CheckIn | None = None


def _recorder(actor: Actor) -> User | None:
    return None if is_system(actor) else actor  # type: ignore[return-value]


def _moment(at: datetime | None) -> datetime:
    now = timezone.now()
    if at is None:
        return now
    if timezone.is_naive(at):
        raise ValidationFailed([FieldError("at", _("L'heure doit porter un fuseau horaire."))])
    if at > now + timedelta(minutes=1):
        raise ValidationFailed([FieldError("at", _("Une présence ne peut être dans le futur."))])
    return at


def _close(*, actor: Actor, checkin: CheckIn, at: datetime, automatically: bool = False) -> bool:
    """Close `checkin` at `at` (never before its arrival) if it is still open; audited."""
    leaving = max(at, checkin.checked_in_at)
    closed = CheckIn.objects.filter(pk=checkin.pk, checked_out_at__isnull=True).update(
        checked_out_at=leaving, closed_automatically=automatically, updated_at=timezone.now()
    )
    if not closed:
        return False
    checkin.checked_out_at = leaving
    checkin.closed_automatically = automatically
    record(
        actor=actor,
        action="checkin.close",
        target=checkin,
        changes={"checked_out_at": [None, leaving], "closed_automatically": [False, automatically]},
    )
    return True


@transaction.atomic
def check_in(
    *,
    actor: Actor,
    place: Place,
    user: User | None = None,
    source: str = CheckInSource.QR,
    at: datetime | None = None,
) -> CheckInResult:
    """Check `user` (the actor by default) in at `place`, at `at` (now).

    The person checks themselves in where they are an active member (or staff); the place's
    operators check in anyone who may be there. A check-in open at another place is closed at
    this arrival; one open here is kept (`already_here`).
    """
    check_actor(actor)
    person = user if user is not None else actor
    if is_system(person):
        raise TypeError("the SYSTEM actor cannot be checked in: give the user")
    if not isinstance(person, User):
        raise TypeError("check in a user")
    if person != actor and not can_record_presence(actor, place):
        raise PermissionDenied
    if not can_check_in(person, place):
        raise PermissionDenied(
            _("Seuls les membres actifs du lieu et son équipe peuvent y enregistrer leur présence.")
        )
    if source not in CheckInSource.values:
        raise ValidationFailed([FieldError("source", _("Origine de la présence inconnue."))])
    arrival = _moment(at)
    for _attempt in range(CHECK_IN_ATTEMPTS):
        try:
            with transaction.atomic():
                return _check_in_once(
                    actor=actor, place=place, person=person, source=source, arrival=arrival
                )
        except IntegrityError:
            # A check-in of the same person committed in between (see the module docstring):
            # the next attempt sees it and closes it.
            continue
    raise Conflict(_("Une autre présence de cette personne vient d'être enregistrée ; réessayez."))


def _check_in_once(
    *, actor: Actor, place: Place, person: User, source: str, arrival: datetime
) -> CheckInResult:
    # One person's check-ins queue on their user row: two arrivals at two places would otherwise
    # each insert an open check-in and wait on the other's in the partial unique index, which
    # PostgreSQL breaks as a deadlock (a 500) instead of a clean retry.
    User.objects.select_for_update().filter(pk=person.pk).values_list("pk", flat=True).first()
    current = (
        CheckIn.objects.select_for_update()
        .select_related("place")
        .filter(user=person, checked_out_at__isnull=True)
        .first()
    )
    if current is not None and current.place_id == place.pk:
        return CheckInResult(checkin=current, already_here=True)
    if current is not None and arrival < current.checked_in_at:
        raise Conflict(
            _("Cette personne est enregistrée à « %(place)s » depuis une heure plus tardive.")
            % {"place": current.place.name}
        )
    if current is not None:
        _close(actor=actor, checkin=current, at=arrival)
    checkin = CheckIn.objects.create(
        place=place,
        user=person,
        checked_in_at=arrival,
        source=source,
        recorded_by=_recorder(actor),
    )
    record(
        actor=actor,
        action="checkin.create",
        target=checkin,
        changes={
            "place": [None, place.pk],
            "user": [None, person.pk],
            "checked_in_at": [None, arrival],
            "source": [None, source],
        },
    )
    return CheckInResult(checkin=checkin, closed_elsewhere=current)


@transaction.atomic
def check_out(*, actor: Actor, checkin: CheckIn, at: datetime | None = None) -> CheckIn:
    """Close an open check-in at `at` (now); the person, or the place's operators."""
    check_actor(actor)
    if not can_check_out(actor, checkin):
        raise PermissionDenied
    leaving = _moment(at)
    if leaving < checkin.checked_in_at:
        raise ValidationFailed([FieldError("at", _("Le départ ne peut précéder l'arrivée."))])
    if not _close(actor=actor, checkin=checkin, at=leaving):
        raise Conflict(_("Cette présence est déjà close."))
    return checkin


@transaction.atomic
def check_out_person(*, actor: Actor, user: User, at: datetime | None = None) -> CheckIn | None:
    """Close `user`'s open check-in, wherever it is (None when there is none)."""
    check_actor(actor)
    current = CheckIn.objects.select_related("place").filter(user=user, checked_out_at__isnull=True)
    checkin = current.first()
    if checkin is None:
        return None
    return check_out(actor=actor, checkin=checkin, at=at)


@transaction.atomic
def count_visitors(
    *, actor: Actor, place: Place, kind: str, count: int = 1, day: date | None = None
) -> VisitorCount:
    """Add `count` visitors without an account (`kind`: day pass, visit) to `place`'s `day`
    (today on the place's clock). A negative count corrects a mistake, never below zero."""
    check_actor(actor)
    if not can_record_presence(actor, place):
        raise PermissionDenied
    errors = []
    if kind not in VisitorKind.values:
        errors.append(FieldError("kind", _("Type de visiteur inconnu.")))
    if not isinstance(count, int) or isinstance(count, bool) or count == 0 or abs(count) > 1000:
        errors.append(FieldError("count", _("Indiquez un nombre de visiteurs entre 1 et 1000.")))
    today = timezone.localdate(timezone=place.timezone)
    day = day or today
    if day > today:
        errors.append(FieldError("day", _("On ne compte pas les visiteurs d'un jour à venir.")))
    if errors:
        raise ValidationFailed(errors)
    tally, _created = VisitorCount.objects.get_or_create(place=place, day=day, kind=kind)
    # One conditional UPDATE: two desks counting at once both count, and no correction takes
    # the tally below zero.
    updated = VisitorCount.objects.filter(pk=tally.pk, count__gte=-count).update(
        count=F("count") + count, updated_at=timezone.now()
    )
    if not updated:
        raise ValidationFailed(
            [FieldError("count", _("La correction ferait descendre le compte sous zéro."))]
        )
    tally.refresh_from_db()
    record(
        actor=actor,
        action="visitor_count.add",
        target=tally,
        changes={"count": [tally.count - count, tally.count], "kind": [None, kind]},
    )
    return tally


@transaction.atomic
def set_presence_visibility(*, actor: User, visible: bool) -> PresencePreference:
    """The person chooses whether the other members of their places see them checked in."""
    check_actor(actor)
    if is_system(actor) or not actor.is_authenticated:
        raise PermissionDenied
    preference, _created = PresencePreference.objects.select_for_update().get_or_create(user=actor)
    before = preference.visible_to_members
    if before != visible or _created:
        preference.visible_to_members = visible
        preference.save()
        record(
            actor=actor,
            action="presence_preference.update",
            target=preference,
            changes={"visible_to_members": [before, visible]},
        )
    return preference


def closing_time(place: Place, day: date) -> datetime:
    """When `place` closes on `day` by its opening hours (the end of its last opening of the
    day), or the end of that day on its clock when the hours do not say."""
    zone = place.timezone
    end_of_day = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    try:
        schedule = week_schedule(place.opening_hours, day, zone=zone)
    except ValueError:
        schedule = []
    if not schedule or not schedule[0].intervals:
        return end_of_day
    last_close = schedule[0].intervals[-1][1]
    if last_close in ("24:00", "00:00"):
        return end_of_day
    hours, minutes = (int(part) for part in last_close.split(":"))
    return datetime.combine(day, time(hours, minutes), tzinfo=zone)


def close_forgotten_checkins(*, actor: Actor, now: datetime | None = None) -> int:
    """Close the check-ins left open from a previous day (on each place's clock) at that day's
    closing time, or at the end of that day if the person arrived after closing. Idempotent:
    a second run finds nothing to close. Returns how many were closed.

    Each check-in is closed in its own transaction, so a long run holds no lock for long.
    """
    check_actor(actor)
    if not is_system(actor):
        raise PermissionDenied
    now = now or timezone.now()
    closed = 0
    forgotten = CheckIn.objects.select_related("place").filter(
        checked_out_at__isnull=True, checked_in_at__lt=now - timedelta(hours=1)
    )
    for checkin in forgotten.order_by("pk").iterator():
        zone = checkin.place.timezone
        day = checkin.checked_in_at.astimezone(zone).date()
        if day >= now.astimezone(zone).date():
            continue
        leaving = closing_time(checkin.place, day)
        if leaving <= checkin.checked_in_at:
            leaving = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
        with transaction.atomic():
            closed += _close(actor=actor, checkin=checkin, at=leaving, automatically=True)
    return closed
