from django import forms
from django.utils.translation import gettext_lazy as _

from .models import HostingKind, LegalForm, PersonRole, SizeBand, TransportMode


def _blank(choices):
    return [("", "—"), *choices]


class OrganisationForm(forms.Form):
    name = forms.CharField(label=_("Nom"), max_length=200)
    siret = forms.CharField(label=_("SIRET"), required=False, max_length=20)
    siren = forms.CharField(
        label=_("SIREN"),
        required=False,
        max_length=11,
        help_text=_("Déduit du SIRET quand il est donné."),
    )
    legal_form = forms.ChoiceField(
        label=_("Forme juridique"), choices=_blank(LegalForm.choices), required=False
    )
    naf_code = forms.CharField(
        label=_("Code NAF"), required=False, max_length=6, help_text=_("Par exemple 62.01Z.")
    )
    created_on = forms.DateField(
        label=_("Date de création"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    size_band = forms.ChoiceField(
        label=_("Tranche d'effectif (INSEE)"), choices=_blank(SizeBand.choices), required=False
    )
    contact_email = forms.EmailField(
        label=_("Courriel de contact"),
        required=False,
        help_text=_("Reçoit chaque trimestre la demande de déclaration d'effectif."),
    )


class HostingForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type d'hébergement"), choices=HostingKind.choices)
    start_date = forms.DateField(label=_("Début"), widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(
        label=_("Fin"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class NewOrganisationForm(OrganisationForm, HostingForm):
    pass


class PersonForm(forms.Form):
    name = forms.CharField(label=_("Nom"), max_length=200, required=False)
    username = forms.CharField(
        label=_("Identifiant du compte (facultatif)"), max_length=150, required=False
    )
    role = forms.ChoiceField(label=_("Rôle"), choices=PersonRole.choices)
    start_date = forms.DateField(
        label=_("Depuis"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class HeadcountForm(forms.Form):
    declared_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    employees = forms.IntegerField(label=_("Emplois"), min_value=0)
    employees_local = forms.IntegerField(label=_("Dont habitant le territoire"), min_value=0)


class CommutingForm(forms.Form):
    home_commune = forms.CharField(
        label=_("Commune de résidence (code INSEE)"),
        max_length=5,
        help_text=_("Par exemple 64445 pour Pau."),
    )
    teleworks = forms.BooleanField(
        label=_("Je télétravaille ici pour un employeur situé ailleurs"), required=False
    )
    employer_commune = forms.CharField(
        label=_("Commune de l'employeur (code INSEE)"), max_length=5, required=False
    )
    transport_mode = forms.ChoiceField(
        label=_("Mode de transport habituel pour aller chez l'employeur"),
        choices=_blank(TransportMode.choices),
        required=False,
    )
