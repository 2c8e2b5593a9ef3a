from django import forms
from django.utils.translation import gettext_lazy as _

from .models import PremisesStatus
from .validation import RANGES


def _bounds(field: str) -> dict:
    low, high = RANGES[field]
    return {"min_value": low, "max_value": high, "required": False}


class CommaDecimalField(forms.DecimalField):
    """A decimal typed the French way (2,5) or the other (2.5)."""

    def to_python(self, value):
        if isinstance(value, str):
            value = value.replace(",", ".").strip()
        return super().to_python(value)


class DeclarationForm(forms.Form):
    """The yearly declaration; every figure optional (blank: « je ne sais pas »). The form
    checks types and ranges for the person; `validation.clean_declaration` (in the service)
    is the rule."""

    revenue_eur = forms.IntegerField(
        label=_("Chiffre d'affaires de l'année (€)"),
        help_text=_("Produits d'exploitation, subventions comprises, en euros."),
        **_bounds("revenue_eur"),
    )
    public_funding_pct = forms.IntegerField(
        label=_("Part des financements publics (%)"),
        help_text=_("Subventions et commandes publiques, en pourcentage du chiffre d'affaires."),
        **_bounds("public_funding_pct"),
    )
    staff_fte = CommaDecimalField(
        label=_("Salarié·es en équivalent temps plein"),
        decimal_places=1,
        max_digits=6,
        help_text=_("Par exemple 2,5 pour deux temps pleins et un mi-temps."),
        **_bounds("staff_fte"),
    )
    volunteers = forms.IntegerField(label=_("Bénévoles réguliers"), **_bounds("volunteers"))
    premises_status = forms.ChoiceField(
        label=_("Statut du local"),
        choices=[("", "—"), *PremisesStatus.choices],
        required=False,
    )
    surface_m2 = forms.IntegerField(label=_("Surface (m²)"), **_bounds("surface_m2"))
