"""The section governance adds to a place's staff dashboard (registry `members.dashboard`,
order 50, from `GovernanceConfig.ready()`): the place's open and prepared votes, with links to
its bodies and its governance page. Two queries."""

from django.db.models import Count, Q
from django.http import HttpRequest

from maillage.members import dashboard
from maillage.places.models import Place

from .models import DecisionBody, Vote, VoteStatus


def governance_context(request: HttpRequest, place: Place) -> dict:
    counts = DecisionBody.objects.filter(place=place).aggregate(
        bodies=Count("pk", distinct=True),
        drafts=Count("votes", filter=Q(votes__status=VoteStatus.DRAFT), distinct=True),
    )
    open_votes = list(
        Vote.objects.filter(body__place=place, status=VoteStatus.OPEN)
        .annotate(
            elector_count=Count("electors", distinct=True),
            voter_count=Count("participations", distinct=True),
        )
        .order_by("closes_at", "pk")[:10]
    )
    return {"counts": counts, "open_votes": open_votes}


def register() -> None:
    dashboard.register_section(
        "gouvernance",
        template="governance/dashboard/_governance.html",
        context=governance_context,
        order=50,
    )
