"""Every write about members and plans: one service per change, each checked and audited.

Each service takes the person acting (`actor`: a user, or `common.actors.SYSTEM` in management
commands), checks the policy of `members.rules`, changes the rows in one transaction and
records the change in the audit log. Lifecycle moves go through `common.lifecycle.move_state`
(the table is `Membership.TRANSITIONS`), a compare-and-set: two staff members accepting the
same request at once cannot both succeed.
"""

import calendar
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from maillage.accounts.models import User
from maillage.audit.services import record
from maillage.common.actors import SystemActor, check_actor, is_system
from maillage.common.errors import Conflict, FieldError, PermissionDenied, ValidationFailed
from maillage.common.lifecycle import IllegalTransition, move_state
from maillage.common.mail import queue_mail
from maillage.places.models import Place

from .models import (
    OPEN_STATUSES,
    Charge,
    Membership,
    MembershipStatus,
    Plan,
    PlanPeriod,
    ResourceKind,
)
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
    *,
    actor: Actor,
    place: Place,
    user: User,
    plan: Plan | None = None,
    message: str = "",
    notify: bool = True,
) -> Membership:
    """The place's staff invite `user` (emailed unless `notify` is false, as for the demo
    data); the person accepts or declines."""
    check_actor(actor)
    if not can_manage_members(actor, place):
        raise PermissionDenied
    _check_plan(plan, place)
    membership = _open(
        actor=actor,
        place=place,
        user=user,
        status=MembershipStatus.INVITED,
        plan=plan,
        message=message,
    )
    if notify:
        _notify(membership, "invited", message=membership.message)
    return membership


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
    notify: bool = True,
) -> Membership:
    """Staff accept a request: the membership becomes active from `start_date` (today); the
    member is emailed unless `notify` is false (the demo data)."""
    check_actor(actor)
    if not can_manage_members(actor, membership.place):
        raise PermissionDenied
    plan = plan or membership.plan
    _check_plan(plan, membership.place)
    _move(
        actor=actor,
        membership=membership,
        target=MembershipStatus.ACTIVE,
        action="membership.accept",
        plan=plan,
        start_date=start_date or _today(membership.place),
        decided_at=timezone.now(),
        decided_by=_deciding_user(actor),
    )
    if notify:
        _notify(membership, "accepted")
    return membership


@transaction.atomic
def refuse_request(*, actor: Actor, membership: Membership) -> Membership:
    check_actor(actor)
    if not can_manage_members(actor, membership.place):
        raise PermissionDenied
    _move(
        actor=actor,
        membership=membership,
        target=MembershipStatus.REFUSED,
        action="membership.refuse",
        decided_at=timezone.now(),
        decided_by=_deciding_user(actor),
    )
    _notify(membership, "refused")
    return membership


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


# --- Emails, invitations by address, directory consent -----------------------------------------

INVITATION_SALT = "maillage.members.invitation"


class InvitationLinkInvalid(Exception):  # noqa: N818 - reads as a sentence
    """An invitation link that is forged or expired (ACCOUNT_LINK_DAYS)."""


def _link(path: str) -> str:
    return settings.SITE_URL + path


def _notify(membership: Membership, template: str, **context: Any) -> None:
    """Queue `template` to the member (nothing for an erased one), inside the transaction: a
    change rolled back sends nothing."""
    user = membership.user
    if user is None or not user.email:
        return
    queue_mail(
        to=[user.email],
        recipient=user,
        template=f"members/mail/{template}",
        context={
            "name": user.first_name or user.username,
            "place": membership.place,
            "plan": membership.plan,
            "membership": membership,
            "space_link": _link(reverse("members:my_space")),
            **context,
        },
    )


def invitation_token(*, place: Place, email: str, plan: Plan | None, inviter: User) -> str:
    return signing.dumps(
        {
            "place": place.pk,
            "email": email.strip().lower(),
            "plan": plan.pk if plan else None,
            "by": inviter.pk,
        },
        salt=INVITATION_SALT,
    )


def read_invitation(token: str) -> dict[str, Any]:
    """The invitation a link carries (place, email, plan, inviter ids); InvitationLinkInvalid."""
    try:
        return signing.loads(
            token,
            salt=INVITATION_SALT,
            max_age=timedelta(days=settings.ACCOUNT_LINK_DAYS),
        )
    except signing.BadSignature:
        raise InvitationLinkInvalid from None


@transaction.atomic
def invite_by_email(
    *, actor: User, place: Place, email: str, plan: Plan | None = None, message: str = ""
) -> Membership | None:
    """Invite the person with address `email`: their account gets an invitation to answer
    (`invite_member`) and an email; an address without an account gets an email with a sign-up
    link that lands on the invitation (None is returned: nothing is stored until they come).
    """
    check_actor(actor)
    if is_system(actor) or not can_manage_members(actor, place):
        raise PermissionDenied
    _check_plan(plan, place)
    email = email.strip().lower()
    user = User.objects.filter(email__iexact=email, is_active=True).order_by("pk").first()
    if user is not None:
        return invite_member(actor=actor, place=place, user=user, plan=plan, message=message)
    token = invitation_token(place=place, email=email, plan=plan, inviter=actor)
    queue_mail(
        to=[email],
        template="members/mail/invitation",
        context={
            "name": "",
            "place": place,
            "plan": plan,
            "message": message.strip(),
            "link": _link(reverse("members:invitation", args=[token])),
            "days": settings.ACCOUNT_LINK_DAYS,
        },
    )
    record(
        actor=actor,
        action="membership.invite_by_email",
        target=place,
        changes={"email": [None, email]},
        personal_fields=("email",),
    )
    return None


@transaction.atomic
def claim_invitation(*, actor: User, token: str) -> Membership:
    """The person who followed an invitation link, signed in with the invited address, gets the
    invitation (they then accept or decline it). The inviter must still run the place."""
    check_actor(actor)
    data = read_invitation(token)
    if is_system(actor) or actor.email.lower() != data.get("email"):
        raise PermissionDenied(_("Cette invitation a été envoyée à une autre adresse."))
    place = Place.objects.filter(pk=int(data.get("place") or 0)).first()
    inviter = User.objects.filter(pk=int(data.get("by") or 0)).first()
    if place is None or inviter is None or not can_manage_members(inviter, place):
        raise InvitationLinkInvalid
    existing = Membership.objects.filter(user=actor, place=place, status__in=OPEN_STATUSES).first()
    if existing is not None:
        return existing
    plan = Plan.objects.filter(pk=int(data.get("plan") or 0), place=place, is_active=True).first()
    return _open(
        actor=actor,
        place=place,
        user=actor,
        status=MembershipStatus.INVITED,
        plan=plan,
        message="",
    )


@transaction.atomic
def update_directory_consent(
    *,
    actor: User,
    membership: Membership,
    in_directory: bool,
    show_email: bool,
    presentation: str = "",
) -> Membership:
    """What the member shows to the place's other members; only the member decides it."""
    check_actor(actor)
    if is_system(actor) or membership.user_id != actor.pk:
        raise PermissionDenied
    presentation = presentation.strip()
    if len(presentation) > PRESENTATION_MAX:
        raise ValidationFailed(
            [FieldError("presentation", _("La présentation ne peut dépasser 500 caractères."))]
        )
    values = {"in_directory": in_directory, "show_email": show_email, "presentation": presentation}
    changes = {
        name: [getattr(membership, name), value]
        for name, value in values.items()
        if getattr(membership, name) != value
    }
    if changes:
        Membership.objects.filter(pk=membership.pk).update(**values, updated_at=timezone.now())
        for name, value in values.items():
            setattr(membership, name, value)
        record(
            actor=actor,
            action="membership.directory_consent",
            target=membership,
            changes=changes,
            personal_fields=("presentation",),
        )
    return membership


PRESENTATION_MAX = 500


# --- What members owe ------------------------------------------------------------------------


def month_bounds(day: date) -> tuple[date, date]:
    """The first and last days of `day`'s calendar month."""
    first = day.replace(day=1)
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    return first, last


def _year_end(start: date) -> date:
    try:
        return start.replace(year=start.year + 1) - timedelta(days=1)
    except ValueError:  # 29 February
        return start.replace(year=start.year + 1, day=28)


def charge_reference(membership: Membership, period_start: date) -> str:
    return f"M{membership.place_id}-{period_start:%Y%m}-{membership.pk}"


def _charge_for(membership: Membership, month_start: date, month_end: date) -> Charge | None:
    """The charge `membership` owes for the month, or None (see `bill_period`)."""
    plan = membership.plan
    start = membership.start_date
    if plan is None or start is None:
        return None
    if plan.period == PlanPeriod.MONTH:
        period_end = month_end
    elif plan.period == PlanPeriod.YEAR:
        if start.month != month_start.month or start > month_end:
            return None
        period_end = _year_end(month_start)
    else:  # a day pass or a 10-day card is owed once, in the month the membership begins
        if not month_start <= start <= month_end:
            return None
        period_end = month_end
    label = _("%(plan)s — %(period)s") % {
        "plan": plan.name,
        "period": date_format(month_start, "F Y"),
    }
    return Charge(
        place_id=membership.place_id,
        membership=membership,
        plan=plan,
        period_start=month_start,
        period_end=period_end,
        plan_name=plan.name,
        amount_cents=plan.price_cents,
        label=label[: Charge._meta.get_field("label").max_length],
        reference=charge_reference(membership, month_start),
    )


@transaction.atomic
def bill_period(*, actor: Actor, place: Place, period_start: date) -> list[Charge]:
    """Record what each member of `place` owes for the calendar month of `period_start`.

    Billed: memberships active or ended (not suspended, requested…) with a plan, begun by the
    month's end and not ended before its start. A monthly plan is owed every month; a yearly
    one in the month of its anniversary (the period then runs a year); a day pass or a 10-day
    card once, in the month the membership begins. Amount and plan name are copied from the
    plan now. Idempotent: a membership already billed for the month is left as it is (the
    unique constraint guards two runs at once); returns the charges created by this run.
    """
    check_actor(actor)
    if not can_manage_members(actor, place):
        raise PermissionDenied
    month_start, month_end = month_bounds(period_start)
    already = set(
        Charge.objects.filter(place=place, period_start=month_start).values_list(
            "membership_id", flat=True
        )
    )
    candidates = (
        Membership.objects.filter(
            place=place,
            status__in=(MembershipStatus.ACTIVE, MembershipStatus.ENDED),
            plan__isnull=False,
            start_date__lte=month_end,
        )
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=month_start))
        .exclude(pk__in=already)
        .select_related("plan")
        .order_by("pk")
    )
    charges = [
        charge
        for membership in candidates
        if (charge := _charge_for(membership, month_start, month_end)) is not None
    ]
    if not charges:
        return []
    Charge.objects.bulk_create(charges, ignore_conflicts=True)
    created = list(
        Charge.objects.filter(reference__in=[charge.reference for charge in charges]).order_by("pk")
    )
    record(
        actor=actor,
        action="charge.bill_period",
        target=place,
        changes={
            "period_start": [None, month_start],
            "charges": [None, len(created)],
            "amount_cents": [None, sum(charge.amount_cents for charge in created)],
        },
    )
    return created
