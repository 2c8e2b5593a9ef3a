"""The governance demo: deterministic, idempotent, and what the issue's "done when" walks."""

import pytest
from django.core.management import call_command

from maillage.common.actors import SYSTEM
from maillage.devtools.demo_governance import (
    DEMO_MEMBER,
    DESKS_TITLE,
    MJ_TITLE,
    load_demo_governance,
)
from maillage.governance import exports, services
from maillage.governance.models import Ballot, Vote
from tests.places.factories import make_place

pytestmark = pytest.mark.django_db


def test_nothing_without_the_demo_places():
    assert load_demo_governance() is None


def test_the_demo_is_idempotent_and_the_demo_member_can_vote_then_check_the_receipt():
    anchor = make_place(name="Le Fablab de Pau", source="demo", source_id="pau-1")
    make_place(name="Plus loin", source="demo", source_id="pau-2", latitude=43.31)
    assert load_demo_governance().created == 4
    # The anchor is the demo place nearest Pau, where demo-membre is a member.
    assert Vote.objects.get(title=MJ_TITLE).body.place == anchor
    counts = (Vote.objects.count(), Ballot.objects.count())
    assert load_demo_governance().created == 0
    assert (Vote.objects.count(), Ballot.objects.count()) == counts
    closed = Vote.objects.filter(status="closed")
    assert closed.count() == 3
    assert all(exports.verify(vote) is None for vote in closed)
    consent = closed.get(method="consent")
    assert consent.results["adopted"] and consent.results["reasons"][0]["position"] == "object"
    desks = closed.get(title=DESKS_TITLE)
    assert {line["voter"] for line in desks.results["assignment"]} >= {"demo-camille"}
    budget = closed.get(method="budget")
    assert budget.results["greedy"]["selected"] and budget.results["equal_shares"]["selected"]

    from maillage.accounts.models import User

    member = User.objects.get(username=DEMO_MEMBER)
    vote = Vote.objects.get(title=MJ_TITLE)
    _ballot, code, _created = services.submit_ballot(
        actor=member, vote=vote, content={"grades": [6, 5, 1, 2]}
    )
    services.close_vote(actor=SYSTEM, vote=vote)
    vote.refresh_from_db()
    assert services.check_receipt(vote, code) is not None
    assert len(vote.results["options"][0]["profile"]) == 7
    call_command("verify_vote", str(vote.pk))
