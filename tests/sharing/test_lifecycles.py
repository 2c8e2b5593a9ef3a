"""Every lifecycle of sharing is an explicit table: each move it does not list is refused."""

import pytest

from maillage.common.actors import SYSTEM
from maillage.common.errors import Conflict
from maillage.common.lifecycle import IllegalTransition, move_state
from maillage.sharing import services
from maillage.sharing.models import Loan, LoanState, Post, PostState, Reservation, ReservationState
from tests.accounts.factories import UserFactory
from tests.places.factories import make_place
from tests.sharing.factories import make_item, make_member, make_post

pytestmark = pytest.mark.django_db


def illegal_moves(model):
    return [
        (source, target)
        for source in model.TRANSITIONS
        for target in model.State.values
        if target not in model.TRANSITIONS[source]
    ]


@pytest.fixture
def world():
    staff = UserFactory()
    place = make_place(staff=[staff])
    return {"place": place, "staff": staff, "ada": make_member(place), "bob": make_member(place)}


def _loan_in(world, state):
    item = make_item(world["place"], name=f"Objet {state}")
    loan = services.check_out(actor=SYSTEM, item=item, borrower=world["ada"])
    if state != LoanState.OUT:
        Loan.objects.filter(pk=loan.pk).update(
            state=state, returned_at=None if state == LoanState.LATE else loan.checked_out_at
        )
        loan.refresh_from_db()
    return loan


@pytest.mark.parametrize(("source", "target"), illegal_moves(Loan))
def test_illegal_loan_moves_are_refused(world, source, target):
    loan = _loan_in(world, source)
    with pytest.raises(IllegalTransition):
        move_state(loan, target)
    loan.refresh_from_db()
    assert loan.state == source


@pytest.mark.parametrize("state", [LoanState.RETURNED, LoanState.DAMAGED, LoanState.LOST])
def test_closed_loans_cannot_be_returned_renewed_or_lost_again(world, state):
    loan = _loan_in(world, state)
    with pytest.raises(Conflict):
        services.return_item(actor=SYSTEM, loan=loan)
    with pytest.raises(Conflict):
        services.renew_loan(actor=SYSTEM, loan=loan)
    with pytest.raises(Conflict):
        services.declare_lost(actor=SYSTEM, loan=loan, notes="encore")


def _reservation_in(world, state):
    item = make_item(world["place"], name=f"Réservé {state}")
    services.check_out(actor=SYSTEM, item=item, borrower=world["ada"])
    reservation = services.reserve_item(actor=world["bob"], item=item)
    Reservation.objects.filter(pk=reservation.pk).update(
        state=state, held_until=reservation.created_at if state == ReservationState.HELD else None
    )
    reservation.refresh_from_db()
    return reservation


@pytest.mark.parametrize(("source", "target"), illegal_moves(Reservation))
def test_illegal_reservation_moves_are_refused(world, source, target):
    reservation = _reservation_in(world, source)
    with pytest.raises(IllegalTransition):
        move_state(reservation, target)


@pytest.mark.parametrize(
    "state", [ReservationState.FULFILLED, ReservationState.CANCELLED, ReservationState.EXPIRED]
)
def test_a_finished_reservation_cannot_be_cancelled(world, state):
    reservation = _reservation_in(world, state)
    with pytest.raises(Conflict):
        services.cancel_reservation(actor=world["bob"], reservation=reservation)


def _post_in(world, state):
    post = make_post(world["ada"], place=world["place"])
    if state != PostState.OPEN:
        Post.objects.filter(pk=post.pk).update(state=state, hidden_reason="motif")
        post.refresh_from_db()
    return post


@pytest.mark.parametrize(("source", "target"), illegal_moves(Post))
def test_illegal_post_moves_are_refused(world, source, target):
    post = _post_in(world, source)
    with pytest.raises(IllegalTransition):
        move_state(post, target)


@pytest.mark.parametrize("state", [PostState.FULFILLED, PostState.WITHDRAWN, PostState.EXPIRED])
def test_a_closed_post_cannot_be_fulfilled_withdrawn_or_hidden(world, state):
    post = _post_in(world, state)
    with pytest.raises(Conflict):
        services.fulfil_post(actor=world["ada"], post=post)
    with pytest.raises(Conflict):
        services.withdraw_post(actor=world["ada"], post=post)
    with pytest.raises(Conflict):
        services.hide_post(actor=SYSTEM, post=post, reason="spam")


def test_a_hidden_post_is_restored_not_fulfilled(world):
    post = _post_in(world, PostState.HIDDEN)
    with pytest.raises(Conflict):
        services.fulfil_post(actor=world["ada"], post=post)
    services.restore_post(actor=world["staff"], post=post)
    assert post.state == PostState.OPEN
    with pytest.raises(Conflict):
        services.restore_post(actor=world["staff"], post=post)
