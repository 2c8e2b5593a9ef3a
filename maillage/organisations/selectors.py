"""Reads about hosted organisations: who a place hosts, an organisation's series."""

from datetime import date

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from maillage.places.models import Place

from .models import CommutingDeclaration, HeadcountDeclaration, Hosting, Organisation
from .rules import organisations_where


def hostings_at(place: Place, *, on: date | None = None, current_only: bool = True) -> QuerySet:
    """The hostings of `place` (those running on `on`, today, unless `current_only` is False),
    each with its organisation and its latest declared headcount, in one query."""
    on = on or timezone.localdate(timezone=place.timezone)
    latest = HeadcountDeclaration.objects.filter(organisation=OuterRef("organisation")).order_by(
        "-declared_on"
    )
    hostings = Hosting.objects.filter(place=place).select_related("organisation")
    if current_only:
        hostings = hostings.filter(start_date__lte=on).filter(
            Q(end_date__isnull=True) | Q(end_date__gte=on)
        )
    return hostings.annotate(
        latest_employees=Subquery(latest.values("employees")[:1]),
        latest_employees_local=Subquery(latest.values("employees_local")[:1]),
        latest_declared_on=Subquery(latest.values("declared_on")[:1]),
    ).order_by("organisation__name", "-start_date")


def organisation_for_edit(*, user, organisation_id: int) -> Organisation:
    """The organisation if `user` may edit it; `Organisation.DoesNotExist` otherwise (a 404)."""
    return organisations_where(user).get(pk=organisation_id)


def headcount_series(organisation: Organisation) -> QuerySet[HeadcountDeclaration]:
    return organisation.headcounts.select_related("declared_by").order_by("declared_on")


def commuting_of(user) -> CommutingDeclaration | None:
    return (
        CommutingDeclaration.objects.select_related("home_commune", "employer_commune")
        .filter(user=user)
        .first()
    )
