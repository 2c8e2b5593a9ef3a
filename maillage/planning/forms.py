"""Forms of the analysis pages. They only shape input: `validation` (through the services and
selectors) decides what is valid, as for the API and the commands.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from maillage.places.kinds import PlaceKind
from maillage.territories.widgets import TerritoryInput

from .models import PlanMethod, PlanObjective
from .selectors import TERRITORY_RADII_KM
from .validation import MAX_NEW_SITES, MAX_RADIUS_KM

DEFAULT_RADIUS_KM = 10
ANY_KIND = [("", _("Tous les types de lieu"))]


class PlanForm(forms.Form):
    territory = forms.CharField(
        label=_("Territoire"),
        max_length=100,
        help_text=_(
            "Le nom d’une commune, d’une intercommunalité, d’un département ou d’une région "
            "(Pau, Pays Basque, Pyrénées-Atlantiques, Nouvelle-Aquitaine), ou son code INSEE."
        ),
        widget=TerritoryInput(),
    )
    kind = forms.ChoiceField(
        label=_("Type de lieu"), choices=ANY_KIND + list(PlaceKind.choices), required=False
    )
    radius_km = forms.FloatField(
        label=_("Rayon (km)"),
        initial=DEFAULT_RADIUS_KM,
        help_text=_("Un lieu dessert les habitant·es à cette distance au plus (à vol d'oiseau)."),
        widget=forms.NumberInput(attrs={"min": "0.5", "max": f"{MAX_RADIUS_KM:g}", "step": "0.5"}),
    )
    n_new = forms.IntegerField(
        label=_("Nombre de nouveaux lieux"),
        initial=5,
        widget=forms.NumberInput(attrs={"min": "1", "max": str(MAX_NEW_SITES)}),
    )
    objective = forms.ChoiceField(
        label=_("Objectif"),
        choices=PlanObjective.choices,
        initial=PlanObjective.COVERAGE,
        widget=forms.RadioSelect,
    )
    method = forms.ChoiceField(
        label=_("Méthode"),
        choices=PlanMethod.choices,
        initial=PlanMethod.GREEDY,
        widget=forms.RadioSelect,
    )


class CoverageFilterForm(forms.Form):
    """The white zones shown on a territory page: of which kind of place, at which radius."""

    kind = forms.ChoiceField(
        label=_("Type de lieu"), choices=ANY_KIND + list(PlaceKind.choices), required=False
    )
    radius_km = forms.TypedChoiceField(
        label=_("Rayon"),
        choices=[(radius, f"{radius} km") for radius in TERRITORY_RADII_KM],
        coerce=int,
        initial=DEFAULT_RADIUS_KM,
        required=False,
    )

    def values(self) -> tuple[str, int]:
        """(kind, radius_km), the defaults replacing what is missing or invalid (or everything,
        for an unbound form)."""
        if not self.is_valid():
            return "", DEFAULT_RADIUS_KM
        return self.cleaned_data["kind"], self.cleaned_data["radius_km"] or DEFAULT_RADIUS_KM
