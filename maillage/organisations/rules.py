"""Permission predicates about hosted organisations and commuting, each stating one policy.

| right                                            | member | staff, manager       | admin |
|--------------------------------------------------|--------|----------------------|-------|
| add an organisation hosted at a place, host again| no     | of their place       | yes   |
| edit it, its people, its headcount declarations  | no     | of a place hosting it¹| yes  |
| declare their own commuting                      | yes    | yes                  | yes   |

¹ now or before.
Staff and managers are the place's operators (`places.rules.can_run_place`).
"""

from django.db.models import QuerySet

from maillage.accounts.rules import is_instance_admin, is_signed_in
from maillage.places.models import Place
from maillage.places.rules import can_run_place, places_where

from .models import Organisation


def can_host_organisations(user, place: Place) -> bool:
    """A place's operators record the organisations it hosts."""
    return can_run_place(user, place)


def organisations_where(user) -> QuerySet[Organisation]:
    """The organisations `user` may edit: those hosted (now or before) at a place they run."""
    if is_instance_admin(user):
        return Organisation.objects.all()
    if not is_signed_in(user):
        return Organisation.objects.none()
    places = places_where(user, can="run")
    return Organisation.objects.filter(
        pk__in=Organisation.objects.filter(hostings__place__in=places).values("pk")
    )


def can_edit_organisation(user, organisation: Organisation) -> bool:
    """The operators of a place that hosts or hosted the organisation keep its record."""
    return organisations_where(user).filter(pk=organisation.pk).exists()


def can_declare_commuting(user) -> bool:
    """Anyone signed in declares their own commuting (never someone else's)."""
    return is_signed_in(user)
