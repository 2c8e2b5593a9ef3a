"""Every write about members and plans: one service per change, each checked and audited.

Each service takes the person acting (`actor`: a user, or `common.actors.SYSTEM` in management
commands), checks the policy of `members.rules`, changes the rows in one transaction and
records the change in the audit log. Lifecycle moves go through `common.lifecycle.move_state`
(the table is `Membership.TRANSITIONS`), a compare-and-set: two staff members accepting the
same request at once cannot both succeed.
"""

from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from maillage.accounts.models import User
from maillage.audit.services import record
from maillage.common.actors import SystemActor, check_actor, is_system
from maillage.common.errors import Conflict, FieldError, PermissionDenied, ValidationFailed
from maillage.common.lifecycle import IllegalTransition, move_state
from maillage.places.models import Place

from .models import Membership, MembershipStatus, Plan, PlanPeriod, ResourceKind
from .rules import (
    can_answer_invitation,
    can_end_membership,
    can_manage_members,
    can_request_membership,
)

Actor = User | SystemActor

PLAN_FIELDS = (
    "name",
    "description",
    "price_cents",
    "period",
    "booking_hours_per_period",
    "resource_kinds",
    "is_active",
)


def _deciding_user(actor: Actor) -> User | None:
    return None if is_system(actor) else actor  # type: ignore[return-value]


def _today(place: Place) -> date:
    return timezone.localdate(timezone=place.timezone)


def _validate_plan(values: dict) -> None:
    errors = []
    name = str(values.get("name") or "").strip()
    if not name:
        errors.append(FieldError("name", _("Donnez un nom à la formule.")))
    elif len(name) > Plan._meta.get_field("name").max_length:  # type: ignore[operator]
        errors.append(FieldError("name", _("Le nom ne peut dépasser 120 caractères.")))
    price = values.get("price_cents")
    if not isinstance(price, int) or isinstance(price, bool) or price < 0:
        errors.append(
            FieldError("price_cents", _("Le prix est un nombre entier de centimes, positif."))
        )
    if values.get("period") not in PlanPeriod.values:
        errors.append(FieldError("period", _("Choisissez la période couverte par la formule.")))
    hours = values.get("booking_hours_per_period")
    if hours is not None and (not isinstance(hours, int) or isinstance(hours, bool) or hours < 0):
        errors.append(
            FieldError(
                "booking_hours_per_period",
                _("Le nombre d'heures incluses est un entier positif, ou vide pour illimité."),
            )
        )
    kinds = values.get("resource_kinds") or []
    if not isinstance(kinds, list) or any(kind not in ResourceKind.values for kind in kinds):
        errors.append(FieldError("resource_kinds", _("Un des types de ressources est inconnu.")))
    if errors:
        raise ValidationFailed(errors)
    values["name"] = name


@transaction.atomic
def create_plan(*, actor: Actor, place: Place, **fields) -> Plan:
    """Add a plan to `place`; the place's operators decide its plans."""
    check_actor(actor)
    if not can_manage_members(actor, place):
        raise PermissionDenied
    values: dict[str, Any] = {
        "description": "",
        "booking_hours_per_period": None,
        "resource_kinds": [],
    }
    values.update({name: fields[name] for name in PLAN_FIELDS if name in fields})
    _validate_plan(values)
    if Plan.objects.filter(place=place, name=values["name"]).exists():
        raise ValidationFailed([FieldError("name", _("Ce lieu a déjà une formule de ce nom."))])
    plan = Plan.objects.create(place=place, **values)
    record(
        actor=actor,
        action="plan.create",
        target=plan,
        changes={name: [None, getattr(plan, name)] for name in values},
    )
    return plan


@transaction.atomic
def update_plan(*, actor: Actor, plan: Plan, **fields) -> Plan:
    """Change a plan; what members already owe is not rewritten (statements keep their amount)."""
    check_actor(actor)
    if not can_manage_members(actor, plan.place):
        raise PermissionDenied
    unknown = set(fields) - set(PLAN_FIELDS)
    if unknown:
        raise TypeError(f"unknown plan fields: {sorted(unknown)}")
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    values = {name: getattr(plan, name) for name in PLAN_FIELDS}
    values.update(fields)
    _validate_plan(values)
    namesakes = Plan.objects.filter(place_id=plan.place_id, name=values["name"])
    if namesakes.exclude(pk=plan.pk).exists():
        raise ValidationFailed([FieldError("name", _("Ce lieu a déjà une formule de ce nom."))])
    changes = {
        name: [getattr(plan, name), value]
        for name, value in values.items()
        if getattr(plan, name) != value
    }
    if changes:
        for name, value in values.items():
            setattr(plan, name, value)
        plan.save()
        record(actor=actor, action="plan.update", target=plan, changes=changes)
    return plan


def _check_plan(plan: Plan | None, place: Place) -> None:
    if plan is not None and (plan.place_id != place.pk or not plan.is_active):
        message = _("Cette formule n'est pas proposée par ce lieu.")
        raise ValidationFailed([FieldError("plan", message)])


def _open(*, actor: Actor, place: Place, user: User, status: str, plan, message: str) -> Membership:
    try:
        with transaction.atomic():
            membership = Membership.objects.create(
                place=place, user=user, status=status, plan=plan, message=message.strip()
            )
    except IntegrityError:
        # The constraint `membership_one_open_per_person`, not a prior SELECT, decides: two
        # requests sent at once leave one membership.
        raise Conflict(_("Une adhésion à ce lieu est déjà en cours pour cette personne.")) from None
    record(
        actor=actor,
        action=f"membership.{status}",
        target=membership,
        changes={"status": [None, status], "place": [None, place.pk], "user": [None, user.pk]},
    )
    return membership


@transaction.atomic
def request_membership(
    *, actor: User, place: Place, plan: Plan | None = None, message: str = ""
) -> Membership:
    """`actor` asks to join `place` (optionally with the plan they wish); staff decide."""
    check_actor(actor)
    if is_system(actor) or not can_request_membership(actor, place):
        raise PermissionDenied
    _check_plan(plan, place)
    return _open(
        actor=actor,
        place=place,
        user=actor,
        status=MembershipStatus.REQUESTED,
        plan=plan,
        message=message,
    )


@transaction.atomic
def invite_member(
    *, actor: Actor, place: Place, user: User, plan: Plan | None = None, message: str = ""
) -> Membership:
    """The place's staff invite `user`; the person accepts or declines."""
    check_actor(actor)
    if not can_manage_members(actor, place):
        raise PermissionDenied
    _check_plan(plan, place)
    return _open(
        actor=actor,
        place=place,
        user=user,
        status=MembershipStatus.INVITED,
        plan=plan,
        message=message,
    )


def _move(
    *, actor: Actor, membership: Membership, target: str, action: str, **changes
) -> Membership:
    before = membership.status
    try:
        move_state(membership, target, field="status", **changes)
    except IllegalTransition:
        raise Conflict(
            _("Cette adhésion est « %(status)s » : elle ne peut plus passer à « %(target)s ».")
            % {
                "status": MembershipStatus(membership.status).label,
                "target": MembershipStatus(target).label,
            }
        ) from None
    audited: dict[str, list[Any]] = {"status": [before, target]}
    for name, value in changes.items():
        if name not in ("decided_by", "decided_at"):
            audited[name] = [None, value.pk if hasattr(value, "pk") else value]
    record(actor=actor, action=action, target=membership, changes=audited)
    return membership


@transaction.atomic
def accept_request(
    *,
    actor: Actor,
    membership: Membership,
    plan: Plan | None = None,
    start_date: date | None = None,
) -> Membership:
    """Staff accept a request: the membership becomes active from `start_date` (today)."""
    check_actor(actor)
    if not can_manage_members(actor, membership.place):
        raise PermissionDenied
    plan = plan or membership.plan
    _check_plan(plan, membership.place)
    return _move(
        actor=actor,
        membership=membership,
        target=MembershipStatus.ACTIVE,
        action="membership.accept",
        plan=plan,
        start_date=start_date or _today(membership.place),
        decided_at=timezone.now(),
        decided_by=_deciding_user(actor),
    )


@transaction.atomic
def refuse_request(*, actor: Actor, membership: Membership) -> Membership:
    check_actor(actor)
    if not can_manage_members(actor, membership.place):
        raise PermissionDenied
    return _move(
        actor=actor,
        membership=membership,
        target=MembershipStatus.REFUSED,
        action="membership.refuse",
        decided_at=timezone.now(),
        decided_by=_deciding_user(actor),
    )


@transaction.atomic
def accept_invitation(*, actor: Actor, membership: Membership) -> Membership:
    check_actor(actor)
    if not can_answer_invitation(actor, membership):
        raise PermissionDenied
    return _move(
        actor=actor,
        membership=membership,
        target=MembershipStatus.ACTIVE,
        action="membership.accept_invitation",
        start_date=_today(membership.place),
        decided_at=timezone.now(),
    )


@transaction.atomic
def decline_invitation(*, actor: Actor, membership: Membership) -> Membership:
    check_actor(actor)
    if not can_answer_invitation(actor, membership):
        raise PermissionDenied
    return _move(
        actor=actor,
        membership=membership,
        target=MembershipStatus.DECLINED,
        action="membership.decline_invitation",
        decided_at=timezone.now(),
    )


@transaction.atomic
def suspend_membership(*, actor: Actor, membership: Membership) -> Membership:
    check_actor(actor)
    if not can_manage_members(actor, membership.place):
        raise PermissionDenied
    return _move(
        actor=actor,
        membership=membership,
        target=MembershipStatus.SUSPENDED,
        action="membership.suspend",
    )


@transaction.atomic
def resume_membership(*, actor: Actor, membership: Membership) -> Membership:
    check_actor(actor)
    if not can_manage_members(actor, membership.place):
        raise PermissionDenied
    return _move(
        actor=actor,
        membership=membership,
        target=MembershipStatus.ACTIVE,
        action="membership.resume",
    )


@transaction.atomic
def end_membership(
    *, actor: Actor, membership: Membership, end_date: date | None = None
) -> Membership:
    """End a membership (the member leaving, or staff), on `end_date` (today by default)."""
    check_actor(actor)
    if not can_end_membership(actor, membership):
        raise PermissionDenied
    end_date = end_date or _today(membership.place)
    if membership.start_date and end_date < membership.start_date:
        raise ValidationFailed(
            [FieldError("end_date", _("La fin ne peut précéder le début de l'adhésion."))]
        )
    return _move(
        actor=actor,
        membership=membership,
        target=MembershipStatus.ENDED,
        action="membership.end",
        end_date=end_date,
    )


@transaction.atomic
def change_plan(*, actor: Actor, membership: Membership, plan: Plan | None) -> Membership:
    """Staff move a member to another plan of the same place (or to none)."""
    check_actor(actor)
    if not can_manage_members(actor, membership.place):
        raise PermissionDenied
    _check_plan(plan, membership.place)
    before = membership.plan_id
    updated = Membership.objects.filter(pk=membership.pk).update(
        plan=plan, updated_at=timezone.now()
    )
    if not updated:
        raise Conflict(_("Cette adhésion n'existe plus."))
    membership.plan = plan
    record(
        actor=actor,
        action="membership.change_plan",
        target=membership,
        changes={"plan": [before, plan.pk if plan else None]},
    )
    return membership
