"""Territory suggestions for the territory fields of every page (htmx autocomplete).

The territory pages themselves show place figures, so they live one layer up, in
`maillage/places/territory_views.py`.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from maillage.common.text import has_control_characters

from .models import Territory
from .selectors import search_territories, suggestion_label

# The name of the field asking (its value is the text typed) → the levels it accepts.
SUGGESTION_FIELDS = {
    "territory": (),
    "q": (),
    "near_commune": (Territory.Level.COMMUNE,),
}
SUGGESTIONS = 10


def territory_suggestions(request: HttpRequest) -> HttpResponse:
    """<option> elements for the datalist of a territory field (htmx), best match first.

    Each option's value is the territory as a person reads it, "Pau (64)" or
    "Bretagne (région)", which every territory field reads back (`choose_territory`): the field
    never shows a code syntax.
    """
    field = request.GET.get("for", "")
    if field not in SUGGESTION_FIELDS:
        field = "territory"
    text = request.GET.get(field, request.GET.get("q", "")).strip()
    territories = []
    if len(text) >= 2 and not has_control_characters(text):
        territories = search_territories(text, levels=SUGGESTION_FIELDS[field], limit=SUGGESTIONS)
    options = [
        {"value": suggestion_label(territory), "territory": territory} for territory in territories
    ]
    return render(request, "territories/_territory_options.html", {"options": options})
