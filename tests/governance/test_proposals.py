"""Proposals along their lifecycle, bodies of networks and named lists, and who may do what."""

from datetime import date

import pytest

from maillage.common.actors import SYSTEM
from maillage.common.errors import Conflict, PermissionDenied, ValidationFailed
from maillage.governance import rules, services
from maillage.governance.models import BodyKind, Elector
from maillage.places.models import Network
from tests.accounts.factories import UserFactory
from tests.governance.factories import make_body, make_vote
from tests.members.factories import make_membership, make_plan
from tests.places.factories import make_place

pytestmark = pytest.mark.django_db


def test_a_proposal_goes_from_draft_to_adopted_with_its_decision_and_follow_ups():
    body, (ada, _bob) = make_body(members=2)
    proposal = services.create_proposal(actor=ada, body=body, title="Horaires", text="Samedi")
    services.open_discussion(actor=ada, proposal=proposal)
    services.revise_proposal(actor=ada, proposal=proposal, title="Horaires", text="Samedi matin")
    assert [r.text for r in proposal.revisions.order_by("number")] == ["Samedi", "Samedi matin"]
    vote = make_vote(body, method="single", options=["Pour", "Contre"], proposal=proposal)
    proposal.refresh_from_db()
    assert proposal.status == "vote"
    services.close_vote(actor=SYSTEM, vote=vote)
    services.decide_proposal(
        actor=SYSTEM, proposal=proposal, adopted=True, decision_text="Ouvert le samedi matin."
    )
    services.add_follow_up(
        actor=SYSTEM, proposal=proposal, text="Roulement fait", done_on=date(2027, 1, 9)
    )
    assert proposal.status == "adopted" and proposal.follow_ups.count() == 1
    with pytest.raises(PermissionDenied):
        services.revise_proposal(actor=ada, proposal=proposal, title="x", text="y")


def test_only_the_author_or_an_operator_revises_or_withdraws():
    body, (ada, bob) = make_body(members=2)
    proposal = services.create_proposal(actor=ada, body=body, title="T", text="x")
    with pytest.raises(PermissionDenied):
        services.revise_proposal(actor=bob, proposal=proposal, title="T", text="mine")
    with pytest.raises(PermissionDenied):
        services.withdraw_proposal(actor=bob, proposal=proposal)
    services.withdraw_proposal(actor=ada, proposal=proposal)
    with pytest.raises(PermissionDenied):  # a withdrawn proposal is not revised any more
        services.open_discussion(actor=ada, proposal=proposal)
    with pytest.raises(Conflict):
        services.withdraw_proposal(actor=ada, proposal=proposal)


def test_a_stranger_may_not_propose_and_a_follow_up_needs_an_adopted_decision():
    body, (ada,) = make_body(members=1)
    with pytest.raises(PermissionDenied):
        services.create_proposal(actor=UserFactory(), body=body, title="T", text="x")
    proposal = services.create_proposal(actor=ada, body=body, title="T", text="x")
    with pytest.raises(Conflict):
        services.add_follow_up(
            actor=SYSTEM, proposal=proposal, text="fait", done_on=date(2027, 1, 1)
        )


def test_a_body_of_some_plans_gives_a_vote_to_their_holders_only():
    place = make_place()
    monthly, daily = (
        make_plan(place),
        make_plan(place, name="Journée", period="day", price_cents=1500),
    )
    holder, other = UserFactory(), UserFactory()
    make_membership(place, holder, plan=monthly)
    make_membership(place, other, plan=daily)
    body, _ = make_body(place, plans=[monthly])
    assert rules.is_body_member(holder, body) and not rules.is_body_member(other, body)
    assert list(rules.bodies_where(other)) == []
    vote = make_vote(body)
    assert list(Elector.objects.filter(vote=vote).values_list("user_id", flat=True)) == [holder.pk]


def test_a_network_body_has_one_representative_per_place():
    first, second = make_place(name="Un"), make_place(name="Deux")
    network = Network.objects.create(name="Réseau", slug="reseau")
    network.places.set([first, second])
    body = services.create_body(
        actor=SYSTEM, name="Conseil", kind=BodyKind.NETWORK_PLACES, network=network
    )
    ada, bob, cy = UserFactory(), UserFactory(), UserFactory()
    services.add_body_member(actor=SYSTEM, body=body, user=ada, place=first)
    services.add_body_member(actor=SYSTEM, body=body, user=bob, place=second)
    with pytest.raises(Conflict):
        services.add_body_member(actor=SYSTEM, body=body, user=cy, place=first)
    with pytest.raises(ValidationFailed):
        services.add_body_member(actor=SYSTEM, body=body, user=cy, place=make_place(name="Hors"))
    vote = make_vote(body)
    assert Elector.objects.filter(vote=vote).count() == 2


def test_a_named_list_votes_and_its_place_staff_run_it():
    staff = UserFactory()
    place = make_place(staff=[staff])
    body = services.create_body(actor=staff, name="Bureau", kind=BodyKind.NAMED_LIST, place=place)
    member = UserFactory()
    services.add_body_member(actor=staff, body=body, user=member)
    assert rules.can_view_body(member, body) and not rules.can_manage_body(member, body)
    with pytest.raises(PermissionDenied):
        services.create_body(actor=member, name="Autre", kind=BodyKind.NAMED_LIST, place=place)
