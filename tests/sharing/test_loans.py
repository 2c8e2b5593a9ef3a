"""Loans: check-out, renewal, return, loss, the waiting list and its holds, late reminders."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from maillage.audit.models import AuditEntry
from maillage.common.actors import SYSTEM
from maillage.common.errors import Conflict, PermissionDenied, ValidationFailed
from maillage.sharing import selectors, services
from maillage.sharing.models import (
    DepositOutcome,
    ItemCondition,
    ItemEvent,
    ItemEventKind,
    Loan,
    LoanState,
    Reservation,
    ReservationState,
)
from tests.accounts.factories import UserFactory
from tests.mail_helpers import send_queued_mail
from tests.members.factories import make_plan
from tests.places.factories import make_place
from tests.sharing.factories import make_item, make_member, set_sharing

pytestmark = pytest.mark.django_db


@pytest.fixture
def library():
    staff = UserFactory(username="equipe")
    place = make_place(name="Outilthèque", staff=[staff])
    world = {
        "place": place,
        "staff": staff,
        "item": make_item(place),
        "ada": make_member(place, username="ada"),
        "bob": make_member(place, username="bob"),
    }
    send_queued_mail()  # the memberships' own emails
    mail.outbox.clear()
    return world


def test_staff_lend_an_item_until_its_loan_period(library):
    loan = services.check_out(actor=library["staff"], item=library["item"], borrower=library["ada"])
    today = timezone.localdate(timezone=library["place"].timezone)
    assert loan.state == LoanState.OUT
    assert loan.due_on == today + timedelta(days=14)
    assert loan.deposit_cents == 5000 and loan.deposit_outcome == DepositOutcome.HELD
    assert AuditEntry.objects.filter(action="loan.create", object_id=str(loan.pk)).exists()
    assert ItemEvent.objects.filter(
        item=library["item"], kind=ItemEventKind.LOAN, loan=loan
    ).exists()


def test_an_item_out_cannot_be_lent_again(library):
    services.check_out(actor=library["staff"], item=library["item"], borrower=library["ada"])
    with pytest.raises(Conflict):
        services.check_out(actor=library["staff"], item=library["item"], borrower=library["bob"])
    assert Loan.objects.filter(item=library["item"]).count() == 1


def test_the_database_refuses_a_second_open_loan(library):
    loan = services.check_out(actor=library["staff"], item=library["item"], borrower=library["ada"])
    with pytest.raises(IntegrityError), transaction.atomic():
        Loan.objects.create(
            place=loan.place,
            item=loan.item,
            borrower=library["bob"],
            state=LoanState.LATE,
            checked_out_at=timezone.now(),
            due_on=loan.due_on,
            condition_out=ItemCondition.GOOD,
        )


def test_self_service_only_where_the_place_allows_it(library):
    with pytest.raises(PermissionDenied):
        services.check_out(actor=library["ada"], item=library["item"])
    set_sharing(library["place"], self_service=True)
    loan = services.check_out(actor=library["ada"], item=library["item"])
    assert loan.borrower == library["ada"] and loan.checked_out_by == library["ada"]


def test_a_member_cannot_borrow_for_someone_else(library):
    set_sharing(library["place"], self_service=True)
    with pytest.raises(PermissionDenied):
        services.check_out(actor=library["ada"], item=library["item"], borrower=library["bob"])


def test_only_the_plans_chosen_may_borrow(library):
    place = library["place"]
    monthly, day = make_plan(place), make_plan(place, name="Journée", price_cents=1000)
    item = make_item(place, name="Scie sauteuse", plans=[monthly])
    from tests.members.factories import make_membership

    with_day = UserFactory()
    make_membership(place, with_day, plan=day)
    with_month = UserFactory()
    make_membership(place, with_month, plan=monthly)
    with pytest.raises(PermissionDenied):
        services.check_out(actor=library["staff"], item=item, borrower=with_day)
    assert services.check_out(actor=library["staff"], item=item, borrower=with_month)


def test_the_plan_limits_how_many_items_one_holds(library):
    place = library["place"]
    plan = make_plan(place)
    services.set_loan_limit(actor=SYSTEM, plan=plan, max_items=1)
    from tests.members.factories import make_membership

    person = UserFactory()
    make_membership(place, person, plan=plan)
    services.check_out(actor=library["staff"], item=library["item"], borrower=person)
    other = make_item(place, name="Ponceuse")
    with pytest.raises(Conflict, match="1 objet"):
        services.check_out(actor=library["staff"], item=other, borrower=person)


def test_strangers_and_members_of_other_places_cannot_borrow(library):
    elsewhere = make_place(name="Ailleurs")
    outsider = make_member(elsewhere)
    with pytest.raises(PermissionDenied):
        services.check_out(actor=library["staff"], item=library["item"], borrower=outsider)


def test_a_broken_or_withdrawn_item_is_not_lent(library):
    services.update_item(actor=SYSTEM, item=library["item"], condition=ItemCondition.BROKEN)
    with pytest.raises(Conflict):
        services.check_out(actor=library["staff"], item=library["item"], borrower=library["ada"])
    services.update_item(
        actor=SYSTEM, item=library["item"], condition=ItemCondition.GOOD, is_active=False
    )
    with pytest.raises(Conflict):
        services.check_out(actor=library["staff"], item=library["item"], borrower=library["ada"])


def test_renewal_extends_the_due_date_unless_someone_waits(library):
    loan = services.check_out(actor=library["staff"], item=library["item"], borrower=library["ada"])
    due = loan.due_on
    services.renew_loan(actor=library["ada"], loan=loan)
    loan.refresh_from_db()
    assert loan.due_on == due + timedelta(days=14) and loan.renewals == 1
    services.reserve_item(actor=library["bob"], item=library["item"])
    with pytest.raises(Conflict, match="attend"):
        services.renew_loan(actor=library["ada"], loan=loan)


def test_renewals_are_limited_by_the_place(library):
    set_sharing(library["place"], max_renewals=1)
    loan = services.check_out(actor=library["staff"], item=library["item"], borrower=library["ada"])
    services.renew_loan(actor=library["ada"], loan=loan)
    with pytest.raises(Conflict):
        services.renew_loan(actor=library["ada"], loan=loan)


def test_others_cannot_renew_someone_elses_loan(library):
    loan = services.check_out(actor=library["staff"], item=library["item"], borrower=library["ada"])
    with pytest.raises(PermissionDenied):
        services.renew_loan(actor=library["bob"], loan=loan)


def test_return_with_condition_and_notes_writes_the_history(library):
    loan = services.check_out(actor=library["staff"], item=library["item"], borrower=library["ada"])
    services.return_item(
        actor=library["staff"],
        loan=loan,
        condition=ItemCondition.WORN,
        notes="Mandrin un peu grippé",
    )
    loan.refresh_from_db()
    item = library["item"]
    item.refresh_from_db()
    assert loan.state == LoanState.RETURNED and loan.returned_at is not None
    assert loan.deposit_outcome == DepositOutcome.RETURNED
    assert item.condition == ItemCondition.WORN
    kinds = list(selectors.item_history(item).values_list("kind", flat=True))
    assert kinds[:2] == [ItemEventKind.RETURN, ItemEventKind.LOAN]


def test_a_damaged_return_needs_a_note_and_may_keep_the_deposit(library):
    loan = services.check_out(actor=library["staff"], item=library["item"], borrower=library["ada"])
    with pytest.raises(ValidationFailed):
        services.return_item(actor=library["staff"], loan=loan, damaged=True)
    services.return_item(
        actor=library["staff"],
        loan=loan,
        damaged=True,
        keep_deposit=True,
        condition=ItemCondition.BROKEN,
        notes="Tombée : carter fendu",
    )
    loan.refresh_from_db()
    assert loan.state == LoanState.DAMAGED and loan.deposit_outcome == DepositOutcome.KEPT


def test_a_lost_item_leaves_the_catalogue_and_tells_those_waiting(library, mailoutbox):
    loan = services.check_out(actor=library["staff"], item=library["item"], borrower=library["ada"])
    services.reserve_item(actor=library["bob"], item=library["item"])
    services.declare_lost(actor=library["staff"], loan=loan, notes="Oubliée sur un chantier")
    send_queued_mail()
    loan.refresh_from_db()
    library["item"].refresh_from_db()
    assert loan.state == LoanState.LOST and loan.deposit_outcome == DepositOutcome.KEPT
    assert not library["item"].is_active
    assert Reservation.objects.get(user=library["bob"]).state == ReservationState.CANCELLED
    assert [m.to for m in mailoutbox] == [[library["bob"].email]]


def test_only_the_staff_take_an_item_back(library):
    loan = services.check_out(actor=library["staff"], item=library["item"], borrower=library["ada"])
    with pytest.raises(PermissionDenied):
        services.return_item(actor=library["ada"], loan=loan)


def test_the_return_holds_the_item_for_the_first_waiting_and_tells_them(library, mailoutbox):
    carol = make_member(library["place"], username="carol")
    send_queued_mail()
    mailoutbox.clear()
    loan = services.check_out(actor=library["staff"], item=library["item"], borrower=library["ada"])
    first = services.reserve_item(actor=library["bob"], item=library["item"])
    services.reserve_item(actor=carol, item=library["item"])
    services.return_item(actor=library["staff"], loan=loan)
    send_queued_mail()
    first.refresh_from_db()
    assert first.state == ReservationState.HELD and first.held_until > timezone.now()
    assert [m.to for m in mailoutbox] == [[library["bob"].email]]
    assert "mis de côté pour vous" in mailoutbox[0].body
    # Held for Bob: Carol cannot take it, Bob can.
    with pytest.raises(Conflict, match="autre personne"):
        services.check_out(actor=library["staff"], item=library["item"], borrower=carol)
    services.check_out(actor=library["staff"], item=library["item"], borrower=library["bob"])
    first.refresh_from_db()
    assert first.state == ReservationState.FULFILLED


def test_an_available_item_is_borrowed_not_reserved(library):
    with pytest.raises(Conflict, match="disponible"):
        services.reserve_item(actor=library["bob"], item=library["item"])


def test_one_waits_once_for_an_item(library):
    services.check_out(actor=library["staff"], item=library["item"], borrower=library["ada"])
    services.reserve_item(actor=library["bob"], item=library["item"])
    with pytest.raises(Conflict):
        services.reserve_item(actor=library["bob"], item=library["item"])
    with pytest.raises(Conflict, match="déjà cet objet"):
        services.reserve_item(actor=library["ada"], item=library["item"])


def test_expired_holds_go_to_the_next_person_once(library, mailoutbox):
    carol = make_member(library["place"], username="carol")
    send_queued_mail()
    mailoutbox.clear()
    loan = services.check_out(actor=library["staff"], item=library["item"], borrower=library["ada"])
    bob_waits = services.reserve_item(actor=library["bob"], item=library["item"])
    carol_waits = services.reserve_item(actor=carol, item=library["item"])
    services.return_item(actor=library["staff"], loan=loan)
    later = timezone.now() + timedelta(hours=49)
    assert services.expire_holds(actor=SYSTEM, now=later) == 1
    assert services.expire_holds(actor=SYSTEM, now=later) == 0
    bob_waits.refresh_from_db()
    carol_waits.refresh_from_db()
    assert bob_waits.state == ReservationState.EXPIRED
    assert carol_waits.state == ReservationState.HELD
    send_queued_mail()
    assert [m.to[0] for m in mailoutbox] == [
        library["bob"].email,
        library["bob"].email,
        carol.email,
    ]


def test_cancelling_a_hold_holds_for_the_next(library):
    carol = make_member(library["place"], username="carol")
    send_queued_mail()
    loan = services.check_out(actor=library["staff"], item=library["item"], borrower=library["ada"])
    bob_waits = services.reserve_item(actor=library["bob"], item=library["item"])
    carol_waits = services.reserve_item(actor=carol, item=library["item"])
    services.return_item(actor=library["staff"], loan=loan)
    services.cancel_reservation(actor=library["bob"], reservation=bob_waits)
    carol_waits.refresh_from_db()
    assert carol_waits.state == ReservationState.HELD
    with pytest.raises(PermissionDenied):
        services.cancel_reservation(actor=library["bob"], reservation=carol_waits)


def test_overdue_loans_are_reminded_once(library, mailoutbox):
    loan = services.check_out(actor=library["staff"], item=library["item"], borrower=library["ada"])
    Loan.objects.filter(pk=loan.pk).update(due_on=timezone.localdate() - timedelta(days=2))
    assert services.send_overdue_reminders(actor=SYSTEM) == 1
    assert services.send_overdue_reminders(actor=SYSTEM) == 0
    loan.refresh_from_db()
    assert loan.state == LoanState.LATE and loan.overdue_reminded_at is not None
    send_queued_mail()
    assert len(mailoutbox) == 1 and "à rendre" in mailoutbox[0].subject
    # A late loan renewed is out again.
    services.renew_loan(actor=library["ada"], loan=loan)
    loan.refresh_from_db()
    assert loan.state == LoanState.OUT and loan.due_on > timezone.localdate()


def test_a_loan_due_today_is_not_late(library):
    loan = services.check_out(actor=library["staff"], item=library["item"], borrower=library["ada"])
    Loan.objects.filter(pk=loan.pk).update(
        due_on=timezone.localdate(timezone=library["place"].timezone)
    )
    assert services.send_overdue_reminders(actor=SYSTEM) == 0


def test_repairs_and_condition_changes_are_in_the_history(library):
    item = library["item"]
    services.update_item(
        actor=library["staff"], item=item, condition=ItemCondition.WORN, note="Usure"
    )
    services.record_repair(
        actor=library["staff"], item=item, note="Charbons changés", condition=ItemCondition.GOOD
    )
    events = list(selectors.item_history(item))
    assert [e.kind for e in events[:2]] == [ItemEventKind.REPAIR, ItemEventKind.CONDITION]
    assert events[0].condition_after == ItemCondition.GOOD
    with pytest.raises(PermissionDenied):
        services.record_repair(actor=library["ada"], item=item, note="x")
