"""Commune suggestions for the commune fields of the place list (htmx).

The territory pages themselves show place figures, so they live one layer up, in
`maillage/places/territory_views.py`.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .selectors import search_communes

SUGGESTION_FIELDS = ("territory", "near_commune")


def commune_suggestions(request: HttpRequest) -> HttpResponse:
    """<option> elements for the datalist of a commune field of the list page (htmx).

    `for=territory` suggests references (`commune:64445`), `for=near_commune` INSEE codes: both
    unambiguous, whereas a name may be shared by several communes.
    """
    field = request.GET.get("for", "")
    if field not in SUGGESTION_FIELDS:
        field = "territory"
    text = request.GET.get(field, request.GET.get("q", "")).strip()
    communes = search_communes(text) if len(text) >= 2 else []
    return render(
        request,
        "territories/_commune_options.html",
        {"communes": communes, "as_ref": field == "territory"},
    )
