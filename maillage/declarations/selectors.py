"""Reads about yearly declarations: a year's answers, last year's to prefill the form, and
what Maillage already computes about the place, shown beside the form (the census asks
again what the data knows; here the manager only checks it)."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from maillage.members.models import Membership
from maillage.organisations.models import Hosting
from maillage.places.models import Place

from .models import Declaration
from .validation import FIELDS


@dataclass(frozen=True)
class Hint:
    """A figure Maillage computes, shown read-only beside the field it helps to answer."""

    field: str
    label: str
    value: Any
    source: str


def declaration_of(place: Place, year: int) -> Declaration | None:
    return Declaration.objects.filter(place=place, year=year).first()


def declarations_of(place: Place) -> list[Declaration]:
    """Every year the place declared, the latest first."""
    return list(Declaration.objects.filter(place=place).order_by("-year"))


def initial_values(place: Place, year: int) -> tuple[dict[str, Any], int | None]:
    """The values the form starts from, and the year they come from: this year's answers if
    any, else the latest earlier year's, else the place record's surface (and None)."""
    declaration = Declaration.objects.filter(place=place, year__lte=year).order_by("-year").first()
    if declaration is None:
        return ({"surface_m2": place.surface_m2} if place.surface_m2 else {}), None
    return {field: getattr(declaration, field) for field in FIELDS}, declaration.year


def computed_hints(place: Place, year: int) -> list[Hint]:
    """What Maillage knows about `place` for `year` (three queries)."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    team = place.roles.count()
    members = Membership.objects.filter(place=place, status=Membership.Status.ACTIVE).count()
    hosted = (
        Hosting.objects.filter(place=place, start_date__lte=end)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=start))
        .values("organisation")
        .distinct()
        .count()
    )
    hints = []
    if place.surface_m2:
        hints.append(
            Hint(
                "surface_m2",
                str(_("Surface de la fiche du lieu")),
                place.surface_m2,
                str(_("fiche du lieu")),
            )
        )
    hints.append(
        Hint(
            "staff_fte",
            str(_("Personnes de l'équipe dans Maillage")),
            team,
            str(_("rôles sur le lieu (personnes, pas des ETP)")),
        )
    )
    hints.append(
        Hint(
            "volunteers", str(_("Membres actifs aujourd'hui")), members, str(_("adhésions actives"))
        )
    )
    hints.append(
        Hint("", str(_("Structures hébergées dans l'année")), hosted, str(_("hébergements")))
    )
    return hints
