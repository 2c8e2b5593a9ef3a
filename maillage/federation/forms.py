from django import forms
from django.utils.translation import gettext_lazy as _


class PeerForm(forms.Form):
    base_url = forms.URLField(
        label=_("Adresse de l'instance"),
        max_length=300,
        assume_scheme="https",
        help_text=_("Par exemple https://maillage.example.org : son API publique sera lue."),
    )
    name = forms.CharField(label=_("Nom"), max_length=200, required=False)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("merge", _("Fusionner")), ("keep_both", _("Garder les deux"))]
    )


class WebhookForm(forms.Form):
    url = forms.URLField(
        label=_("Adresse à prévenir"),
        max_length=500,
        assume_scheme="https",
        help_text=_(
            "Chaque changement de lieu y sera envoyé (POST JSON signé). Les adresses privées "
            "ou locales sont refusées."
        ),
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
