"""Reads of federation for its pages."""

from django.db.models import Count, Q, QuerySet

from .models import DuplicateCandidate, HarvestJob, Peer, WebhookDelivery, WebhookSubscription


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


def webhook_subscriptions() -> QuerySet[WebhookSubscription]:
    """Subscriptions with their delivery counts by state (one grouped query)."""
    state = WebhookDelivery.State
    return WebhookSubscription.objects.annotate(
        delivered=Count("deliveries", filter=Q(deliveries__state=state.DELIVERED)),
        pending=Count("deliveries", filter=Q(deliveries__state=state.PENDING)),
        failed=Count("deliveries", filter=Q(deliveries__state=state.FAILED)),
    ).order_by("-active", "url", "id")


def recent_deliveries(limit: int = 30) -> QuerySet[WebhookDelivery]:
    return WebhookDelivery.objects.select_related("subscription").order_by("-id")[:limit]
