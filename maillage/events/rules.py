"""Who may do what with events and registrations.

| right                                             | anyone | member¹ | staff² | coord.³ | admin |
|---------------------------------------------------|--------|---------|--------|---------|-------|
| see a public event, the agenda, the feeds         | yes    | yes     | yes    | yes     | yes   |
| see a members-only event                          | no     | yes     | yes    | yes⁴    | yes   |
| register oneself (a guest: by email, public only) | yes⁵   | yes     | yes    | yes⁵    | yes   |
| create, change, cancel the event; attendance      | no     | no      | yes    | yes⁴    | yes   |
| register someone else, see the registrations      | no     | no      | yes    | yes⁴    | yes   |
| cancel a registration                             | own⁶   | own     | yes    | yes⁴    | yes   |

¹ an active member of the event's place (of any place of the network, for a network event).
² staff or manager of the event's place. ³ of the network: a network event is run by its
coordinators. ⁴ network events only: coordinators do not run a place's day-to-day events.
⁵ public events only. ⁶ a guest by the signed link of their confirmation email.
"""

from django.db.models import Q, QuerySet

from maillage.accounts.rules import is_instance_admin, is_signed_in
from maillage.members.models import Membership, MembershipStatus
from maillage.places.models import Network, Place
from maillage.places.rules import can_run_place, places_where

from .models import Event, Registration, Visibility


def can_run_network_events(user, network: Network) -> bool:
    """A network's events are run by its coordinators (and instance administrators)."""
    if is_instance_admin(user):
        return True
    return is_signed_in(user) and network.coordinators.filter(pk=user.pk).exists()


def can_create_event(user, *, place: Place | None = None, network: Network | None = None) -> bool:
    """The staff of a place create its events; the coordinators of a network, the network's."""
    if place is not None:
        return can_run_place(user, place)
    if network is not None:
        return can_run_network_events(user, network)
    return False


def can_manage_event(user, event: Event) -> bool:
    """Change, cancel, register others, see registrations, mark attendance."""
    if event.place is not None:
        return can_run_place(user, event.place)
    if event.network is not None:
        return can_run_network_events(user, event.network)
    return False


def is_member_for(user, event: Event) -> bool:
    """An active member of the event's place (of one of the network's places)."""
    if not is_signed_in(user):
        return False
    memberships = Membership.objects.filter(user=user, status=MembershipStatus.ACTIVE)
    if event.place_id is not None:
        return memberships.filter(place_id=event.place_id).exists()
    return memberships.filter(place__networks=event.network_id).exists()


def can_see_event(user, event: Event) -> bool:
    if event.visibility == Visibility.PUBLIC:
        return True
    return is_member_for(user, event) or can_manage_event(user, event)


def can_register(user, event: Event) -> bool:
    """Whether `user` (None or anonymous: a guest) may register themself."""
    if event.visibility == Visibility.PUBLIC:
        return True
    return is_member_for(user, event) or can_manage_event(user, event)


def can_cancel_registration(user, registration: Registration) -> bool:
    if is_signed_in(user) and registration.user_id == user.pk:
        return True
    return can_manage_event(user, registration.event)


def events_where(user) -> QuerySet[Event]:
    """The events `user` may see: every public one, and the members-only events of the places
    where they are an active member or that they run (of the networks they coordinate)."""
    if is_instance_admin(user):
        return Event.objects.all()
    public = Q(visibility=Visibility.PUBLIC)
    if not is_signed_in(user):
        return Event.objects.filter(public)
    member_places = Membership.objects.filter(user=user, status=MembershipStatus.ACTIVE).values(
        "place_id"
    )
    run = places_where(user, can="run").values("pk")
    networks = Network.objects.filter(Q(coordinators=user) | Q(places__in=member_places)).values(
        "pk"
    )
    return Event.objects.filter(
        public | Q(place__in=member_places) | Q(place__in=run) | Q(network__in=networks)
    )


def managed_events(user) -> QuerySet[Event]:
    """The events `user` runs (their places', their networks')."""
    if is_instance_admin(user):
        return Event.objects.all()
    if not is_signed_in(user):
        return Event.objects.none()
    return Event.objects.filter(
        Q(place__in=places_where(user, can="run").values("pk"))
        | Q(network__in=Network.objects.filter(coordinators=user).values("pk"))
    )


def registrations_where(user) -> QuerySet[Registration]:
    """The registrations `user` sees: their own, and those of the events they run."""
    if is_instance_admin(user):
        return Registration.objects.all()
    if not is_signed_in(user):
        return Registration.objects.none()
    return Registration.objects.filter(Q(user=user) | Q(event__in=managed_events(user)))
