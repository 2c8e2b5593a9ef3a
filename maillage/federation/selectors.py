"""Reads of federation for its pages."""

from django.db.models import QuerySet

from .models import DuplicateCandidate, HarvestJob, Peer


def peers() -> QuerySet[Peer]:
    return Peer.objects.order_by("name", "id")


def recent_harvests(limit: int = 30) -> QuerySet[HarvestJob]:
    return HarvestJob.objects.select_related("peer").order_by("-created_at", "-id")[:limit]


def proposed_duplicates() -> QuerySet[DuplicateCandidate]:
    """The duplicate queue, oldest first, with both places (two joins, no query per row)."""
    return (
        DuplicateCandidate.objects.filter(state=DuplicateCandidate.State.PROPOSED)
        .select_related("local", "harvested__place", "harvested__peer")
        .order_by("created_at", "id")
    )
