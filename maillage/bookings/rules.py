"""Who may book what, and the rules a booking must follow, each stating one policy.

| right                                             | the person | staff, manager | instance admin |
|---------------------------------------------------|------------|----------------|----------------|
| create and change the place's resources           | no         | yes            | yes            |
| book a resource for themself, within the rules    | yes¹       | yes¹           | yes¹           |
| book for someone else, override rules with reason | no         | yes            | yes            |
| change or cancel their own booking (deadline)     | yes        | yes            | yes            |
| cancel the rest of their own series (deadline)    | yes        | yes            | yes            |
| change or cancel anyone's booking of the place    | no         | yes            | yes            |
| see a booking                                     | their own  | the place's    | every one      |
| create qualifications, grant and revoke them      | no         | yes            | yes            |

¹ as the resource's `bookable_by` allows: the public (anyone signed in), the place's active
members, or its members holding one of `allowed_plans`; a member's plan must include the
resource's kind (`Plan.includes_kind`). A place's staff count as its members here.

The rules of a booking (`booking_refusals`) are checked for the person the booking is for; a
staff member may pass over them by giving a reason (`override_reason`), never over capacity,
which the database keeps (see `bookings.services`).
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from types import EllipsisType
from typing import Literal

from django.db.models import Q, QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from maillage.accounts.rules import is_instance_admin, is_signed_in
from maillage.common.timeranges import TimeRange
from maillage.members.cards import CARD_DAYS, card_days_used, is_card
from maillage.members.models import Membership, PlanPeriod
from maillage.members.selectors import active_membership
from maillage.places.models import Place
from maillage.places.rules import can_run_place, places_where

from .hours import bookable_ranges
from .models import (
    BookableBy,
    Booking,
    BookingSeries,
    BookingStatus,
    Qualification,
    QualificationGrant,
    Resource,
)

Kind = Literal["permission", "validation"]


@dataclass(frozen=True)
class Refusal:
    """One rule a booking breaks: `permission` (403: who may book, the training needed, the
    plan's hours) or `validation` (422: a time or a size that the rules do not allow), with
    the input field it is about and a message naming the rule."""

    kind: Kind
    field: str
    message: str


# --- resources, qualifications ------------------------------------------------------------------


def can_manage_resources(user, place: Place) -> bool:
    """A place's staff and managers set up its resources and qualifications (admins too)."""
    return can_run_place(user, place)


def can_grant_qualifications(user, place: Place) -> bool:
    """The place's staff grant and revoke the qualifications of its machines."""
    return can_run_place(user, place)


def can_book_for_others(user, place: Place) -> bool:
    """Staff book for anyone, and may override the rules with a reason."""
    return can_run_place(user, place)


def resources_where(user, *, can: str = "manage") -> QuerySet[Resource]:
    """The resources `user` may manage (those of the places they run)."""
    if can != "manage":
        raise ValueError(f"unknown right {can!r}")
    return Resource.objects.filter(place__in=places_where(user, can="run"))


# --- bookings -----------------------------------------------------------------------------------


def bookings_where(user) -> QuerySet[Booking]:
    """The bookings `user` may see, change and cancel: their own and those of the places they
    run (every booking for instance administrators)."""
    if is_instance_admin(user):
        return Booking.objects.all()
    if not is_signed_in(user):
        return Booking.objects.none()
    return Booking.objects.filter(
        Q(user=user) | Q(resource__place__in=places_where(user, can="run"))
    )


def can_change_booking(user, booking: Booking) -> bool:
    """The person the booking is for (or who made it), and the place's staff."""
    if not is_signed_in(user) and not is_instance_admin(user):
        return False
    if is_signed_in(user) and user.pk in (booking.user_id, booking.booked_by_id):
        return True
    return can_run_place(user, booking.resource.place)


def can_change_series(user, series: BookingSeries) -> bool:
    """The person the series is for, and the place's staff (as for each of its bookings)."""
    if not is_signed_in(user) and not is_instance_admin(user):
        return False
    if is_signed_in(user) and user.pk == series.user_id:
        return True
    return can_run_place(user, series.resource.place)


def grant_is_valid(grant: QualificationGrant, on: date) -> bool:
    return (
        grant.revoked_at is None
        and grant.granted_on <= on
        and (grant.expires_on is None or on <= grant.expires_on)
    )


def valid_grants(user, on: date) -> QuerySet[QualificationGrant]:
    """`user`'s grants valid on the day `on` (not revoked, started, not expired)."""
    if not is_signed_in(user):
        return QualificationGrant.objects.none()
    return QualificationGrant.objects.filter(
        user=user, revoked_at__isnull=True, granted_on__lte=on
    ).filter(Q(expires_on__isnull=True) | Q(expires_on__gte=on))


def holds_qualification(user, qualification: Qualification, on: date) -> bool:
    return valid_grants(user, on).filter(qualification=qualification).exists()


def who_may_book_refusal(
    user, resource: Resource, *, membership: Membership | EllipsisType | None = ...
) -> Refusal | None:
    """Why `user` may not book `resource` at all (its `bookable_by`, their plan), or None.
    `membership`: their active membership of the place when the caller has it already."""
    if not is_signed_in(user):
        return Refusal("permission", "user", _("Connectez-vous pour réserver."))
    if not resource.is_active:
        return Refusal(
            "permission", "resource_id", _("Cette ressource n'est pas ouverte à la réservation.")
        )
    if resource.bookable_by == BookableBy.PUBLIC:
        return None
    if membership is ...:
        membership = active_membership(user, resource.place_id)
    refusal = membership_refusal(membership, resource)
    # The place's staff count as its members (asked only when the membership does not do).
    if refusal is not None and can_run_place(user, resource.place):
        return None
    return refusal


def membership_refusal(membership: Membership | None, resource: Resource) -> Refusal | None:
    """The refusal of a members-only resource for someone with `membership` (None: not a
    member), or None when it allows booking."""
    if resource.bookable_by == BookableBy.PUBLIC:
        return None
    if membership is None:
        return Refusal(
            "permission",
            "resource_id",
            _("Réservé aux membres actifs de %(place)s : demandez votre adhésion.")
            % {"place": resource.place.name},
        )
    plan = membership.plan
    if resource.bookable_by == BookableBy.PLANS:
        allowed = {p.pk for p in resource.allowed_plans.all()}
        if plan is None or plan.pk not in allowed:
            names = ", ".join(sorted(p.name for p in resource.allowed_plans.all()))
            return Refusal(
                "permission",
                "resource_id",
                _("Réservé aux membres des formules : %(plans)s.") % {"plans": names or "—"},
            )
    if plan is not None and not plan.includes_kind(resource.kind):
        return Refusal(
            "permission",
            "resource_id",
            _("Votre formule « %(plan)s » n'inclut pas ce type de ressource (%(kind)s).")
            % {"plan": plan.name, "kind": resource.get_kind_display()},
        )
    return None


def qualification_refusal(user, resource: Resource, on: date) -> Refusal | None:
    """The training `user` still needs to use `resource` on the day `on`, or None."""
    qualification = resource.required_qualification
    if qualification is None or holds_qualification(user, qualification, on):
        return None
    training = qualification.training or qualification.name
    return Refusal(
        "permission",
        "resource_id",
        _(
            "Cette ressource demande l'habilitation « %(qualification)s » valide le "
            "%(day)s : suivez la formation « %(training)s »."
        )
        % {
            "qualification": qualification.name,
            "day": formats.date_format(on, "SHORT_DATE_FORMAT"),
            "training": training,
        },
    )


def local_text(moment: datetime, resource: Resource) -> str:
    """`moment` as the people of the place read it (their time zone), e.g. 03/12/2026 10:00."""
    local = moment.astimezone(resource.place.timezone)
    return f"{formats.date_format(local, 'SHORT_DATE_FORMAT')} {local:%H:%M}"


def range_text(during: TimeRange, resource: Resource) -> str:
    zone = resource.place.timezone
    start, end = during.start.astimezone(zone), during.end.astimezone(zone)
    if start.date() == end.date():
        return _("le %(day)s de %(start)s à %(end)s") % {
            "day": formats.date_format(start, "SHORT_DATE_FORMAT"),
            "start": f"{start:%H:%M}",
            "end": f"{end:%H:%M}",
        }
    return _("du %(start)s au %(end)s") % {
        "start": local_text(start, resource),
        "end": local_text(end, resource),
    }


def is_aligned(moment: datetime, resource: Resource) -> bool:
    """Whether `moment` falls on the resource's slot step, counted on the place's wall clock
    from midnight (so 09:30 is aligned on a 30-minute step, whatever the season)."""
    local = moment.astimezone(resource.place.timezone)
    minutes = local.hour * 60 + local.minute
    return (
        local.second == 0 and local.microsecond == 0 and minutes % resource.slot_step_minutes == 0
    )


def period_bounds(period: str, day: date) -> tuple[date, date] | None:
    """The calendar period of a plan containing `day` ([first day, day after the last)), or None
    for periods that are not calendar ones (a 10-day card)."""
    if period == PlanPeriod.DAY:
        return day, day + timedelta(days=1)
    if period == PlanPeriod.MONTH:
        first = day.replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        return first, following
    if period == PlanPeriod.YEAR:
        return day.replace(month=1, day=1), day.replace(year=day.year + 1, month=1, day=1)
    return None


def booking_refusals(
    *,
    user,
    resource: Resource,
    during: TimeRange,
    seats: int,
    now: datetime | None = None,
    exclude_booking: Booking | None = None,
    membership: Membership | EllipsisType | None = ...,
) -> list[Refusal]:
    """Every rule that booking `resource` for `user` during `during` breaks (empty: allowed).
    `membership`: their active membership of the place when the caller has it already.

    Capacity is not among them: the database decides it when the slot is taken.
    """
    now = now or timezone.now()
    if membership is ...:
        membership = active_membership(user, resource.place_id)
    refusal = who_may_book_refusal(user, resource, membership=membership)
    if refusal is not None:
        return [refusal]
    refusals: list[Refusal] = []
    zone = resource.place.timezone
    local_start = during.start.astimezone(zone)
    qualification = qualification_refusal(user, resource, local_start.date())
    if qualification is not None:
        refusals.append(qualification)
    if seats < 1 or seats > resource.capacity:
        refusals.append(
            Refusal(
                "validation",
                "seats",
                _("Cette ressource offre %(capacity)s place(s) : demandez-en de 1 à %(capacity)s.")
                % {"capacity": resource.capacity},
            )
        )
    minutes = during.duration / timedelta(minutes=1)
    if minutes < resource.min_duration_minutes:
        refusals.append(
            Refusal(
                "validation",
                "end",
                _("Durée minimale de réservation : %(minutes)s minutes.")
                % {"minutes": resource.min_duration_minutes},
            )
        )
    if minutes > resource.max_duration_minutes:
        refusals.append(
            Refusal(
                "validation",
                "end",
                _("Durée maximale de réservation : %(minutes)s minutes.")
                % {"minutes": resource.max_duration_minutes},
            )
        )
    if not (is_aligned(during.start, resource) and is_aligned(during.end, resource)):
        refusals.append(
            Refusal(
                "validation",
                "start",
                _("Les créneaux commencent et finissent par pas de %(step)s minutes.")
                % {"step": resource.slot_step_minutes},
            )
        )
    if during.start < now:
        refusals.append(Refusal("validation", "start", _("Ce créneau est déjà passé.")))
    elif during.start > now + timedelta(days=resource.max_advance_days):
        refusals.append(
            Refusal(
                "validation",
                "start",
                _("On ne peut réserver que %(days)s jours à l'avance.")
                % {"days": resource.max_advance_days},
            )
        )
    if not any(window.contains(during) for window in bookable_ranges(resource, during)):
        refusals.append(
            Refusal(
                "validation",
                "start",
                _("En dehors des horaires réservables de la ressource (%(hours)s).")
                % {"hours": resource.opening_hours or resource.place.opening_hours},
            )
        )
    quota = quota_refusal(
        user, resource, during, exclude_booking=exclude_booking, membership=membership
    )
    if quota is not None:
        refusals.append(quota)
    return refusals


def quota_refusal(
    user,
    resource: Resource,
    during: TimeRange,
    *,
    exclude_booking: Booking | None = None,
    membership: Membership | EllipsisType | None = ...,
) -> Refusal | None:
    """What the plan includes, counted over the person's confirmed bookings at the place:
    - a plan with booking hours per period: the hours booked in the calendar period of the
      booking's start (day, month, year), this booking included, may not pass them;
    - a 10-day card (`members.cards`): a booking on a day the card has not used yet needs a day
      left on it.

    A count: `bookings.services` takes it again inside the booking's transaction, after locking
    the membership row (`lock_quota`), so that two bookings of one person at the same instant
    are counted one after the other."""
    if membership is ...:
        membership = active_membership(user, resource.place_id)
    plan = membership.plan if membership else None
    if plan is None or membership is None:
        return None
    if is_card(membership):
        return _card_refusal(membership, resource, during, exclude_booking)
    if plan.booking_hours_per_period is None:
        return None
    zone = resource.place.timezone
    bounds = period_bounds(plan.period, during.start.astimezone(zone).date())
    if bounds is None:
        return None
    first, following = (datetime(d.year, d.month, d.day, tzinfo=zone) for d in bounds)
    booked = Booking.objects.filter(
        user=user,
        resource__place_id=resource.place_id,
        status=BookingStatus.CONFIRMED,
        start__gte=first,
        start__lt=following,
    )
    if exclude_booking is not None:
        booked = booked.exclude(pk=exclude_booking.pk)
    used = sum(((b.end - b.start) for b in booked.only("start", "end")), timedelta())
    if used + during.duration > timedelta(hours=plan.booking_hours_per_period):
        return Refusal(
            "permission",
            "end",
            _(
                "Votre formule « %(plan)s » comprend %(hours)s h de réservation par %(period)s ; "
                "il vous en reste %(left)s."
            )
            % {
                "plan": plan.name,
                "hours": plan.booking_hours_per_period,
                "period": PlanPeriod(plan.period).label,
                "left": _hours_text(timedelta(hours=plan.booking_hours_per_period) - used),
            },
        )
    return None


def _card_refusal(
    membership: Membership, resource: Resource, during: TimeRange, exclude: Booking | None
) -> Refusal | None:
    zone = resource.place.timezone
    day = during.start.astimezone(zone).date()
    used = card_days_used(membership, exclude_booking_id=exclude.pk if exclude else None)
    if day in used or len(used) < CARD_DAYS:
        return None
    plan = membership.plan
    return Refusal(
        "permission",
        "start",
        _(
            "Votre formule « %(plan)s » est une carte de %(days)s jours : ses %(days)s jours "
            "sont utilisés (réservations et présences). Renouvelez-la auprès du lieu."
        )
        % {"plan": plan.name if plan else "", "days": CARD_DAYS},
    )


def _hours_text(left: timedelta) -> str:
    minutes = max(0, int(left / timedelta(minutes=1)))
    return f"{minutes // 60} h {minutes % 60:02d}"


def cancellation_refusal(booking: Booking, now: datetime | None = None) -> Refusal | None:
    """A person changes or cancels their booking until `cancellation_deadline_hours` before
    its start; past that only staff do (with a reason)."""
    now = now or timezone.now()
    deadline = booking.start - timedelta(hours=booking.resource.cancellation_deadline_hours)
    if now > deadline:
        return Refusal(
            "permission",
            "start",
            _(
                "Cette réservation ne peut plus être modifiée ni annulée : "
                "le délai est de %(hours)s h avant le début."
            )
            % {"hours": booking.resource.cancellation_deadline_hours},
        )
    return None
