"""Forms of the members pages: they read input; the services decide and explain refusals."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from maillage.common.errors import ValidationFailed

from .models import PlanPeriod, ResourceKind

MONTH_FORMAT = "%Y-%m"


def plan_choice_field(plans, *, required: bool = False) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=_("Formule"),
        queryset=plans,
        required=required,
        empty_label=_("— à choisir avec l'équipe —"),
    )


class JoinForm(forms.Form):
    message = forms.CharField(
        label=_("Message à l'équipe"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Ce que vous comptez faire au lieu, vos questions…"),
    )

    def __init__(self, *args, plans, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields = {"plan": plan_choice_field(plans), **self.fields}


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Adresse e-mail de la personne"), max_length=150)
    message = forms.CharField(
        label=_("Message"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, plans, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["plan"] = plan_choice_field(plans)


class ChangePlanForm(forms.Form):
    def __init__(self, *args, plans, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["plan"] = plan_choice_field(plans)


class PlanForm(forms.Form):
    name = forms.CharField(label=_("Nom"), max_length=120)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    price = forms.DecimalField(
        label=_("Prix (€)"), min_value=Decimal(0), max_digits=9, decimal_places=2
    )
    period = forms.ChoiceField(label=_("Période"), choices=PlanPeriod.choices)
    booking_hours_per_period = forms.IntegerField(
        label=_("Heures de réservation incluses par période"),
        required=False,
        min_value=0,
        help_text=_("Vide : sans limite."),
    )
    resource_kinds = forms.MultipleChoiceField(
        label=_("Types de ressources inclus"),
        choices=ResourceKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Aucun coché : tous les types."),
    )
    is_active = forms.BooleanField(label=_("Proposée aux nouveaux membres"), required=False)

    FIELD_OF = {"price_cents": "price"}

    @classmethod
    def initial_for(cls, plan) -> dict:
        return {
            "name": plan.name,
            "description": plan.description,
            "price": Decimal(plan.price_cents) / 100,
            "period": plan.period,
            "booking_hours_per_period": plan.booking_hours_per_period,
            "resource_kinds": plan.resource_kinds,
            "is_active": plan.is_active,
        }

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        data["price_cents"] = int((data.pop("price") * 100).to_integral_value())
        data["resource_kinds"] = list(data["resource_kinds"])
        return data


class ConsentForm(forms.Form):
    in_directory = forms.BooleanField(
        label=_("Apparaître dans l'annuaire des membres du lieu"), required=False
    )
    show_email = forms.BooleanField(label=_("Y montrer mon adresse e-mail"), required=False)
    presentation = forms.CharField(
        label=_("Présentation, compétences"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class BillForm(forms.Form):
    month = forms.DateField(
        label=_("Mois"),
        input_formats=[MONTH_FORMAT],
        widget=forms.DateInput(attrs={"type": "month"}, format=MONTH_FORMAT),
    )


def apply_errors(form: forms.Form, exc: ValidationFailed, field_of: dict | None = None) -> None:
    """Show a service's refusals next to the fields they are about."""
    for error in exc.errors:
        name = (field_of or {}).get(error.field, error.field)
        form.add_error(name if name in form.fields else None, str(error.message))
