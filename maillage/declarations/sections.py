"""« Déclaration annuelle » on a place's staff dashboard (registry `members.dashboard`,
order 80): whether last year is declared, with the link to the form. One query."""

from django.http import HttpRequest
from django.utils import timezone

from maillage.members import dashboard
from maillage.places.models import Place

from .models import Declaration


def declaration_context(request: HttpRequest, place: Place) -> dict:
    year = timezone.localdate().year - 1
    return {
        "year": year,
        "declared": Declaration.objects.filter(place=place, year=year).exists(),
    }


def register() -> None:
    dashboard.register_section(
        "declaration-annuelle",
        template="declarations/dashboard/_declaration.html",
        context=declaration_context,
        order=80,
    )
