"""Forms of the sharing pages: they read input; the services decide and explain refusals."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ItemCategory, ItemCondition, PostCategory, PostKind


def _euros(label) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, min_value=Decimal(0), max_value=Decimal(100000), decimal_places=2, initial=0
    )


class CatalogueSearchForm(forms.Form):
    q = forms.CharField(label=_("Rechercher"), required=False, max_length=80)
    categorie = forms.ChoiceField(
        label=_("Catégorie"),
        required=False,
        choices=[("", _("Toutes")), *ItemCategory.choices],
    )
    disponible = forms.BooleanField(label=_("Disponibles seulement"), required=False)


class ItemForm(forms.Form):
    name = forms.CharField(label=_("Nom"), max_length=120)
    category = forms.ChoiceField(label=_("Catégorie"), choices=ItemCategory.choices)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    condition = forms.ChoiceField(
        label=_("État"), choices=ItemCondition.choices, initial=ItemCondition.GOOD
    )
    replacement_value = _euros(_("Valeur de remplacement (€)"))
    deposit = _euros(_("Caution (€)"))
    loan_days = forms.IntegerField(
        label=_("Durée de prêt (jours)"), min_value=1, max_value=365, initial=14
    )
    is_active = forms.BooleanField(
        label=_("Prêté (décochez pour retirer l'objet du prêt)"), required=False, initial=True
    )

    def __init__(self, *args, plans, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["plans"] = forms.ModelMultipleChoiceField(
            label=_("Formules autorisées à l'emprunter (aucune cochée : toutes)"),
            queryset=plans,
            required=False,
            widget=forms.CheckboxSelectMultiple,
        )

    def service_values(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "category": data["category"],
            "description": data["description"],
            "condition": data["condition"],
            "replacement_value_cents": int(data["replacement_value"] * 100),
            "deposit_cents": int(data["deposit"] * 100),
            "loan_days": data["loan_days"],
            "is_active": data["is_active"],
        }


class PhotoForm(forms.Form):
    image = forms.FileField(label=_("Photo (JPEG, PNG ou WebP, 10 Mo au plus)"))
    alt = forms.CharField(label=_("Ce que montre la photo"), required=False, max_length=200)


class RepairForm(forms.Form):
    note = forms.CharField(
        label=_("Réparation effectuée"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
    condition = forms.ChoiceField(
        label=_("État après réparation"),
        required=False,
        choices=[("", _("inchangé")), *ItemCondition.choices],
    )


class CheckoutForm(forms.Form):
    borrower = forms.CharField(label=_("Membre (identifiant ou adresse e-mail)"), max_length=150)
    due_on = forms.DateField(
        label=_("À rendre le"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Vide : la durée de prêt de l'objet."),
    )
    deposit_paid = forms.BooleanField(label=_("Caution versée"), required=False, initial=True)


class ReturnForm(forms.Form):
    condition = forms.ChoiceField(label=_("État au retour"), choices=ItemCondition.choices)
    notes = forms.CharField(
        label=_("Notes de retour"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    damaged = forms.BooleanField(label=_("Rendu abîmé"), required=False)
    keep_deposit = forms.BooleanField(label=_("Garder la caution"), required=False)


class LostForm(forms.Form):
    notes = forms.CharField(
        label=_("Ce qui s'est passé"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
    keep_deposit = forms.BooleanField(label=_("Garder la caution"), required=False, initial=True)


class SettingsForm(forms.Form):
    catalogue_public = forms.BooleanField(label=_("Catalogue visible de tous"), required=False)
    self_service = forms.BooleanField(
        label=_("Emprunt en libre-service par les membres"), required=False
    )
    hold_hours = forms.IntegerField(
        label=_("Durée de mise de côté d'un objet rendu (heures)"), min_value=1, max_value=336
    )
    max_renewals = forms.IntegerField(
        label=_("Prolongations possibles par prêt"), min_value=0, max_value=10
    )
    time_bank_enabled = forms.BooleanField(label=_("Banque de temps"), required=False)
    overdraft_minutes = forms.IntegerField(
        label=_("Découvert autorisé (minutes ; 0 : jamais sous zéro)"), min_value=0, max_value=6000
    )


class PostForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Vous proposez ou vous cherchez ?"),
        choices=PostKind.choices,
        widget=forms.RadioSelect,
    )
    category = forms.ChoiceField(label=_("Catégorie"), choices=PostCategory.choices)
    title = forms.CharField(label=_("Titre"), max_length=120)
    body = forms.CharField(
        label=_("Description"), max_length=2000, widget=forms.Textarea(attrs={"rows": 5})
    )
    expires_on = forms.DateField(
        label=_("Valable jusqu'au"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, places, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["place"] = forms.ModelChoiceField(
            label=_("Lieu"),
            queryset=places,
            required=False,
            empty_label=_("— aucun : un territoire —"),
        )
        self.fields["territory_code"] = forms.CharField(
            label=_("Ou un territoire (code INSEE de commune, ou numéro de département)"),
            required=False,
            max_length=5,
        )


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Votre message"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )


class FulfilForm(forms.Form):
    """`time_bank`: the post's place runs one; `networks`: the open network banks that may take
    the hours instead (`network` empty: the place's bank)."""

    def __init__(self, *args, conversations, time_bank: bool, networks=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["conversation"] = forms.ModelChoiceField(
            label=_("Avec qui ?"),
            queryset=conversations,
            required=False,
            empty_label=_("— personne en particulier —"),
        )
        if networks is not None and networks.exists():
            self.fields["network"] = forms.ModelChoiceField(
                label=_("Banque de temps"),
                queryset=networks,
                required=not time_bank,
                empty_label=_("celle du lieu") if time_bank else None,
            )
        if time_bank or "network" in self.fields:
            self.fields["minutes"] = forms.IntegerField(
                label=_("Durée de l'échange (minutes), pour la banque de temps"),
                required=False,
                min_value=1,
                max_value=1440,
            )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class NetworkTimeBankForm(forms.Form):
    enabled = forms.BooleanField(label=_("Banque de temps du réseau"), required=False)
    overdraft_minutes = forms.IntegerField(
        label=_("Découvert autorisé (minutes ; 0 : jamais sous zéro)"), min_value=0, max_value=6000
    )
