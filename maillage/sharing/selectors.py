"""Reads about sharing: the catalogue with availability, loans, posts, time balances.

The catalogue is one annotated query (plus the count of its page): whether each item is out,
held, its due date and how many wait, whatever the number of items.
"""

from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from maillage.accounts.rules import is_instance_admin, is_signed_in
from maillage.common.text import fold
from maillage.members.selectors import active_place_ids
from maillage.places.models import Network, Place
from maillage.places.rules import places_where

from .models import (
    ACTIVE_RESERVATION_STATES,
    OPEN_LOAN_STATES,
    Conversation,
    Item,
    ItemCondition,
    ItemEvent,
    Loan,
    Post,
    PostState,
    Reservation,
    ReservationState,
    SharingSettings,
    TimeAccount,
    TimeTransfer,
)


def with_availability(items: QuerySet[Item]) -> QuerySet[Item]:
    """Annotate `is_out`, `is_held`, `due_on`, `waiting` and `is_available` on each item."""
    open_loans = Loan.objects.filter(item=OuterRef("pk"), state__in=OPEN_LOAN_STATES)
    held = Reservation.objects.filter(item=OuterRef("pk"), state=ReservationState.HELD)
    waiting = (
        Reservation.objects.filter(item=OuterRef("pk"), state=ReservationState.WAITING)
        .order_by()
        .values("item")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return items.annotate(
        is_out=Exists(open_loans),
        is_held=Exists(held),
        due_on=Subquery(open_loans.values("due_on")[:1]),
        waiting=Coalesce(Subquery(waiting, output_field=IntegerField()), Value(0)),
    )


def is_available(item: Item) -> bool:
    """From an item annotated by `with_availability`."""
    return (
        item.is_active
        and item.condition != ItemCondition.BROKEN
        and not item.is_out  # type: ignore[attr-defined]
        and not item.is_held  # type: ignore[attr-defined]
    )


def catalogue_places(viewer) -> QuerySet[Place]:
    """The places whose catalogue `viewer` may read: public ones, and those where they are an
    active member or an operator."""
    private = SharingSettings.objects.filter(catalogue_public=False).values("place_id")
    visible = ~Q(pk__in=private)
    if is_signed_in(viewer):
        visible |= Q(pk__in=list(active_place_ids(viewer)))
        visible |= Q(pk__in=places_where(viewer, can="run").values("pk"))
    return Place.objects.filter(visible)


def catalogue(
    place: Place | None,
    *,
    viewer,
    query: str = "",
    category: str = "",
    available_only: bool = False,
    include_withdrawn: bool = False,
) -> QuerySet[Item]:
    """The items `viewer` may see (of `place`, or of every place whose catalogue they read),
    searched by name, with their availability, by name."""
    items = Item.objects.filter(place__in=catalogue_places(viewer))
    if place is not None:
        items = items.filter(place=place)
    if not include_withdrawn:
        items = items.filter(is_active=True)
    if query:
        items = items.filter(search_name__contains=fold(query))
    if category:
        items = items.filter(category=category)
    items = with_availability(items.select_related("place"))
    if available_only:
        items = items.filter(is_out=False, is_held=False, is_active=True).exclude(
            condition=ItemCondition.BROKEN
        )
    return items.order_by("name", "pk")


def item_history(item: Item) -> QuerySet[ItemEvent]:
    return (
        ItemEvent.objects.filter(item=item)
        .select_related("actor", "loan__borrower")
        .order_by("-at", "-pk")
    )


def open_loan_of(item: Item) -> Loan | None:
    return (
        Loan.objects.filter(item=item, state__in=OPEN_LOAN_STATES)
        .select_related("borrower")
        .first()
    )


def waiting_list(item: Item) -> QuerySet[Reservation]:
    return (
        Reservation.objects.filter(item=item, state__in=ACTIVE_RESERVATION_STATES)
        .select_related("user")
        .order_by("created_at", "pk")
    )


def loans_of(user) -> QuerySet[Loan]:
    """A person's loans, open first then newest, with item and place."""
    if not is_signed_in(user):
        return Loan.objects.none()
    return (
        Loan.objects.filter(borrower=user)
        .select_related("item", "place")
        .order_by("returned_at", "-checked_out_at", "-pk")
    )


def reservations_of(user) -> QuerySet[Reservation]:
    if not is_signed_in(user):
        return Reservation.objects.none()
    return (
        Reservation.objects.filter(user=user, state__in=ACTIVE_RESERVATION_STATES)
        .select_related("item", "place")
        .order_by("created_at", "pk")
    )


def place_open_loans(place: Place) -> QuerySet[Loan]:
    return (
        Loan.objects.filter(place=place, state__in=OPEN_LOAN_STATES)
        .select_related("item", "borrower")
        .order_by("due_on", "pk")
    )


# --- offers and needs ---------------------------------------------------------------------------


def visible_posts(viewer) -> QuerySet[Post]:
    """The open posts `viewer` may read: their places' and, for people active somewhere, the
    territories'; their own whatever their state; every hidden one they moderate."""
    if not is_signed_in(viewer):
        return Post.objects.none()
    places = list(active_place_ids(viewer))
    run = places_where(viewer, can="run").values("pk")
    audience = Q(place_id__in=places) | Q(place__in=run)
    if places or is_instance_admin(viewer):
        audience |= Q(place__isnull=True)
    visible = Q(state=PostState.OPEN) & audience
    visible |= Q(author=viewer)
    if is_instance_admin(viewer):
        visible |= Q(state=PostState.HIDDEN)
    else:
        visible |= Q(state=PostState.HIDDEN, place__in=run)
    return (
        Post.objects.filter(visible)
        .select_related("place", "territory", "author")
        .annotate(report_count=Count("reports"))
        .order_by("-created_at", "-pk")
    )


def conversations_of_post(post: Post) -> QuerySet[Conversation]:
    return (
        Conversation.objects.filter(post=post)
        .select_related("responder")
        .order_by("created_at", "pk")
    )


# --- time bank ----------------------------------------------------------------------------------


def balances_of(user) -> list[dict]:
    """The person's time accounts, one per bank (their places' first, then their networks'),
    with their balance in minutes (one query). Each row: `place` or `network` (the other
    None), `bank` (its name) and `balance_minutes`."""
    if not is_signed_in(user):
        return []
    credits = (
        TimeTransfer.objects.filter(credit=OuterRef("pk"))
        .order_by()
        .values("credit")
        .annotate(t=Sum("minutes"))
        .values("t")
    )
    debits = (
        TimeTransfer.objects.filter(debit=OuterRef("pk"))
        .order_by()
        .values("debit")
        .annotate(t=Sum("minutes"))
        .values("t")
    )
    accounts = (
        TimeAccount.objects.filter(user=user)
        .select_related("place", "network")
        .annotate(
            credited=Coalesce(Subquery(credits, output_field=IntegerField()), Value(0)),
            debited=Coalesce(Subquery(debits, output_field=IntegerField()), Value(0)),
        )
        .order_by(F("network").asc(nulls_first=True), "place__name", "network__name")
    )
    return [
        {
            "place": account.place,
            "network": account.network,
            "bank": (account.place or account.network).name,  # type: ignore[union-attr]
            "balance_minutes": account.credited - account.debited,  # type: ignore[attr-defined]
        }
        for account in accounts
    ]


def total_balance_minutes(place: Place | None = None, network: Network | None = None) -> int:
    """The sum of every balance (of `place`'s bank, `network`'s, or everywhere): zero when the
    books balance."""
    accounts = TimeAccount.objects.all()
    if place is not None:
        accounts = accounts.filter(place=place)
    if network is not None:
        accounts = accounts.filter(network=network)
    credited = accounts.annotate(t=Coalesce(Sum("credits__minutes"), Value(0))).values_list(
        "t", flat=True
    )
    debited = accounts.annotate(t=Coalesce(Sum("debits__minutes"), Value(0))).values_list(
        "t", flat=True
    )
    return sum(credited) - sum(debited)


def network_banks_for_post(post) -> QuerySet[Network]:
    """The networks whose open time bank may take the hours of `post`: those of its place, or
    for a territory post those of the author's active places (the service checks again that
    both people are members of the network)."""
    banks = Network.objects.filter(time_bank__enabled=True)
    if post.place_id is not None:
        banks = banks.filter(places=post.place_id)
    else:
        banks = banks.filter(places__in=active_place_ids(post.author))
    return banks.distinct().order_by("name")


def network_transfers(network: Network, *, user=None) -> QuerySet[TimeTransfer]:
    """The transfers of `network`'s bank, newest first (with `user`: those debiting or
    crediting their account only); the accounts joined, so that a page reads in one query."""
    transfers = TimeTransfer.objects.filter(network=network)
    if user is not None:
        transfers = transfers.filter(Q(debit__user=user) | Q(credit__user=user))
    return transfers.select_related("debit", "credit").order_by("-created_at", "-pk")


def network_account(network: Network, user) -> dict:
    """`user`'s account at `network`'s bank and its balance in minutes (one query; no account
    yet: `account_id` None and a balance of zero)."""
    account = (
        TimeAccount.objects.filter(network=network, user=user)
        .annotate(
            credited=Coalesce(
                Subquery(
                    TimeTransfer.objects.filter(credit=OuterRef("pk"))
                    .order_by()
                    .values("credit")
                    .annotate(t=Sum("minutes"))
                    .values("t"),
                    output_field=IntegerField(),
                ),
                Value(0),
            ),
            debited=Coalesce(
                Subquery(
                    TimeTransfer.objects.filter(debit=OuterRef("pk"))
                    .order_by()
                    .values("debit")
                    .annotate(t=Sum("minutes"))
                    .values("t"),
                    output_field=IntegerField(),
                ),
                Value(0),
            ),
        )
        .values("pk", "credited", "debited")
        .first()
    )
    if account is None:
        return {"account_id": None, "balance_minutes": 0}
    return {
        "account_id": account["pk"],
        "balance_minutes": account["credited"] - account["debited"],
    }
