"""Reads about members: who belongs to which place, with which plan."""

from datetime import date

from django.db.models import Count, QuerySet
from django.utils.translation import gettext_lazy as _

from maillage.accounts.rules import is_signed_in
from maillage.places.models import Place

from .models import OPEN_STATUSES, Charge, Membership, MembershipStatus


def active_membership(user, place: Place | int) -> Membership | None:
    """`user`'s active membership of `place` (with its plan), or None."""
    if not is_signed_in(user):
        return None
    place_id = place if isinstance(place, int) else place.pk
    # `get`: one open membership at most per person and place (`membership_one_open_per_person`),
    # and no ORDER BY, which `first` takes from the model's ordering (a join to the place).
    try:
        return Membership.objects.select_related("plan").get(
            user=user, place_id=place_id, status=MembershipStatus.ACTIVE
        )
    except Membership.DoesNotExist:
        return None


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


def public_name(user) -> str:
    """The name a person shows to others: their name, else a username that is not an address."""
    if user is None:
        return ""
    full = user.get_full_name().strip()
    if full:
        return full
    return "" if "@" in user.username else user.username


def place_memberships(place: Place, *, status: str | None = None) -> QuerySet[Membership]:
    """A place's memberships (all, or in `status`), with the person and plan: one query."""
    memberships = Membership.objects.filter(place=place).select_related("user", "plan")
    if status:
        memberships = memberships.filter(status=status)
    return memberships.order_by("status", "user__first_name", "user__username", "pk")


def status_counts(place: Place) -> dict[str, int]:
    rows = Membership.objects.filter(place=place).values("status").annotate(count=Count("pk"))
    return {row["status"]: row["count"] for row in rows}


def directory(place: Place) -> list[dict[str, str]]:
    """The place's member directory: active members who agreed to appear, and only what each
    agreed to show (their public name, their email if they said so, their presentation)."""
    rows = (
        Membership.objects.filter(
            place=place, status=MembershipStatus.ACTIVE, in_directory=True, user__isnull=False
        )
        .select_related("user")
        .order_by("user__first_name", "user__username", "pk")
    )
    return [
        {
            "name": public_name(membership.user) or str(_("Membre")),
            "email": membership.user.email if membership.show_email else "",
            "presentation": membership.presentation,
        }
        for membership in rows
        if membership.user is not None
    ]


def charges_of(place: Place, month_start: date) -> QuerySet[Charge]:
    """The charges of `place` for the month starting `month_start`, with their member."""
    return (
        Charge.objects.filter(place=place, period_start=month_start)
        .select_related("membership__user")
        .order_by("plan_name", "membership__user__username", "pk")
    )


def euros(cents: int) -> str:
    """12345 → "123.45": the statement's amounts, exact (integer arithmetic, no float)."""
    return f"{cents // 100}.{cents % 100:02d}"


STATEMENT_HEADER = ("member", "plan", "period", "amount_eur", "reference")


def _statement_member(user) -> str:
    """Who owes: the person's name, else their address (the place's staff see both)."""
    if user is None:
        return str(_("membre effacé·e"))
    return public_name(user) or user.email


def statement_rows(place: Place, month_start: date) -> list[list[str]]:
    """One row per charge of the month: the rows of the CSV statement."""
    return [
        [
            _statement_member(charge.membership.user),
            charge.plan_name,
            f"{charge.period_start.isoformat()}/{charge.period_end.isoformat()}",
            euros(charge.amount_cents),
            charge.reference,
        ]
        for charge in charges_of(place, month_start)
    ]
