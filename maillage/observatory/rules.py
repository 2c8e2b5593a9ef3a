"""Who sees which figures of the observatory.

| figures                         | public | place staff | network coordinator | instance admin |
|---------------------------------|--------|-------------|---------------------|----------------|
| a place's own values            | no     | their place | their networks'     | every place    |
| a place's members' communes     | no     | their place | no                  | every place    |
| a network's aggregates          | hidden¹| hidden¹     | undisguised         | undisguised    |
| a territory's aggregates        | hidden¹| hidden¹     | hidden¹             | undisguised    |

¹ with statistical secrecy applied: what the public sees.
"""

from django.db.models import QuerySet

from maillage.accounts.rules import is_instance_admin, is_signed_in
from maillage.places.models import Network, Place
from maillage.places.rules import can_run_place, places_where


def places_with_figures(user) -> QuerySet[Place]:
    """The places whose own figures `user` sees undisguised: those they run (any role), those
    of the networks they coordinate, every place for instance administrators; none for the
    public. (The `view` scope of `places.rules.places_where`.)"""
    return places_where(user, can="view")


def can_see_place_figures(user, place: Place) -> bool:
    """A place's figures are its staff's, its networks' coordinators' and the instance
    administrators'; the public never sees a single place's figure."""
    return places_with_figures(user).filter(pk=place.pk).exists()


def can_see_home_communes(user, place: Place) -> bool:
    """Where a place's members live is for the people who run the place (and instance
    administrators) only: not for network coordinators, never published."""
    return can_run_place(user, place)


def can_see_network_undisguised(user, network: Network) -> bool:
    """A network's coordinators see its aggregates without secrecy (they see each of its
    places anyway), and so do instance administrators."""
    if is_instance_admin(user):
        return True
    return is_signed_in(user) and network.coordinators.filter(pk=user.pk).exists()


def can_see_territory_undisguised(user) -> bool:
    """Only instance administrators see territory aggregates without secrecy: a territory's
    places belong to many teams."""
    return is_instance_admin(user)
