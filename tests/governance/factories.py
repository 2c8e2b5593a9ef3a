"""Decision bodies and votes, created through the governance services like every other writer."""

import random
from datetime import timedelta

from django.utils import timezone

from maillage.common.actors import SYSTEM
from maillage.governance import chain, services
from maillage.governance.models import Ballot, BodyKind
from tests.accounts.factories import UserFactory
from tests.members.factories import make_membership
from tests.places.factories import make_place


def make_body(place=None, *, members=0, name="Assemblée générale", **overrides):
    """A body of a place's members, with `members` new active members; (body, [users])."""
    place = place or make_place()
    body = services.create_body(
        actor=SYSTEM, name=name, kind=BodyKind.PLACE_MEMBERS, place=place, **overrides
    )
    users = [UserFactory() for _ in range(members)]
    for user in users:
        make_membership(place, user)
    return body, users


def make_vote(body, *, method="majority_judgement", options=("A", "B", "C"), open=True, **kw):
    kw.setdefault("closes_at", timezone.now() + timedelta(days=7))
    vote = services.create_vote(
        actor=SYSTEM, body=body, title=f"Vote {method}", method=method, options=list(options), **kw
    )
    if open:
        services.open_vote(actor=SYSTEM, vote=vote)
    return vote


def make_stored_ballots(count, *, colleges=False, seed=10):
    """An open vote of `count` ballots written directly (no voters: the chain is the subject)."""
    body, _users = make_body(members=2)
    made = []
    if colleges:
        made = services.set_colleges(
            actor=SYSTEM, body=body, colleges=[("A", 50), ("B", 30), ("C", 20)]
        )
    vote = make_vote(body)
    draw = random.Random(seed)
    ballots = []
    for n in range(count):
        content = {"grades": [draw.randrange(7) for _ in range(3)]}
        nonce = f"test-{seed}-{n}"
        ballots.append(
            Ballot(
                vote=vote,
                content=content,
                college=made[n % len(made)] if made else None,
                receipt_hash=chain.receipt_hash(vote.pk, content, nonce),
                key_hash=chain.key_hash(vote.pk, nonce),
            )
        )
    Ballot.objects.bulk_create(ballots)
    return vote
