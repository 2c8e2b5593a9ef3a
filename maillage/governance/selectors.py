"""Reads about governance: a body's electorate now, a place's or network's governance page."""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, QuerySet, TextField
from django.db.models.functions import Cast

from maillage.accounts.rules import is_signed_in
from maillage.members.models import MembershipStatus
from maillage.members.selectors import members_of

from .models import (
    Ballot,
    BodyKind,
    DecisionBody,
    Elector,
    Participation,
    Proposal,
    ProposalStatus,
    Vote,
    VoteStatus,
)
from .rules import bodies_where


@dataclass(frozen=True)
class Voter:
    user_id: int
    college_id: int | None
    place_id: int | None


def electorate(body: DecisionBody) -> list[Voter]:
    """Who may vote in `body` now. With colleges, only the people assigned to a college."""
    assigned = {row.user_id: row for row in body.body_members.all()}
    has_colleges = body.colleges.exists()
    voters: list[Voter] = []
    if body.kind == BodyKind.PLACE_MEMBERS:
        memberships = members_of(body.place, status=MembershipStatus.ACTIVE)  # type: ignore[arg-type]
        plan_ids = [plan.pk for plan in body.plans.all()]
        if plan_ids:
            memberships = memberships.filter(plan_id__in=plan_ids)
        for user_id in memberships.exclude(user=None).values_list("user_id", flat=True):
            row = assigned.get(user_id)
            college_id = row.college_id if row else None
            if has_colleges and college_id is None:
                continue
            voters.append(Voter(user_id, college_id, body.place_id))
        return voters
    for row in assigned.values():
        if has_colleges and row.college_id is None:
            continue
        voters.append(Voter(row.user_id, row.college_id, row.place_id))
    return sorted(voters, key=lambda voter: voter.user_id)


def as_stored_text(ballots: QuerySet[Ballot]) -> QuerySet[Ballot]:
    """`ballots` with `content_text` and `id_text`, their content's JSON and their id as the
    database gives them as text, to be decoded by the reader (`chain.StoredContents`): the
    ORM's converters (JSON, UUID), run on each value of each row, took most of the time of
    reading 100,000 ballots."""
    return ballots.annotate(
        content_text=Cast("content", TextField()), id_text=Cast("id", TextField())
    )


def ballot_chunks(
    ballots: QuerySet[Ballot], *columns: str, key: str, size: int
) -> Iterator[list[tuple[Any, ...]]]:
    """`ballots` as plain rows (`key`, then `columns`) in `key` order, by chunks of `size`: each
    chunk one query starting after the last key read. `key` is unique among `ballots` and
    indexed (`receipt_hash`: `ballot_vote_receipt`; `position`: `ballot_position_unique`), so
    no cursor stays open on rows being written and memory holds one chunk of model-free
    tuples; a chunk reads only its rows when the database's statistics know the key (see
    `sealed_ballot_chunks` for when they do not). The close and the verification read so."""
    ordered = ballots.order_by(key).values_list(key, *columns)
    chunk = list(ordered[:size])  # no lower bound: any stored key, however odd, is read
    while chunk:
        yield chunk
        if len(chunk) < size:
            return
        chunk = list(ordered.filter(**{f"{key}__gt": chunk[-1][0]})[:size])


def sealed_ballot_chunks(
    ballots: QuerySet[Ballot], *columns: str, count: int, size: int
) -> Iterator[list[tuple[Any, ...]]]:
    """The sealed `ballots` as plain rows (position, then `columns`) in position order, by
    chunks of `size` positions up to `count` (the sealed ballots' positions are 1…count), then
    any past it by `ballot_chunks`. Each chunk is a range of positions, so it reads no more
    rows than it keeps whatever plan the database picks: right after a close, PostgreSQL's
    statistics still say that no ballot has a position, and a chunk that sorted every position
    after the last one read took the verification of 100,000 ballots from 2 s to 6 s."""
    ordered = ballots.filter(position__isnull=False).order_by("position")
    rows = ordered.values_list("position", *columns)
    low = None  # no lower bound for the first chunk: any stored position, however odd, is read
    for high in range(size, count + size, size):
        bounded = rows.filter(position__lte=high)
        chunk = list(bounded if low is None else bounded.filter(position__gt=low))
        if chunk:
            yield chunk
        low = high
    rest = ordered if low is None else ordered.filter(position__gt=low)
    yield from ballot_chunks(rest, *columns, key="position", size=size)


def with_my_participation(votes: QuerySet[Vote], user) -> QuerySet[Vote]:
    """`votes` annotated with `i_am_elector`, `i_voted` and their electors' and voters' counts."""
    if is_signed_in(user):
        mine = Elector.objects.filter(vote=OuterRef("pk"), user=user)
        voted = Participation.objects.filter(vote=OuterRef("pk"), elector__user=user)
        votes = votes.annotate(i_am_elector=Exists(mine), i_voted=Exists(voted))
    return votes.annotate(
        elector_count=Count("electors", distinct=True),
        voter_count=Count("participations", distinct=True),
    )


@dataclass
class Overview:
    waiting: list[Vote]
    open_votes: list[Vote]
    in_discussion: list[Proposal]
    decisions: list[Proposal]
    closed_votes: list[Vote]
    bodies: list[DecisionBody]


def overview(user, *, place=None, network=None) -> Overview:
    """The governance page of a place or a network, as `user` sees it: the open votes waiting
    for their ballot first, then the other open votes, proposals in discussion, decisions."""
    bodies = bodies_where(user).filter(place=place) if place else bodies_where(user)
    if network is not None:
        bodies = bodies_where(user).filter(network=network)
    votes = with_my_participation(Vote.objects.filter(body__in=bodies).select_related("body"), user)
    open_votes = list(votes.filter(status=VoteStatus.OPEN).order_by("closes_at", "pk"))
    waiting = [
        vote
        for vote in open_votes
        if getattr(vote, "i_am_elector", False) and not getattr(vote, "i_voted", False)
    ]
    others = [vote for vote in open_votes if vote not in waiting]
    proposals = Proposal.objects.filter(body__in=bodies).select_related("body", "author")
    return Overview(
        waiting=waiting,
        open_votes=others,
        in_discussion=list(
            proposals.filter(status__in=[ProposalStatus.DISCUSSION, ProposalStatus.VOTE])
        ),
        decisions=list(
            proposals.filter(status=ProposalStatus.ADOPTED).order_by("-decided_at", "-pk")[:20]
        ),
        closed_votes=list(votes.filter(status=VoteStatus.CLOSED).order_by("-closed_at")[:20]),
        bodies=list(bodies.order_by("name", "pk")),
    )
