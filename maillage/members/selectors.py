"""Reads about members: who belongs to which place, with which plan."""

from django.db.models import QuerySet

from maillage.accounts.rules import is_signed_in
from maillage.places.models import Place

from .models import OPEN_STATUSES, Membership, MembershipStatus


def active_membership(user, place: Place | int) -> Membership | None:
    """`user`'s active membership of `place` (with its plan), or None."""
    if not is_signed_in(user):
        return None
    place_id = place if isinstance(place, int) else place.pk
    return (
        Membership.objects.select_related("plan")
        .filter(user=user, place_id=place_id, status=MembershipStatus.ACTIVE)
        .first()
    )


def is_active_member(user, place: Place | int) -> bool:
    return active_membership(user, place) is not None


def open_membership(user, place: Place) -> Membership | None:
    """The membership linking `user` and `place` now (requested, invited, active, suspended)."""
    if not is_signed_in(user):
        return None
    return Membership.objects.filter(user=user, place=place, status__in=OPEN_STATUSES).first()


def memberships_of(user) -> QuerySet[Membership]:
    """Every membership of `user`, newest first, with their place and plan."""
    if not is_signed_in(user):
        return Membership.objects.none()
    return (
        Membership.objects.filter(user=user)
        .select_related("place", "plan")
        .order_by("-created_at", "-pk")
    )


def active_place_ids(user) -> set[int]:
    """The ids of the places where `user` is an active member (one query)."""
    if not is_signed_in(user):
        return set()
    return set(
        Membership.objects.filter(user=user, status=MembershipStatus.ACTIVE).values_list(
            "place_id", flat=True
        )
    )


def members_of(place: Place, *, status: str = MembershipStatus.ACTIVE) -> QuerySet[Membership]:
    """A place's memberships in `status`, with the person and the plan, by name."""
    return (
        Membership.objects.filter(place=place, status=status)
        .select_related("user", "plan")
        .order_by("user__username", "pk")
    )
