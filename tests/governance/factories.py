"""Decision bodies and votes, created through the governance services like every other writer."""

from datetime import timedelta

from django.utils import timezone

from maillage.common.actors import SYSTEM
from maillage.governance import services
from maillage.governance.models import BodyKind
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
