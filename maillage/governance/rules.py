"""Permission predicates about decision bodies, proposals and votes, each stating one policy.

| right                                             | body member¹ | operator²    | anyone        |
|---------------------------------------------------|--------------|--------------|---------------|
| see the body, its proposals, votes and comments   | yes          | yes          | no            |
| write a proposal, comment, follow                 | yes          | yes          | no            |
| revise a proposal in discussion                   | its author   | yes          | no            |
| create bodies and votes, move proposals and votes | no           | yes          | no            |
| vote                                              | an elector³  | an elector³  | no            |
| see results and anonymised ballots                | after close⁴ | after close⁴ | public, closed |

¹ now: an active member of the place (holding one of the body's plans, if it names any), or a
person of the body's list (a network place's representative, a board member).
² the place's staff and managers (`places.rules.can_run_place`); for a network's body, its
coordinators; instance administrators everywhere.
³ recorded in the vote's electorate when it opened.
⁴ or while it is open, when the vote does not hide its results.
"""

from django.db.models import Q, QuerySet

from maillage.accounts.rules import is_instance_admin, is_signed_in
from maillage.members.models import Membership, MembershipStatus
from maillage.places.rules import can_run_place, places_where

from .models import BodyKind, DecisionBody, Proposal, ProposalStatus, Vote, VoteStatus


def is_body_member(user, body: DecisionBody) -> bool:
    """`user` belongs to `body` now (not to be confused with a vote's frozen electorate)."""
    if not is_signed_in(user):
        return False
    if body.kind == BodyKind.PLACE_MEMBERS:
        memberships = Membership.objects.filter(
            user=user, place=body.place, status=MembershipStatus.ACTIVE
        )
        plan_ids = [plan.pk for plan in body.plans.all()]
        if plan_ids:
            memberships = memberships.filter(plan_id__in=plan_ids)
        return memberships.exists()
    return body.body_members.filter(user=user).exists()


def can_manage_body(user, body: DecisionBody) -> bool:
    """A body is run by its place's operators, or its network's coordinators."""
    if is_instance_admin(user):
        return True
    if not is_signed_in(user):
        return False
    if body.place_id is not None:
        return can_run_place(user, body.place)  # type: ignore[arg-type]
    return body.network is not None and body.network.coordinators.filter(pk=user.pk).exists()


def can_view_body(user, body: DecisionBody) -> bool:
    return can_manage_body(user, body) or is_body_member(user, body)


def can_take_part(user, body: DecisionBody) -> bool:
    """Write proposals, comment and follow: the body's members and operators."""
    return can_view_body(user, body)


def can_revise_proposal(user, proposal: Proposal) -> bool:
    if proposal.status not in (ProposalStatus.DRAFT, ProposalStatus.DISCUSSION):
        return False
    is_author = is_signed_in(user) and proposal.author_id == user.pk
    return (is_author and is_body_member(user, proposal.body)) or can_manage_body(
        user, proposal.body
    )


def can_vote(user, vote: Vote) -> bool:
    """Those in the electorate frozen at the opening, while the vote is open."""
    return (
        is_signed_in(user)
        and vote.status == VoteStatus.OPEN
        and vote.electors.filter(user=user).exists()
    )


def can_view_vote(user, vote: Vote) -> bool:
    if vote.results_public and vote.status == VoteStatus.CLOSED:
        return True
    # The electorate first: one query answers for a voter (the body's rules take several).
    return (is_signed_in(user) and vote.electors.filter(user=user).exists()) or can_view_body(
        user, vote.body
    )


def can_see_results(user, vote: Vote) -> bool:
    """Results (and the anonymised ballots) once closed; before, if the vote shows them live."""
    if vote.status == VoteStatus.CLOSED:
        return can_view_vote(user, vote)
    if vote.status == VoteStatus.OPEN and not vote.results_hidden:
        return can_view_vote(user, vote)
    return False


def bodies_where(user) -> QuerySet[DecisionBody]:
    """The bodies `user` may see: those they belong to or run."""
    if is_instance_admin(user):
        return DecisionBody.objects.all()
    if not is_signed_in(user):
        return DecisionBody.objects.none()
    active = Membership.objects.filter(user=user, status=MembershipStatus.ACTIVE)
    member_of_place = Q(kind=BodyKind.PLACE_MEMBERS, place__in=active.values("place_id")) & (
        Q(plans__isnull=True) | Q(plans__in=active.values("plan_id"))
    )
    listed = Q(body_members__user=user)
    operated = Q(place__in=places_where(user, can="run")) | Q(network__coordinators=user)
    ids = DecisionBody.objects.filter(member_of_place | listed | operated).values("pk")
    return DecisionBody.objects.filter(pk__in=ids)


def votes_where(user) -> QuerySet[Vote]:
    """The votes `user` may see: their bodies', those they are an elector of, and the closed
    votes whose results are public (the only ones anonymous people see)."""
    public = Q(results_public=True, status=VoteStatus.CLOSED)
    if is_instance_admin(user):
        return Vote.objects.all()
    if not is_signed_in(user):
        return Vote.objects.filter(public)
    ids = Vote.objects.filter(
        public | Q(body__in=bodies_where(user)) | Q(electors__user=user)
    ).values("pk")
    return Vote.objects.filter(pk__in=ids)
