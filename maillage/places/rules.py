"""Permission predicates about places and networks, each paired with a queryset scoper.

Who may do what to a place:

| right                              | staff | manager | coordinator¹ | instance admin |
|------------------------------------|-------|---------|--------------|----------------|
| see it among the places they run   | yes   | yes     | yes          | every place    |
| run it day to day (members, desk)  | yes   | yes     | no           | yes            |
| edit its record                    | no    | yes     | yes          | yes            |
| delete it, grant and revoke roles  | no    | yes     | no           | yes            |
| create a place, import places      | no    | no      | no           | yes            |
| see a network's figures            | no    | no      | yes²         | every network  |

¹ of a network that contains the place. ² of the networks they coordinate.

A predicate about one place is the scoper filtered on that place, so a list page
(`places_where`) and a single check can never disagree.
"""

from typing import Literal

from django.db.models import Q, QuerySet

from maillage.accounts.rules import is_instance_admin, is_signed_in
from maillage.common.actors import is_system

from .models import Network, Place, PlaceRole

Scope = Literal["view", "run", "edit", "manage"]
SCOPES: tuple[Scope, ...] = ("view", "run", "edit", "manage")
# The `source` of places harvested from another instance (`federation`): `peer:<peer id>`.
HARVESTED_SOURCE_PREFIX = "peer:"


def _scope_filter(user, can: Scope) -> Q:
    """The places `user` holds `can` on through their own roles and networks."""
    managed = Q(roles__user=user, roles__role=PlaceRole.Role.MANAGER)
    if can == "manage":
        return managed
    if can == "run":
        return Q(roles__user=user)
    coordinated = Q(networks__coordinators=user)
    if can == "edit":
        return managed | coordinated
    return Q(roles__user=user) | coordinated


def places_where(user, *, can: Scope = "view", instance_wide: bool = True) -> QuerySet[Place]:
    """The places on which `user` has the right `can` (see the table above), as a queryset.

    `view`: the places they run (any role, or a network they coordinate); `run`: those where
    they hold a role (the day-to-day work: members, bookings, the front desk); `edit`: those whose
    record they may change; `manage`: those they may delete and whose roles they choose.
    Instance administrators get every place, unless `instance_wide` is False: then only the
    places they hold through a role or a network ("Mes lieux"). Anonymous people get none.
    """
    if can not in SCOPES:
        raise ValueError(f"unknown right {can!r}; one of {SCOPES}")
    places = Place.objects.all()
    if can == "edit" and not is_system(user):
        # Harvested places are read-only here (see can_edit_place).
        places = places.exclude(source__startswith=HARVESTED_SOURCE_PREFIX)
    if instance_wide and is_instance_admin(user):
        return places
    if not is_signed_in(user):
        return Place.objects.none()
    ids = Place.objects.filter(_scope_filter(user, can)).values("pk")
    # A subquery rather than .distinct(): the joins through roles and networks would repeat a
    # place, and the callers go on ordering and slicing the result.
    return places.filter(pk__in=ids)


def _holds(user, place: Place, can: Scope) -> bool:
    return places_where(user, can=can).filter(pk=place.pk).exists()


def can_create_place(user) -> bool:
    """Only instance administrators add places to the directory; operators are given theirs."""
    return is_instance_admin(user)


def can_import_places(user) -> bool:
    """Only instance administrators import files: an import may rewrite every place of a
    source.
    """
    return is_instance_admin(user)


def can_run_place(user, place: Place) -> bool:
    """A place's staff and managers run it day to day (members, resources, bookings, the front
    desk), and so may instance administrators. Network coordinators edit the directory record
    and see figures, but do not operate the place.
    """
    return is_instance_admin(user) or _holds(user, place, "run")


def is_harvested(place: Place) -> bool:
    """A copy of another instance's place, kept up to date by harvests (federation): read-only
    here until an instance administrator takes it over (which gives it a local source)."""
    return place.source.startswith(HARVESTED_SOURCE_PREFIX)


def can_edit_place(user, place: Place) -> bool:
    """A place's record is edited by its managers, the coordinators of a network that contains
    it, and instance administrators. Its staff run it day to day but do not edit it. A harvested
    place is edited by nobody (its peer decides) until an administrator takes it over.
    """
    if is_harvested(place) and not is_system(user):
        return False
    return is_instance_admin(user) or _holds(user, place, "edit")


def can_delete_place(user, place: Place) -> bool:
    """Removing a place from the directory is its managers' decision (or an instance
    administrator's); network coordinators edit places but do not remove them.
    """
    return is_instance_admin(user) or _holds(user, place, "manage")


def can_manage_roles(user, place: Place) -> bool:
    """A place's managers choose its managers and staff; instance administrators choose for
    every place.
    """
    return is_instance_admin(user) or _holds(user, place, "manage")


def can_edit_network(user, network) -> bool:
    """Only instance administrators create networks and choose their places and
    coordinators: a coordinator adding a place to their network would gain rights on it.
    """
    return is_instance_admin(user)


def networks_where(user) -> QuerySet[Network]:
    """The networks whose page and aggregated figures `user` sees: those they coordinate, every
    network for instance administrators, none for anyone else.
    """
    if is_instance_admin(user):
        return Network.objects.all()
    if not is_signed_in(user):
        return Network.objects.none()
    return Network.objects.filter(coordinators=user)


def can_view_network(user, network: Network) -> bool:
    """A network's page (its places and their figures) is for its coordinators and instance
    administrators; its places' own pages stay public.
    """
    return networks_where(user).filter(pk=network.pk).exists()
