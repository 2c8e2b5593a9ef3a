"""The sharing demo: a tool library at the demo place nearest Pau, a loan with someone waiting,
offers and needs and the time bank; deterministic and idempotent."""

import pytest

from maillage.accounts.models import User
from maillage.audit.models import AuditEntry
from maillage.devtools.demo import load_demo_places
from maillage.devtools.demo_members import demo_places
from maillage.devtools.demo_sharing import DEMO_MEMBER, DRILL, load_demo_sharing
from maillage.sharing import selectors
from maillage.sharing.models import Item, Loan, Post, PostState, Reservation, TimeTransfer
from maillage.sharing.rules import can_self_checkout
from maillage.territories.services import load_territories

pytestmark = pytest.mark.django_db


def counts():
    return tuple(
        model.objects.count()
        for model in (Item, Loan, Reservation, Post, TimeTransfer, AuditEntry, User)
    )


def test_the_sharing_demo_is_complete_and_idempotent():
    load_territories()
    load_demo_places()
    report = load_demo_sharing()
    place = demo_places()[0]
    assert report.items_created == Item.objects.filter(place=place).count() >= 10
    assert len({item.category for item in Item.objects.filter(place=place)}) == 8
    drill = selectors.catalogue(place, viewer=None, query="perceuse").get()
    assert drill.name == DRILL and selectors.is_available(drill)
    assert can_self_checkout(User.objects.get(username=DEMO_MEMBER), drill)
    assert Loan.objects.filter(state="out").count() == 1
    assert Reservation.objects.filter(state="waiting").count() == 1
    assert Post.objects.filter(state=PostState.OPEN).count() == 3
    assert Post.objects.filter(state=PostState.FULFILLED).count() == 1
    assert TimeTransfer.objects.count() == 1 and selectors.total_balance_minutes() == 0
    before = counts()
    assert load_demo_sharing().items_created == 0
    assert counts() == before
