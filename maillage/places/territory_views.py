"""Territory pages: the régions and one territory, with the figures of their places.

They live in `places` (not `territories`) because they count places: `territories` is the layer
below and imports nothing from `places`. The commune suggestions stay in `territories.views`.
"""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from maillage.common.text import control_characters_message, fold, has_control_characters
from maillage.territories.models import Territory
from maillage.territories.selectors import (
    TERRITORY_FIELD_FOR_LEVEL,
    choose_territory,
    get_territory,
    outline_url,
    parent_territories,
)

from .kinds import PlaceKind
from .selectors import territory_figures, with_place_counts
from .views import download_urls, geojson_url

Level = Territory.Level
CHILD_LEVEL = {
    Level.REGION: Level.DEPARTEMENT,
    Level.DEPARTEMENT: Level.EPCI,
    Level.EPCI: Level.COMMUNE,
}
SEARCH_RESULTS = 20
# INSEE codes: a région has two digits; an overseas collectivity, filed both as a « région » and
# a « département » in the reference file, has three (975 Saint-Pierre-et-Miquelon, 977, 978,
# 986, 987, 988).
REGION_CODE_LENGTH = 2
OVERSEAS_COLLECTIVITY_CODES = {"975", "977", "978", "986", "987", "988"}


def _with_density(territories) -> list[Territory]:
    """Evaluate annotated territories, adding `places_per_10000` (None without population)."""
    rows = list(territories)
    for row in rows:
        row.places_per_10000 = row.place_count * 10_000 / row.population if row.population else None
    return rows


def territory_index(request: HttpRequest) -> HttpResponse:
    """The régions with their population and places, and a search for any territory.

    A name or a code that says one territory ("Gironde", "Pau (64)", `64`) leads straight to
    its page; a name several territories answer lists them, best match first.
    """
    query = request.GET.get("q", "").strip()
    candidates: list[Territory] = []
    error = ""
    status = 200
    if has_control_characters(query):
        error, query, status = control_characters_message(), "", 400
    elif query:
        choice = choose_territory(query, limit=SEARCH_RESULTS)
        if choice.territory is not None:
            return redirect(
                "territories:detail", level=choice.territory.level, code=choice.territory.code
            )
        candidates = list(choice.candidates)
        if not candidates:
            error = (
                _(
                    "Aucun territoire ne s'appelle « %s ». Tapez le début de son nom, ou son code "
                    "INSEE."
                )
                % query
            )
    # Folded, so that "Île-de-France" sorts among the I, not after the Z.
    regions = sorted(
        _with_density(with_place_counts(Territory.objects.all(), level=Level.REGION)),
        key=lambda region: fold(region.name),
    )
    departements = _with_density(
        with_place_counts(Territory.objects.all(), level=Level.DEPARTEMENT).order_by("code")
    )
    return render(
        request,
        "territories/territory_index.html",
        {
            "query": query,
            "candidates": candidates,
            "error": error,
            # The 18 régions (two-digit codes); the overseas collectivities (three-digit codes:
            # Saint-Pierre-et-Miquelon, Polynésie française…) are listed apart, as INSEE does.
            "regions": [region for region in regions if len(region.code) == REGION_CODE_LENGTH],
            "collectivities": [
                region for region in regions if len(region.code) != REGION_CODE_LENGTH
            ],
            "departements": [
                departement
                for departement in departements
                if departement.code not in OVERSEAS_COLLECTIVITY_CODES
            ],
            "describedby": "territory-q-help" + (" territory-q-error" if error else ""),
        },
        status=status,
    )


def territory_detail(request: HttpRequest, level: str, code: str) -> HttpResponse:
    """A territory: population, places by kind, places per 10,000 inhabitants, a map of its
    places, and the territories one level below with their own counts (one query).
    """
    if level not in Level.values:
        raise Http404(_("Niveau de territoire inconnu."))
    try:
        territory = get_territory(level=level, code=code)
    except Territory.DoesNotExist:
        raise Http404(_("Territoire introuvable.")) from None
    figures = territory_figures(territory)
    child_level = CHILD_LEVEL.get(territory.level)
    children = []
    if child_level is not None:
        inside = Territory.objects.filter(
            **{TERRITORY_FIELD_FOR_LEVEL[territory.level]: territory.code}
        )
        children = _with_density(
            with_place_counts(inside, level=child_level).order_by("-population", "name")
        )
    kinds = [
        {"code": code, "label": label, "count": figures.kinds[code]}
        for code, label in PlaceKind.choices
        if figures.kinds[code]
    ]
    kinds.sort(key=lambda kind: -kind["count"])
    return render(
        request,
        "territories/territory_detail.html",
        {
            "territory": territory,
            "parents": parent_territories(territory),
            "figures": figures,
            "kinds": kinds,
            "child_level": Level(child_level).label if child_level else "",
            "children": children,
            "geojson_url": geojson_url({"territory": [territory.ref]}),
            **download_urls({"territory": [territory.ref]}),
            # Drawn over the map by territories/outline.js (no outline: overseas collectivities).
            "outline_url": outline_url(territory),
            "center": f"{territory.latitude},{territory.longitude}"
            if territory.latitude is not None
            else "",
        },
    )
