"""Permission predicates about members and plans, each stating one policy.

| right                                         | the person | staff, manager | instance admin |
|-----------------------------------------------|------------|----------------|----------------|
| ask to join a place that is not closed        | yes        | —              | —              |
| accept or decline an invitation sent to them  | yes        | no             | yes            |
| leave (end) their own membership              | yes        | yes            | yes            |
| invite, accept, refuse, suspend, end, plans   | no         | yes            | yes            |
| see a place's members and what they owe       | no         | yes            | yes            |

Staff and managers are the place's operators (`places.rules.can_run_place`).
"""

from django.db.models import QuerySet

from maillage.accounts.rules import is_instance_admin, is_signed_in
from maillage.places.kinds import PlaceStatus
from maillage.places.models import Place
from maillage.places.rules import can_run_place, places_where

from .models import Membership
from .selectors import is_active_member


def can_request_membership(user, place: Place) -> bool:
    """Anyone signed in may ask to join a place that has not closed."""
    return is_signed_in(user) and place.status != PlaceStatus.CLOSED


def can_manage_members(user, place: Place) -> bool:
    """A place's staff and managers choose its members and plans (instance admins too)."""
    return can_run_place(user, place)


def can_answer_invitation(user, membership: Membership) -> bool:
    """Only the person invited answers an invitation (or an instance administrator)."""
    return is_instance_admin(user) or (
        is_signed_in(user) and membership.user_id is not None and membership.user_id == user.pk
    )


def can_end_membership(user, membership: Membership) -> bool:
    """A member may leave; the place's operators may end anyone's membership."""
    return can_answer_invitation(user, membership) or can_manage_members(user, membership.place)


def memberships_where(user, *, can: str = "manage") -> QuerySet[Membership]:
    """The memberships `user` may manage (those of the places they run), as a queryset."""
    if can != "manage":
        raise ValueError(f"unknown right {can!r}")
    return Membership.objects.filter(place__in=places_where(user, can="run"))


def can_see_directory(user, place: Place) -> bool:
    """The member directory of a place is for its active members and its operators."""
    return can_manage_members(user, place) or is_active_member(user, place)
