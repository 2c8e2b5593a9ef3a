"""Permission predicates about sharing, each stating one policy.

Library of things (place A):

| right                                        | active member of A | staff, manager, admin |
|----------------------------------------------|--------------------|-----------------------|
| see the catalogue                            | yes (all if public)| yes                   |
| add, change, withdraw items, photos, repairs | no                 | yes                   |
| check an item out to someone, take it back   | no                 | yes                   |
| check an item out to oneself                 | if self-service    | yes, for their own    |
| reserve an item on loan, cancel one's own    | if their plan may  | yes (cancel anyone's) |
| renew a loan                                 | their own          | anyone's              |

Members of another place, network coordinators (who do not run places) and signed-in people
without a membership have no right here beyond reading a public catalogue.

Offers and needs: a post for a place is for that place's active members and operators (they
read it, answer it, report it); a post for a territory is for anyone who is an active member
somewhere. The author withdraws or fulfils their post; the place's operators (territory posts:
instance administrators) moderate. The time bank's hours are moved by the fulfilment of a post
(its author) or recorded by the place's operators.

A network's time bank is shared by the active members of its places; its coordinators (and
instance administrators) open it and choose its floor. Operators of its places have no right
over it: it is not any one place's.
"""

from maillage.accounts.rules import is_instance_admin, is_signed_in
from maillage.members.models import Membership, MembershipStatus
from maillage.members.selectors import active_membership, active_place_ids
from maillage.places.models import Network, Place
from maillage.places.rules import can_run_place, can_view_network

from .models import (
    Conversation,
    Item,
    Loan,
    NetworkTimeBank,
    Post,
    PostState,
    Reservation,
    SharingSettings,
)


def sharing_settings(place: Place) -> SharingSettings:
    """The place's settings, or the defaults (unsaved) when it has none."""
    found = SharingSettings.objects.filter(place=place).first()
    return found if found is not None else SharingSettings(place=place)


def can_manage_items(user, place: Place) -> bool:
    """A place's operators keep its catalogue and lend its items."""
    return can_run_place(user, place)


def can_see_catalogue(user, place: Place) -> bool:
    """A public catalogue is for everyone; otherwise for the active members and operators."""
    if sharing_settings(place).catalogue_public:
        return True
    return active_membership(user, place) is not None or can_run_place(user, place)


def may_borrow(user, item: Item) -> bool:
    """An active member whose plan is among the item's plans (any plan when none is chosen)."""
    membership = active_membership(user, item.place_id)
    if membership is None:
        return False
    allowed = list(item.plans.values_list("pk", flat=True))
    return not allowed or membership.plan_id in allowed


def can_self_checkout(user, item: Item) -> bool:
    """Self-service, where the place allows it, for those who may borrow the item."""
    return sharing_settings(item.place).self_service and may_borrow(user, item)


def can_reserve(user, item: Item) -> bool:
    """A person who may borrow an item may queue for it."""
    return is_signed_in(user) and may_borrow(user, item)


def can_cancel_reservation(user, reservation: Reservation) -> bool:
    """The person cancels their own; the place's operators any of their place."""
    own = is_signed_in(user) and reservation.user_id == user.pk
    return own or can_run_place(user, reservation.place)


def can_renew(user, loan: Loan) -> bool:
    """The borrower renews their own loan; the place's operators any loan of their place."""
    own = is_signed_in(user) and loan.borrower_id is not None and loan.borrower_id == user.pk
    return own or can_run_place(user, loan.place)


# --- offers and needs ---------------------------------------------------------------------------


def can_post_for_place(user, place: Place) -> bool:
    """A place's active members and operators post for it."""
    return is_signed_in(user) and (
        active_membership(user, place) is not None or can_run_place(user, place)
    )


def can_post_for_territory(user) -> bool:
    """A territory's posts are for people who are active members somewhere (or admins)."""
    return is_signed_in(user) and (bool(active_place_ids(user)) or is_instance_admin(user))


def can_moderate_post(user, post: Post) -> bool:
    """A place's operators moderate its posts; instance administrators every post."""
    if is_instance_admin(user):
        return True
    return post.place is not None and can_run_place(user, post.place)


def can_read_post(user, post: Post) -> bool:
    """The author and the moderators always; others while the post is not hidden, if they
    belong to its audience (the place's members, or anyone active somewhere for a territory)."""
    if not is_signed_in(user):
        return False
    if post.author_id == user.pk or can_moderate_post(user, post):
        return True
    if post.state == PostState.HIDDEN:
        return False
    if post.place is not None:
        return can_post_for_place(user, post.place)
    return can_post_for_territory(user)


def can_answer_post(user, post: Post) -> bool:
    """Anyone of the audience but the author answers an open post."""
    return (
        post.state == PostState.OPEN
        and can_read_post(user, post)
        and post.author_id != getattr(user, "pk", None)
    )


def can_report_post(user, post: Post) -> bool:
    """Anyone of the audience but the author reports a post."""
    return can_read_post(user, post) and post.author_id != getattr(user, "pk", None)


def can_change_post(user, post: Post) -> bool:
    """The author withdraws or fulfils their own post."""
    return is_signed_in(user) and post.author_id is not None and post.author_id == user.pk


def can_take_part(user, conversation: Conversation) -> bool:
    """A conversation is between the post's author and the person who answered."""
    if not is_signed_in(user):
        return False
    return user.pk in (conversation.post.author_id, conversation.responder_id)


def can_record_time(user, place: Place) -> bool:
    """A place's operators record an exchange of hours between two of its members."""
    return can_run_place(user, place)


def network_time_bank(network: Network) -> NetworkTimeBank:
    """The network's time bank settings, or the defaults (unsaved: closed) without a row."""
    found = NetworkTimeBank.objects.filter(network=network).first()
    return found if found is not None else NetworkTimeBank(network=network)


def can_manage_network_time_bank(user, network: Network) -> bool:
    """A network's coordinators (and instance administrators) run its time bank."""
    return can_view_network(user, network)


def is_network_member(user, network: Network) -> bool:
    """An active member of one of the network's places: may hold an account at its bank."""
    if not is_signed_in(user):
        return False
    return Membership.objects.filter(
        user=user, place__networks=network, status=MembershipStatus.ACTIVE
    ).exists()
