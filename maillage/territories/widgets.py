"""The territory field of forms: a text input whose suggestions htmx fetches as one types.

Without JavaScript it is a plain text input: the name typed is resolved by the server
(`selectors.choose_territory`), which lists the candidates of an ambiguous name.
"""

from django import forms
from django.urls import reverse_lazy


class TerritoryInput(forms.TextInput):
    template_name = "territories/widgets/territory_input.html"

    def __init__(self, attrs=None, *, suggest: str = "territory") -> None:
        super().__init__(
            {
                "autocomplete": "off",
                "hx-get": reverse_lazy("territories:suggestions"),
                "hx-vals": f'{{"for": "{suggest}"}}',
                "hx-trigger": "input changed delay:250ms",
                "hx-swap": "innerHTML",
                "hx-sync": "this:replace",
                **(attrs or {}),
            }
        )

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        options_id = f"{context['widget']['attrs'].get('id', name)}-options"
        context["widget"]["attrs"].update(list=options_id, **{"hx-target": f"#{options_id}"})
        context["widget"]["options_id"] = options_id
        return context
