from django import forms
from django.utils.translation import gettext_lazy as _

from .models import VisitorKind


class VisitorCountForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type de visiteur"), choices=VisitorKind.choices)
    count = forms.IntegerField(label=_("Nombre"), min_value=1, max_value=1000, initial=1)


class PresenceVisibilityForm(forms.Form):
    visible_to_members = forms.BooleanField(
        label=_("Les autres membres de mes lieux voient quand je suis là"), required=False
    )
