"""Every write about sharing: one service per change, each checked and audited.

Each service takes the person acting (`actor`: a user, or `common.actors.SYSTEM` in management
commands), checks the policy of `sharing.rules`, changes the rows in one transaction and
records the change in the audit log. Lifecycle moves go through `common.lifecycle.move_state`
(a compare-and-set on the state); an illegal move is a `Conflict`.

Invariants held by the database, not by reading first:
- one open loan per item (`loan_one_open_per_item`): two check-outs of one item at once, the
  second insert fails and answers `Conflict`;
- how many items a member holds at once (`LoanLimit` of their plan): the check-out locks the
  borrower's membership row first (`SELECT … FOR UPDATE` on PostgreSQL; SQLite's IMMEDIATE
  transactions take turns), so two check-outs of one person count each other's loan;
- one item held for one person at a time (`reservation_one_held_per_item`);
- the time bank's books balance: a transfer is one row with a debit and a credit account
  (`time_transfer_positive`, `time_transfer_two_accounts`), balances are derived; the floor is
  checked with the debited account's row locked. A bank is a place or a network: a transfer
  and both its accounts are of the same one (`time_transfer_one_bank`,
  `time_transfer_same_bank`), so each bank sums to zero on its own.
"""

from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from maillage.accounts.models import User
from maillage.audit.services import record
from maillage.common.actors import SystemActor, check_actor, is_system
from maillage.common.errors import Conflict, FieldError, PermissionDenied, ValidationFailed
from maillage.common.files import delete_orphans
from maillage.common.lifecycle import IllegalTransition, move_state
from maillage.common.mail import queue_mail
from maillage.common.text import fold
from maillage.members.models import Membership, MembershipStatus, Plan
from maillage.members.selectors import public_name
from maillage.places.models import Network, Place
from maillage.territories.models import Territory

from . import photos
from .models import (
    OPEN_LOAN_STATES,
    Conversation,
    DepositOutcome,
    Item,
    ItemCategory,
    ItemCondition,
    ItemEvent,
    ItemEventKind,
    ItemPhoto,
    Loan,
    LoanLimit,
    LoanState,
    Message,
    NetworkTimeBank,
    Post,
    PostCategory,
    PostKind,
    PostReport,
    PostState,
    Reservation,
    ReservationState,
    SharingSettings,
    TimeAccount,
    TimeTransfer,
)
from .rules import (
    can_answer_post,
    can_cancel_reservation,
    can_change_post,
    can_manage_items,
    can_manage_network_time_bank,
    can_moderate_post,
    can_post_for_place,
    can_post_for_territory,
    can_read_post,
    can_record_time,
    can_renew,
    can_report_post,
    can_reserve,
    can_take_part,
    is_network_member,
    may_borrow,
    network_time_bank,
    sharing_settings,
)

Actor = User | SystemActor

ITEM_FIELDS = (
    "name",
    "category",
    "description",
    "condition",
    "replacement_value_cents",
    "deposit_cents",
    "loan_days",
    "is_active",
)
MAX_LOAN_DAYS = 365
MAX_POST_DAYS = 180
MAX_CENTS = 10_000_000  # 100 000 €: a typing mistake, not a drill
MAX_EXCHANGE_MINUTES = 24 * 60


def _user(actor: Actor) -> User | None:
    return None if is_system(actor) else actor  # type: ignore[return-value]


def _allowed(actor: Actor, allowed: bool) -> None:
    if not (is_system(actor) or allowed):
        raise PermissionDenied


def _link(path: str) -> str:
    return settings.SITE_URL + path


def _move(obj: Any, target: str, **changes: Any) -> None:
    try:
        move_state(obj, target, **changes)
    except IllegalTransition:
        raise Conflict(
            _("Cette opération n'est pas possible dans l'état actuel (« %(state)s »).")
            % {"state": obj.get_state_display()}
        ) from None


def _event(item: Item, kind: str, actor: Actor, *, loan: Loan | None = None, **fields: Any) -> None:
    ItemEvent.objects.create(
        item=item, kind=kind, at=timezone.now(), loan=loan, actor=_user(actor), **fields
    )


def _mail(user: User | None, template: str, **context: Any) -> None:
    if user is None or not user.email:
        return
    queue_mail(
        to=[user.email],
        template=f"sharing/mail/{template}",
        context={"name": user.first_name or user.username, **context},
    )


# --- settings -----------------------------------------------------------------------------------


@transaction.atomic
def update_sharing_settings(*, actor: Actor, place: Place, **values: Any) -> SharingSettings:
    """Change how `place` lends and runs its time bank (its managers and staff)."""
    check_actor(actor)
    _allowed(actor, can_manage_items(actor, place))
    known = {
        "catalogue_public",
        "self_service",
        "hold_hours",
        "max_renewals",
        "time_bank_enabled",
        "overdraft_minutes",
    }
    unknown = set(values) - known
    if unknown:
        raise TypeError(f"unknown settings {sorted(unknown)}")
    errors = []
    if "hold_hours" in values and not 1 <= values["hold_hours"] <= 24 * 14:
        errors.append(FieldError("hold_hours", _("Entre 1 heure et 14 jours.")))
    if "overdraft_minutes" in values and not 0 <= values["overdraft_minutes"] <= 100 * 60:
        errors.append(FieldError("overdraft_minutes", _("Entre 0 et 100 heures.")))
    if errors:
        raise ValidationFailed(errors)
    current, _created = SharingSettings.objects.select_for_update().get_or_create(place=place)
    return _save_settings(actor, current, values, action="sharing_settings.update")


_Settings = TypeVar("_Settings", SharingSettings, NetworkTimeBank)


def _save_settings(
    actor: Actor, current: _Settings, values: dict[str, Any], *, action: str
) -> _Settings:
    """Write checked `values` on a locked settings row and audit what changed."""
    changes = {
        name: [getattr(current, name), value]
        for name, value in values.items()
        if getattr(current, name) != value
    }
    for name, value in values.items():
        setattr(current, name, value)
    current.save()
    record(actor=actor, action=action, target=current, changes=changes)
    return current


@transaction.atomic
def set_loan_limit(*, actor: Actor, plan: Plan, max_items: int | None) -> LoanLimit | None:
    """How many items members holding `plan` may have at once; None: no limit."""
    check_actor(actor)
    _allowed(actor, can_manage_items(actor, plan.place))
    current = LoanLimit.objects.filter(plan=plan).first()
    before = current.max_items if current else None
    if max_items is None:
        if current is not None:
            current.delete()
        record(
            actor=actor,
            action="loan_limit.update",
            target=plan,
            changes={"max_items": [before, None]},
        )
        return None
    if max_items < 0 or max_items > 100:
        raise ValidationFailed([FieldError("max_items", _("Entre 0 et 100 objets."))])
    limit, _created = LoanLimit.objects.update_or_create(
        plan=plan, defaults={"max_items": max_items}
    )
    record(
        actor=actor,
        action="loan_limit.update",
        target=plan,
        changes={"max_items": [before, max_items]},
    )
    return limit


# --- items --------------------------------------------------------------------------------------


def _clean_item(values: dict[str, Any]) -> None:
    errors = []
    if "name" in values:
        values["name"] = (values["name"] or "").strip()
        if not values["name"]:
            errors.append(FieldError("name", _("Donnez un nom à l'objet.")))
        elif len(values["name"]) > 120:
            errors.append(FieldError("name", _("120 caractères au plus.")))
    if "category" in values and values["category"] not in ItemCategory.values:
        errors.append(FieldError("category", _("Catégorie inconnue.")))
    if "condition" in values and values["condition"] not in ItemCondition.values:
        errors.append(FieldError("condition", _("État inconnu.")))
    for name in ("replacement_value_cents", "deposit_cents"):
        if name in values and not 0 <= values[name] <= MAX_CENTS:
            errors.append(FieldError(name, _("Un montant entre 0 et 100 000 €.")))
    if "loan_days" in values and not 1 <= values["loan_days"] <= MAX_LOAN_DAYS:
        errors.append(FieldError("loan_days", _("Entre 1 et 365 jours.")))
    if "description" in values and len(values["description"] or "") > 2000:
        errors.append(FieldError("description", _("2000 caractères au plus.")))
    if errors:
        raise ValidationFailed(errors)


def _check_plans(place: Place, plans: list[Plan]) -> None:
    if any(plan.place_id != place.pk for plan in plans):
        raise ValidationFailed([FieldError("plans", _("Ces formules ne sont pas celles du lieu."))])


@transaction.atomic
def create_item(
    *, actor: Actor, place: Place, plans: list[Plan] | None = None, **values: Any
) -> Item:
    """Add an item to `place`'s catalogue (its operators)."""
    check_actor(actor)
    _allowed(actor, can_manage_items(actor, place))
    unknown = set(values) - set(ITEM_FIELDS)
    if unknown:
        raise TypeError(f"unknown item fields {sorted(unknown)}")
    values.setdefault("name", "")
    values.setdefault("category", "")
    _clean_item(values)
    _check_plans(place, plans or [])
    item = Item.objects.create(place=place, search_name=fold(values["name"]), **values)
    if plans:
        item.plans.set(plans)
    _event(item, ItemEventKind.CREATED, actor, condition_after=item.condition)
    record(
        actor=actor,
        action="item.create",
        target=item,
        changes={
            **{name: [None, getattr(item, name)] for name in ITEM_FIELDS},
            "place": [None, place.pk],
            "plans": [None, sorted(plan.pk for plan in plans or [])],
        },
    )
    return item


@transaction.atomic
def update_item(
    *, actor: Actor, item: Item, plans: list[Plan] | None = None, note: str = "", **values: Any
) -> Item:
    """Change an item's record; a change of condition is a line of its history (with `note`)."""
    check_actor(actor)
    _allowed(actor, can_manage_items(actor, item.place))
    unknown = set(values) - set(ITEM_FIELDS)
    if unknown:
        raise TypeError(f"unknown item fields {sorted(unknown)}")
    _clean_item(values)
    item = Item.objects.select_for_update().get(pk=item.pk)
    changes: dict[str, list] = {}
    for name, value in values.items():
        if getattr(item, name) != value:
            changes[name] = [getattr(item, name), value]
            setattr(item, name, value)
    if plans is not None:
        _check_plans(item.place, plans)
        before = sorted(item.plans.values_list("pk", flat=True))
        after = sorted(plan.pk for plan in plans)
        if before != after:
            item.plans.set(plans)
            changes["plans"] = [before, after]
    if not changes:
        return item
    item.search_name = fold(item.name)
    item.save()
    if "condition" in changes:
        _event(
            item,
            ItemEventKind.CONDITION,
            actor,
            condition_before=changes["condition"][0],
            condition_after=changes["condition"][1],
            note=note.strip(),
        )
    if "is_active" in changes:
        _event(item, ItemEventKind.RESTORED if item.is_active else ItemEventKind.WITHDRAWN, actor)
    if set(changes) - {"condition", "is_active"}:
        _event(item, ItemEventKind.UPDATED, actor)
    record(actor=actor, action="item.update", target=item, changes=changes)
    return item


@transaction.atomic
def record_repair(*, actor: Actor, item: Item, note: str, condition: str | None = None) -> Item:
    """Write a repair in the item's history, and its condition afterwards when given."""
    check_actor(actor)
    _allowed(actor, can_manage_items(actor, item.place))
    note = (note or "").strip()
    errors = []
    if not note:
        errors.append(FieldError("note", _("Dites ce qui a été réparé.")))
    if condition is not None and condition not in ItemCondition.values:
        errors.append(FieldError("condition", _("État inconnu.")))
    if errors:
        raise ValidationFailed(errors)
    item = Item.objects.select_for_update().get(pk=item.pk)
    before = item.condition
    after = condition or before
    if after != before:
        item.condition = after
        item.save(update_fields=["condition", "updated_at"])
    _event(
        item, ItemEventKind.REPAIR, actor, condition_before=before, condition_after=after, note=note
    )
    record(
        actor=actor,
        action="item.repair",
        target=item,
        changes={"condition": [before, after], "note": [None, note]},
    )
    return item


@transaction.atomic
def add_item_photo(*, actor: Actor, item: Item, upload, alt: str = "") -> ItemPhoto:
    """Attach a photo to an item: checked as an image, resized, stripped of its metadata."""
    check_actor(actor)
    _allowed(actor, can_manage_items(actor, item.place))
    if item.photos.count() >= photos.MAX_PHOTOS_PER_ITEM:
        raise ValidationFailed(
            [
                FieldError(
                    "image",
                    _("%(count)d photos au plus par objet.")
                    % {"count": photos.MAX_PHOTOS_PER_ITEM},
                )
            ]
        )
    processed = photos.process(upload)
    photo = ItemPhoto(
        item=item, width=processed.width, height=processed.height, alt=alt.strip()[:200]
    )
    # The file is written before its row; if anything after fails, the file goes too, so a
    # rolled-back upload leaves neither a row without its file nor a file without its row.
    photo.image.save(processed.name, processed.content, save=False)
    try:
        photo.save()
        record(
            actor=actor,
            action="item.photo.add",
            target=item,
            changes={"photo": [None, photo.image.name]},
        )
    except BaseException:
        photo.image.storage.delete(str(photo.image.name))
        raise
    return photo


@transaction.atomic
def delete_item_photo(*, actor: Actor, photo: ItemPhoto) -> None:
    check_actor(actor)
    _allowed(actor, can_manage_items(actor, photo.item.place))
    name, storage = photo.image.name, photo.image.storage
    record(
        actor=actor, action="item.photo.delete", target=photo.item, changes={"photo": [name, None]}
    )
    photo.delete()
    transaction.on_commit(lambda: storage.delete(str(name)))


PHOTOS_DIR = "sharing/items"  # ItemPhoto.image's upload_to


def purge_orphan_photos() -> int:
    """Delete the photo files no `ItemPhoto` refers to (an upload whose transaction was rolled
    back after the file was written); the number deleted. Young files are spared
    (`common.files.ORPHAN_GRACE`)."""
    storage = ItemPhoto._meta.get_field("image").storage
    referenced = set(ItemPhoto.objects.values_list("image", flat=True))
    return delete_orphans(storage, PHOTOS_DIR, referenced)


# --- loans --------------------------------------------------------------------------------------


@transaction.atomic
def check_out(
    *,
    actor: Actor,
    item: Item,
    borrower: User | None = None,
    due_on: date | None = None,
    deposit_paid: bool = True,
) -> Loan:
    """Lend `item` to `borrower` (the actor by default) until `due_on` (the item's loan period).

    The place's operators lend to any active member who may borrow the item; a member borrows
    for themselves where the place allows self-service. Refused (`Conflict`) when the item is
    out, held for someone else, withdrawn or broken, or when the member already holds as many
    items as their plan allows.
    """
    check_actor(actor)
    place = item.place
    person = borrower if borrower is not None else actor
    if is_system(person):
        raise TypeError("lend to a user")
    if not isinstance(person, User):
        raise PermissionDenied
    staff = is_system(actor) or can_manage_items(actor, place)
    if person != actor and not staff:
        raise PermissionDenied
    if not staff and not sharing_settings(place).self_service:
        raise PermissionDenied(_("Ce lieu ne prête qu'au comptoir : demandez à l'équipe."))
    # The borrower's membership row is the lock that serialises their check-outs at this place.
    membership = (
        Membership.objects.select_for_update()
        .filter(user=person, place=place, status=MembershipStatus.ACTIVE)
        .first()
    )
    if membership is None or not may_borrow(person, item):
        raise PermissionDenied(
            _("Seuls les membres actifs du lieu dont la formule le permet empruntent cet objet.")
        )
    item = Item.objects.get(pk=item.pk)
    if not item.is_active or item.condition == ItemCondition.BROKEN:
        raise Conflict(_("Cet objet n'est pas prêté en ce moment."))
    held = Reservation.objects.filter(item=item, state=ReservationState.HELD).first()
    if held is not None and held.user_id != person.pk:
        raise Conflict(_("Cet objet est mis de côté pour une autre personne."))
    limit = (
        LoanLimit.objects.filter(plan_id=membership.plan_id).first() if membership.plan_id else None
    )
    if limit is not None:
        holding = Loan.objects.filter(
            borrower=person, place=place, state__in=OPEN_LOAN_STATES
        ).count()
        if holding >= limit.max_items:
            raise Conflict(
                _(
                    "Votre formule permet d'emprunter %(count)d objet(s) à la fois : "
                    "rendez-en un d'abord."
                )
                % {"count": limit.max_items}
            )
    today = timezone.localdate(timezone=place.timezone)
    due = due_on or today + timedelta(days=item.loan_days)
    if due < today or due > today + timedelta(days=MAX_LOAN_DAYS):
        raise ValidationFailed(
            [FieldError("due_on", _("Une date de retour entre aujourd'hui et dans un an."))]
        )
    try:
        with transaction.atomic():
            loan = Loan.objects.create(
                place=place,
                item=item,
                borrower=person,
                state=LoanState.OUT,
                checked_out_at=timezone.now(),
                due_on=due,
                condition_out=item.condition,
                deposit_cents=item.deposit_cents,
                deposit_outcome=DepositOutcome.HELD
                if item.deposit_cents and deposit_paid
                else DepositOutcome.NONE,
                checked_out_by=_user(actor),
            )
    except IntegrityError:
        raise Conflict(_("Cet objet vient d'être prêté à quelqu'un d'autre.")) from None
    if held is not None:
        _move(held, ReservationState.FULFILLED)
        record(
            actor=actor,
            action="reservation.fulfil",
            target=held,
            changes={"state": [ReservationState.HELD, ReservationState.FULFILLED]},
        )
    _event(item, ItemEventKind.LOAN, actor, loan=loan, condition_before=item.condition)
    record(
        actor=actor,
        action="loan.create",
        target=loan,
        changes={
            "item": [None, item.pk],
            "borrower": [None, person.pk],
            "due_on": [None, due.isoformat()],
            "state": [None, LoanState.OUT],
            "deposit_outcome": [None, loan.deposit_outcome],
        },
    )
    return loan


def _waiting(item: Item):
    return Reservation.objects.filter(item=item, state=ReservationState.WAITING).order_by(
        "created_at", "pk"
    )


@transaction.atomic
def renew_loan(*, actor: Actor, loan: Loan) -> Loan:
    """Give the borrower the item's loan period again, from today or the due date, whichever is
    later; refused when someone is waiting for the item or the place's renewals are used up."""
    check_actor(actor)
    _allowed(actor, can_renew(actor, loan))
    loan = (
        Loan.objects.select_for_update(of=("self",)).select_related("item", "place").get(pk=loan.pk)
    )
    if not loan.is_open:
        raise Conflict(_("Ce prêt est clos."))
    if _waiting(loan.item).exists():
        raise Conflict(_("Quelqu'un attend cet objet : il ne peut pas être prolongé."))
    if loan.renewals >= sharing_settings(loan.place).max_renewals:
        raise Conflict(_("Ce prêt a déjà été prolongé autant que le lieu le permet."))
    today = timezone.localdate(timezone=loan.place.timezone)
    due = max(today, loan.due_on) + timedelta(days=loan.item.loan_days)
    before = loan.due_on
    if loan.state == LoanState.LATE:
        _move(loan, LoanState.OUT, due_on=due, renewals=loan.renewals + 1)
    else:
        Loan.objects.filter(pk=loan.pk).update(
            due_on=due, renewals=loan.renewals + 1, updated_at=timezone.now()
        )
        loan.due_on, loan.renewals = due, loan.renewals + 1
    _event(loan.item, ItemEventKind.RENEWAL, actor, loan=loan)
    record(
        actor=actor,
        action="loan.renew",
        target=loan,
        changes={
            "due_on": [before.isoformat(), due.isoformat()],
            "renewals": [loan.renewals - 1, loan.renewals],
        },
    )
    return loan


def _close_deposit(loan: Loan, keep_deposit: bool) -> str:
    if loan.deposit_outcome != DepositOutcome.HELD:
        if keep_deposit:
            raise ValidationFailed(
                [FieldError("keep_deposit", _("Aucune caution n'a été versée pour ce prêt."))]
            )
        return loan.deposit_outcome
    return DepositOutcome.KEPT if keep_deposit else DepositOutcome.RETURNED


@transaction.atomic
def return_item(
    *,
    actor: Actor,
    loan: Loan,
    condition: str | None = None,
    notes: str = "",
    damaged: bool = False,
    keep_deposit: bool = False,
) -> Loan:
    """Take an item back (the place's operators), with its condition and notes; `damaged`
    closes the loan as returned damaged (a note is then required). The first person waiting
    for the item is told and the item is held for them."""
    check_actor(actor)
    _allowed(actor, can_manage_items(actor, loan.place))
    notes = (notes or "").strip()
    condition = condition or loan.item.condition
    errors = []
    if condition not in ItemCondition.values:
        errors.append(FieldError("condition", _("État inconnu.")))
    if damaged and not notes:
        errors.append(FieldError("notes", _("Décrivez le dommage.")))
    if keep_deposit and not notes:
        errors.append(FieldError("notes", _("Dites pourquoi la caution est gardée.")))
    if errors:
        raise ValidationFailed(errors)
    loan = (
        Loan.objects.select_for_update(of=("self",)).select_related("item", "place").get(pk=loan.pk)
    )
    deposit_before = loan.deposit_outcome
    outcome = _close_deposit(loan, keep_deposit)
    target = LoanState.DAMAGED if damaged else LoanState.RETURNED
    before_state = loan.state
    _move(
        loan,
        target,
        returned_at=timezone.now(),
        condition_back=condition,
        return_notes=notes,
        deposit_outcome=outcome,
    )
    item = loan.item
    before = item.condition
    if condition != before:
        item.condition = condition
        item.save(update_fields=["condition", "updated_at"])
    _event(
        item,
        ItemEventKind.DAMAGED if damaged else ItemEventKind.RETURN,
        actor,
        loan=loan,
        condition_before=before,
        condition_after=condition,
        note=notes,
    )
    record(
        actor=actor,
        action="loan.return",
        target=loan,
        changes={
            "state": [before_state, target],
            "condition_back": [None, condition],
            "deposit_outcome": [deposit_before, outcome],
        },
    )
    if item.is_active and condition != ItemCondition.BROKEN:
        _hold_for_next(actor=actor, item=item)
    return loan


@transaction.atomic
def declare_lost(*, actor: Actor, loan: Loan, notes: str, keep_deposit: bool = True) -> Loan:
    """Close a loan whose item is lost (a note required): the item leaves the catalogue and
    the people waiting for it are told."""
    check_actor(actor)
    _allowed(actor, can_manage_items(actor, loan.place))
    notes = (notes or "").strip()
    if not notes:
        raise ValidationFailed([FieldError("notes", _("Dites ce qui s'est passé."))])
    loan = (
        Loan.objects.select_for_update(of=("self",)).select_related("item", "place").get(pk=loan.pk)
    )
    deposit_before = loan.deposit_outcome
    outcome = _close_deposit(loan, keep_deposit and loan.deposit_outcome == DepositOutcome.HELD)
    before_state = loan.state
    _move(
        loan,
        LoanState.LOST,
        returned_at=timezone.now(),
        return_notes=notes,
        deposit_outcome=outcome,
    )
    item = loan.item
    Item.objects.filter(pk=item.pk).update(is_active=False, updated_at=timezone.now())
    item.is_active = False
    _event(item, ItemEventKind.LOST, actor, loan=loan, note=notes)
    record(
        actor=actor,
        action="loan.lost",
        target=loan,
        changes={
            "state": [before_state, LoanState.LOST],
            "deposit_outcome": [deposit_before, outcome],
        },
    )
    for reservation in _waiting(item).select_related("user"):
        _move(reservation, ReservationState.CANCELLED)
        record(
            actor=actor,
            action="reservation.cancel",
            target=reservation,
            changes={"state": [ReservationState.WAITING, ReservationState.CANCELLED]},
        )
        _mail(reservation.user, "reservation_cancelled", item=item, place=item.place)
    return loan


# --- reservations -------------------------------------------------------------------------------


def item_is_available(item: Item) -> bool:
    return (
        item.is_active
        and item.condition != ItemCondition.BROKEN
        and not Loan.objects.filter(item=item, state__in=OPEN_LOAN_STATES).exists()
        and not Reservation.objects.filter(item=item, state=ReservationState.HELD).exists()
    )


@transaction.atomic
def reserve_item(*, actor: Actor, item: Item, user: User | None = None) -> Reservation:
    """Queue `user` (the actor) for an item on loan or held for someone else; when it is free,
    borrow it instead (`Conflict`)."""
    check_actor(actor)
    person = user if user is not None else actor
    if is_system(person):
        raise TypeError("reserve for a user")
    if not isinstance(person, User):
        raise PermissionDenied
    if person != actor and not (is_system(actor) or can_manage_items(actor, item.place)):
        raise PermissionDenied
    if not can_reserve(person, item):
        raise PermissionDenied(
            _("Seuls les membres actifs du lieu dont la formule le permet réservent cet objet.")
        )
    item = Item.objects.select_for_update().get(pk=item.pk)
    if not item.is_active:
        raise Conflict(_("Cet objet n'est pas prêté en ce moment."))
    if item_is_available(item):
        raise Conflict(_("Cet objet est disponible : empruntez-le sans réserver."))
    if Loan.objects.filter(item=item, borrower=person, state__in=OPEN_LOAN_STATES).exists():
        raise Conflict(_("Vous avez déjà cet objet."))
    try:
        with transaction.atomic():
            reservation = Reservation.objects.create(
                place=item.place, item=item, user=person, state=ReservationState.WAITING
            )
    except IntegrityError:
        raise Conflict(_("Vous êtes déjà sur la liste d'attente de cet objet.")) from None
    record(
        actor=actor,
        action="reservation.create",
        target=reservation,
        changes={
            "item": [None, item.pk],
            "user": [None, person.pk],
            "state": [None, ReservationState.WAITING],
        },
    )
    return reservation


@transaction.atomic
def cancel_reservation(*, actor: Actor, reservation: Reservation) -> Reservation:
    """Leave the waiting list (or give up a held item: the next person is then held for)."""
    check_actor(actor)
    _allowed(actor, can_cancel_reservation(actor, reservation))
    reservation = (
        Reservation.objects.select_for_update(of=("self",))
        .select_related("item__place")
        .get(pk=reservation.pk)
    )
    before = reservation.state
    _move(reservation, ReservationState.CANCELLED)
    record(
        actor=actor,
        action="reservation.cancel",
        target=reservation,
        changes={"state": [before, ReservationState.CANCELLED]},
    )
    if before == ReservationState.HELD:
        _hold_for_next(actor=actor, item=reservation.item)
    return reservation


def _hold_for_next(*, actor: Actor, item: Item, now: datetime | None = None) -> Reservation | None:
    """Hold `item` for the first person waiting, and tell them (inside the caller's
    transaction). Nothing when the item is out or already held."""
    if Loan.objects.filter(item=item, state__in=OPEN_LOAN_STATES).exists():
        return None
    if Reservation.objects.filter(item=item, state=ReservationState.HELD).exists():
        return None
    first = _waiting(item).select_for_update(of=("self",)).select_related("user").first()
    if first is None:
        return None
    hours = sharing_settings(item.place).hold_hours
    until = (now or timezone.now()) + timedelta(hours=hours)
    _move(first, ReservationState.HELD, held_until=until)
    record(
        actor=actor,
        action="reservation.hold",
        target=first,
        changes={
            "state": [ReservationState.WAITING, ReservationState.HELD],
            "held_until": [None, until.isoformat()],
        },
    )
    _mail(
        first.user,
        "item_held",
        item=item,
        place=item.place,
        held_until=until.astimezone(item.place.timezone),
        link=_link(reverse("sharing:item", args=[item.place.slug, item.pk])),
    )
    return first


def expire_holds(*, actor: Actor, now: datetime | None = None) -> int:
    """Let go of the items held past their deadline and hold them for the next person waiting;
    how many holds expired. Idempotent: a hold expires once (a compare-and-set on its state)."""
    check_actor(actor)
    _allowed(actor, False)
    now = now or timezone.now()
    expired = 0
    due = Reservation.objects.filter(state=ReservationState.HELD, held_until__lt=now).values_list(
        "pk", flat=True
    )
    for pk in list(due):
        with transaction.atomic():
            reservation = Reservation.objects.select_related("item__place", "user").get(pk=pk)
            try:
                move_state(reservation, ReservationState.EXPIRED)
            except IllegalTransition:
                continue
            record(
                actor=actor,
                action="reservation.expire",
                target=reservation,
                changes={"state": [ReservationState.HELD, ReservationState.EXPIRED]},
            )
            _mail(
                reservation.user,
                "hold_expired",
                item=reservation.item,
                place=reservation.item.place,
            )
            _hold_for_next(actor=actor, item=reservation.item, now=now)
            expired += 1
    return expired


def send_overdue_reminders(*, actor: Actor, now: datetime | None = None) -> int:
    """Mark the loans past their due date (on their place's calendar) late and send each
    borrower one reminder; how many. Idempotent: a loan moves to late once (compare-and-set),
    so a second run sends nothing."""
    check_actor(actor)
    _allowed(actor, False)
    now = now or timezone.now()
    sent = 0
    # The earliest calendar on earth is UTC+14: nothing due on or after that day is overdue.
    candidates = Loan.objects.filter(
        state=LoanState.OUT, due_on__lt=(now + timedelta(hours=14)).date()
    )
    for loan in candidates.select_related("place", "item", "borrower"):
        if loan.due_on >= now.astimezone(loan.place.timezone).date():
            continue
        with transaction.atomic():
            try:
                move_state(loan, LoanState.LATE, overdue_reminded_at=now)
            except IllegalTransition:
                continue
            record(
                actor=actor,
                action="loan.late",
                target=loan,
                changes={"state": [LoanState.OUT, LoanState.LATE]},
            )
            _mail(
                loan.borrower,
                "loan_overdue",
                item=loan.item,
                place=loan.place,
                due_on=loan.due_on,
                link=_link(reverse("sharing:my_loans")),
            )
            sent += 1
    return sent


# --- offers and needs ---------------------------------------------------------------------------


def _clean_post(values: dict[str, Any], today: date) -> None:
    errors = []
    for name, longest in (("title", 120), ("body", 2000)):
        values[name] = (values.get(name) or "").strip()
        if not values[name]:
            errors.append(FieldError(name, _("Ce champ est obligatoire.")))
        elif len(values[name]) > longest:
            errors.append(FieldError(name, _("%(count)d caractères au plus.") % {"count": longest}))
    if values.get("kind") not in PostKind.values:
        errors.append(FieldError("kind", _("Offre ou demande ?")))
    if values.get("category") not in PostCategory.values:
        errors.append(FieldError("category", _("Catégorie inconnue.")))
    expires = values.get("expires_on")
    if not isinstance(expires, date) or not today <= expires <= today + timedelta(
        days=MAX_POST_DAYS
    ):
        errors.append(
            FieldError("expires_on", _("Une date d'expiration entre aujourd'hui et dans six mois."))
        )
    if errors:
        raise ValidationFailed(errors)


@transaction.atomic
def create_post(
    *,
    actor: Actor,
    kind: str,
    category: str,
    title: str,
    body: str,
    expires_on: date,
    place: Place | None = None,
    territory: Territory | None = None,
) -> Post:
    """Publish an offer or a request for a place (its members) or a territory."""
    check_actor(actor)
    if is_system(actor) or not isinstance(actor, User):
        raise PermissionDenied
    if (place is None) == (territory is None):
        raise ValidationFailed([FieldError("place", _("Choisissez un lieu ou un territoire."))])
    _allowed(
        actor,
        can_post_for_place(actor, place) if place is not None else can_post_for_territory(actor),
    )
    values = {
        "kind": kind,
        "category": category,
        "title": title,
        "body": body,
        "expires_on": expires_on,
    }
    _clean_post(values, timezone.localdate())
    post = Post.objects.create(
        author=actor, place=place, territory=territory, state=PostState.OPEN, **values
    )
    record(
        actor=actor,
        action="post.create",
        target=post,
        changes={
            "kind": [None, kind],
            "category": [None, category],
            "title": [None, post.title],
            "place": [None, place.pk if place else None],
            "territory": [None, territory.pk if territory else None],
            "expires_on": [None, expires_on.isoformat()],
        },
    )
    return post


def _conversation_link(conversation: Conversation) -> str:
    return _link(reverse("sharing:conversation", args=[conversation.pk]))


@transaction.atomic
def answer_post(*, actor: Actor, post: Post, body: str) -> Message:
    """Answer a post: the message is relayed to its author by email, without the address of
    either person (the author replies on the platform)."""
    check_actor(actor)
    if is_system(actor) or not isinstance(actor, User):
        raise PermissionDenied
    post = Post.objects.select_related("author", "place").get(pk=post.pk)
    if post.state != PostState.OPEN and can_read_post(actor, post):
        raise Conflict(_("Cette annonce n'est plus ouverte."))
    _allowed(actor, can_answer_post(actor, post))
    body = _clean_message(body)
    conversation, _created = Conversation.objects.get_or_create(post=post, responder=actor)
    message = Message.objects.create(conversation=conversation, sender=actor, body=body)
    record(
        actor=actor,
        action="post.answer",
        target=message,
        changes={"conversation": [None, conversation.pk], "post": [None, post.pk]},
        personal_fields=(),
    )
    _mail(
        post.author,
        "post_answered",
        post=post,
        sender=public_name(actor) or _("un·e membre"),
        body=body,
        link=_conversation_link(conversation),
    )
    return message


def _clean_message(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationFailed([FieldError("body", _("Écrivez votre message."))])
    if len(body) > 2000:
        raise ValidationFailed([FieldError("body", _("2000 caractères au plus."))])
    return body


@transaction.atomic
def reply(*, actor: Actor, conversation: Conversation, body: str) -> Message:
    """Write in a conversation; the message is relayed by email to the other person. The
    author's first reply discloses both addresses on the conversation page."""
    check_actor(actor)
    conversation = (
        Conversation.objects.select_for_update(of=("self",))
        .select_related("post__author", "responder")
        .get(pk=conversation.pk)
    )
    if not isinstance(actor, User) or not can_take_part(actor, conversation):
        raise PermissionDenied
    body = _clean_message(body)
    post = conversation.post
    message = Message.objects.create(conversation=conversation, sender=actor, body=body)
    from_author = actor.pk == post.author_id
    if from_author and conversation.author_answered_at is None:
        conversation.author_answered_at = timezone.now()
        conversation.save(update_fields=["author_answered_at"])
    record(
        actor=actor,
        action="conversation.reply",
        target=message,
        changes={"conversation": [None, conversation.pk]},
    )
    _mail(
        conversation.responder if from_author else post.author,
        "conversation_reply",
        post=post,
        sender=public_name(actor) or _("un·e membre"),
        body=body,
        link=_conversation_link(conversation),
    )
    return message


def _check_network_bank(post: Post, network: Network, people: list[User | None]) -> None:
    """The hours of `post` may go to `network`'s bank: it runs one, the post is of one of its
    places (or of a territory), and both people are active members of its places."""
    if not network_time_bank(network).enabled:
        raise ValidationFailed([FieldError("network", _("Ce réseau n'a pas de banque de temps."))])
    if post.place is not None and not network.places.filter(pk=post.place.pk).exists():
        raise ValidationFailed(
            [FieldError("network", _("Le lieu de cette annonce n'est pas de ce réseau."))]
        )
    if not all(person is not None and is_network_member(person, network) for person in people):
        raise ValidationFailed(
            [
                FieldError(
                    "network",
                    _("Les deux personnes doivent être membres actives d'un lieu du réseau."),
                )
            ]
        )


@transaction.atomic
def fulfil_post(
    *,
    actor: Actor,
    post: Post,
    conversation: Conversation | None = None,
    minutes: int | None = None,
    network: Network | None = None,
) -> Post:
    """The author marks their post fulfilled, with whom (a conversation) and, where the place
    runs a time bank, the time the exchange took: the helper is credited, the helped debited.
    With `network`, the hours go to that network's bank instead of the place's."""
    check_actor(actor)
    _allowed(actor, can_change_post(actor, post))
    post = (
        Post.objects.select_for_update(of=("self",))
        .select_related("place", "author")
        .get(pk=post.pk)
    )
    if conversation is not None and conversation.post_id != post.pk:
        raise ValidationFailed(
            [FieldError("conversation", _("Cet échange n'est pas celui de l'annonce."))]
        )
    if network is not None and minutes is None:
        raise ValidationFailed(
            [FieldError("minutes", _("Combien de temps l'échange a-t-il pris ?"))]
        )
    if minutes is not None:
        if conversation is None or conversation.responder_id is None:
            raise ValidationFailed(
                [FieldError("conversation", _("Avec qui l'échange a-t-il eu lieu ?"))]
            )
        if network is not None:
            _check_network_bank(post, network, [post.author, conversation.responder])
        elif post.place is None or not sharing_settings(post.place).time_bank_enabled:
            raise ValidationFailed(
                [FieldError("minutes", _("Ce lieu n'a pas de banque de temps."))]
            )
    _move(post, PostState.FULFILLED, fulfilled_with=conversation)
    record(
        actor=actor,
        action="post.fulfil",
        target=post,
        changes={
            "state": [PostState.OPEN, PostState.FULFILLED],
            "fulfilled_with": [None, conversation.pk if conversation else None],
            "minutes": [None, minutes],
            **({"network": [None, network.pk]} if network is not None else {}),
        },
    )
    if minutes is not None and conversation is not None:
        helper, helped = (
            (post.author, conversation.responder)
            if post.kind == PostKind.OFFER
            else (conversation.responder, post.author)
        )
        _transfer(
            actor=actor,
            place=None if network is not None else post.place,
            network=network,
            payer=helped,  # type: ignore[arg-type]
            payee=helper,  # type: ignore[arg-type]
            minutes=minutes,
            label=post.title,
            post=post,
        )
    return post


@transaction.atomic
def withdraw_post(*, actor: Actor, post: Post) -> Post:
    check_actor(actor)
    _allowed(actor, can_change_post(actor, post))
    before = post.state
    _move(post, PostState.WITHDRAWN)
    record(
        actor=actor,
        action="post.withdraw",
        target=post,
        changes={"state": [before, PostState.WITHDRAWN]},
    )
    return post


@transaction.atomic
def report_post(*, actor: Actor, post: Post, reason: str) -> PostReport:
    """Tell the moderators that a post breaks the rules (once per person)."""
    check_actor(actor)
    if not isinstance(actor, User) or not can_report_post(actor, post):
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason or len(reason) > 500:
        raise ValidationFailed(
            [
                FieldError(
                    "reason", _("Dites en quelques mots ce qui ne va pas (500 caractères au plus).")
                )
            ]
        )
    try:
        with transaction.atomic():
            report = PostReport.objects.create(post=post, reporter=actor, reason=reason)
    except IntegrityError:
        raise Conflict(_("Vous avez déjà signalé cette annonce.")) from None
    record(actor=actor, action="post.report", target=post, changes={"report": [None, report.pk]})
    return report


@transaction.atomic
def hide_post(*, actor: Actor, post: Post, reason: str) -> Post:
    """Moderation hides a post, with the reason recorded (shown to its author)."""
    check_actor(actor)
    _allowed(actor, can_moderate_post(actor, post))
    reason = (reason or "").strip()
    if not reason or len(reason) > 500:
        raise ValidationFailed(
            [FieldError("reason", _("Le motif est obligatoire (500 caractères au plus)."))]
        )
    _move(post, PostState.HIDDEN, hidden_reason=reason, moderated_by=_user(actor))
    record(
        actor=actor,
        action="post.hide",
        target=post,
        changes={"state": [PostState.OPEN, PostState.HIDDEN], "hidden_reason": [None, reason]},
    )
    _mail(post.author, "post_hidden", post=post, reason=reason)
    return post


@transaction.atomic
def restore_post(*, actor: Actor, post: Post) -> Post:
    check_actor(actor)
    _allowed(actor, can_moderate_post(actor, post))
    _move(post, PostState.OPEN, moderated_by=_user(actor))
    record(
        actor=actor,
        action="post.restore",
        target=post,
        changes={"state": [PostState.HIDDEN, PostState.OPEN]},
    )
    return post


def expire_posts(*, actor: Actor, today: date | None = None) -> int:
    """Close the open posts past their expiry date; how many (idempotent)."""
    check_actor(actor)
    _allowed(actor, False)
    today = today or timezone.localdate()
    count = 0
    for post in Post.objects.filter(state=PostState.OPEN, expires_on__lt=today):
        with transaction.atomic():
            try:
                move_state(post, PostState.EXPIRED)
            except IllegalTransition:
                continue
            record(
                actor=actor,
                action="post.expire",
                target=post,
                changes={"state": [PostState.OPEN, PostState.EXPIRED]},
            )
            count += 1
    return count


# --- time bank ----------------------------------------------------------------------------------


def account_of(place: Place | None, user: User, *, network: Network | None = None) -> TimeAccount:
    """`user`'s account at a bank: `place`'s, or (with `place=None`) `network`'s."""
    if (place is None) == (network is None):
        raise TypeError("a bank is a place or a network")
    account, _created = TimeAccount.objects.get_or_create(place=place, network=network, user=user)
    return account


def balance_minutes(account: TimeAccount) -> int:
    """Credits minus debits: derived, never stored."""
    credits = TimeTransfer.objects.filter(credit=account).aggregate(total=Sum("minutes"))["total"]
    debits = TimeTransfer.objects.filter(debit=account).aggregate(total=Sum("minutes"))["total"]
    return (credits or 0) - (debits or 0)


def _bank_floor(place: Place | None, network: Network | None) -> int:
    """How many minutes below zero a balance of the bank may go; ValidationFailed if the bank
    does not run."""
    if place is not None:
        settings_ = sharing_settings(place)
        if not settings_.time_bank_enabled:
            raise ValidationFailed(
                [FieldError("minutes", _("Ce lieu n'a pas de banque de temps."))]
            )
        return settings_.overdraft_minutes
    bank = network_time_bank(network)  # type: ignore[arg-type]
    if not bank.enabled:
        raise ValidationFailed([FieldError("minutes", _("Ce réseau n'a pas de banque de temps."))])
    return bank.overdraft_minutes


def _transfer(
    *,
    actor: Actor,
    place: Place | None,
    payer: User,
    payee: User,
    minutes: int,
    label: str,
    post: Post | None = None,
    network: Network | None = None,
) -> TimeTransfer:
    """Move `minutes` from `payer` to `payee` inside one bank (`place`'s or `network`'s)."""
    if (place is None) == (network is None):
        raise TypeError("a bank is a place or a network")
    if (
        not isinstance(minutes, int)
        or isinstance(minutes, bool)
        or not 1 <= minutes <= MAX_EXCHANGE_MINUTES
    ):
        raise ValidationFailed([FieldError("minutes", _("Entre 1 minute et 24 heures."))])
    if payer is None or payee is None or payer.pk == payee.pk:
        raise ValidationFailed(
            [FieldError("minutes", _("Un échange se fait entre deux personnes."))]
        )
    floor = _bank_floor(place, network)
    debit = account_of(place, payer, network=network)
    credit = account_of(place, payee, network=network)
    # The debited account's row is the lock: two debits of one account take turns, so the
    # floor is checked against every committed transfer.
    TimeAccount.objects.select_for_update().get(pk=debit.pk)
    balance = balance_minutes(debit)
    if balance - minutes < -floor:
        raise Conflict(
            _("Ce solde ne peut descendre sous %(floor)s minutes : il est de %(balance)s.")
            % {"floor": -floor, "balance": balance}
        )
    # Both accounts come from this bank (account_of); the database checks it again
    # (`time_transfer_same_bank`, migration 0002) for any other write path.
    transfer = TimeTransfer.objects.create(
        place=place,
        network=network,
        debit=debit,
        credit=credit,
        minutes=minutes,
        label=label[:200],
        post=post,
    )
    record(
        actor=actor,
        action="time_transfer.create",
        target=transfer,
        changes={
            "debit": [None, debit.pk],
            "credit": [None, credit.pk],
            "minutes": [None, minutes],
            "bank": [None, f"place:{place.pk}" if place else f"network:{network.pk}"],  # type: ignore[union-attr]
        },
    )
    return transfer


@transaction.atomic
def record_time_exchange(
    *, actor: Actor, place: Place, payer: User, payee: User, minutes: int, label: str
) -> TimeTransfer:
    """The place's operators record hours given by `payee` to `payer` (an exchange arranged
    outside the platform): `payee` is credited, `payer` debited, within the place's floor."""
    check_actor(actor)
    _allowed(actor, can_record_time(actor, place))
    label = (label or "").strip()
    if not label:
        raise ValidationFailed([FieldError("label", _("Dites quel échange a eu lieu."))])
    for person in (payer, payee):
        if not Membership.objects.filter(
            user=person, place=place, status=MembershipStatus.ACTIVE
        ).exists():
            raise ValidationFailed(
                [FieldError("payer", _("Les deux personnes doivent être membres actives du lieu."))]
            )
    return _transfer(
        actor=actor, place=place, payer=payer, payee=payee, minutes=minutes, label=label
    )


@transaction.atomic
def record_network_time_exchange(
    *, actor: Actor, network: Network, payer: User, payee: User, minutes: int, label: str
) -> TimeTransfer:
    """The network's coordinators record hours given by `payee` to `payer`, two active members
    of its places: `payee` is credited, `payer` debited at the network's bank, within its
    floor."""
    check_actor(actor)
    _allowed(actor, can_manage_network_time_bank(actor, network))
    label = (label or "").strip()
    if not label:
        raise ValidationFailed([FieldError("label", _("Dites quel échange a eu lieu."))])
    if not all(
        person is not None and is_network_member(person, network) for person in (payer, payee)
    ):
        raise ValidationFailed(
            [
                FieldError(
                    "payer",
                    _("Les deux personnes doivent être membres actives d'un lieu du réseau."),
                )
            ]
        )
    return _transfer(
        actor=actor,
        place=None,
        network=network,
        payer=payer,
        payee=payee,
        minutes=minutes,
        label=label,
    )


NETWORK_TIME_BANK_FIELDS = ("enabled", "overdraft_minutes")


@transaction.atomic
def update_network_time_bank(*, actor: Actor, network: Network, **values: Any) -> NetworkTimeBank:
    """The network's coordinators open or close its time bank and choose how far below zero
    a balance may go (`overdraft_minutes`, 0: never)."""
    check_actor(actor)
    _allowed(actor, can_manage_network_time_bank(actor, network))
    unknown = set(values) - set(NETWORK_TIME_BANK_FIELDS)
    if unknown:
        raise TypeError(f"unknown settings {sorted(unknown)}")
    if "overdraft_minutes" in values and (
        not isinstance(values["overdraft_minutes"], int)
        or not 0 <= values["overdraft_minutes"] <= 100 * 60
    ):
        raise ValidationFailed([FieldError("overdraft_minutes", _("Entre 0 et 100 heures."))])
    current, _created = NetworkTimeBank.objects.select_for_update().get_or_create(network=network)
    return _save_settings(actor, current, values, action="network_time_bank.update")
