"""The territories part of the JSON API: one territory with the figures of its places.

In `places` because it counts places (`territories` is the layer below); mounted at
`/api/v1/territories` by `maillage.api`.
"""

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Router

from maillage.common.schemas import error_responses
from maillage.territories.models import Territory
from maillage.territories.schemas import TerritoryOut
from maillage.territories.selectors import child_territories, get_territory, parent_territories

from .selectors import territory_figures

router = Router(tags=["territories"])

CHILD_LEVEL = {
    Territory.Level.REGION: Territory.Level.DEPARTEMENT,
    Territory.Level.DEPARTEMENT: Territory.Level.EPCI,
    Territory.Level.EPCI: Territory.Level.COMMUNE,
}


def _ref(territory: Territory) -> dict:
    return {"level": territory.level, "code": territory.code, "name": territory.name}


@router.get(
    # `path:` lets a code hold any character, "/" included (sent as %2F, which the server
    # decodes): an unknown code answers this API's JSON 404, never the site's HTML page.
    "{level}/{path:code}",
    response={200: TerritoryOut, **error_responses(404)},
    operation_id="get_territory",
    summary="Un territoire et ses lieux",
    description=(
        "`level` vaut `commune`, `epci`, `departement` ou `region` ; `code` est le code INSEE "
        "(SIREN pour un EPCI), par exemple `/api/v1/territories/departement/64`. Donne la "
        "population, les territoires englobants, le nombre de territoires inclus, et les lieux "
        "par type et par statut. 404 pour un niveau ou un code inconnu."
    ),
)
def get_territory_figures(
    request: HttpRequest,
    level: str = Path(..., example="departement"),
    code: str = Path(..., example="64"),
):
    """A territory with its population and the places inside it by kind and status.

    Figures are those of the territory page (`places.selectors.territory_figures`).
    """
    if level not in Territory.Level.values:
        raise Http404(
            _("Niveau « %(level)s » inconnu ; niveaux possibles : %(levels)s.")
            % {"level": level, "levels": ", ".join(Territory.Level.values)}
        )
    try:
        territory = get_territory(level=level, code=code)
    except Territory.DoesNotExist:
        raise Http404(
            _("Aucun territoire de niveau %(level)s avec le code « %(code)s ».")
            % {"level": level, "code": code}
        ) from None
    figures = territory_figures(territory)
    return {
        "level": territory.level,
        "code": territory.code,
        "name": territory.name,
        "population": territory.population,
        "latitude": territory.latitude,
        "longitude": territory.longitude,
        "parents": [_ref(parent) for parent in parent_territories(territory)],
        "children": {
            "level": CHILD_LEVEL.get(territory.level),
            "count": len(child_territories(territory)),
        },
        "places_total": figures.places_total,
        "places_per_10000": figures.places_per_10000,
        "kinds": figures.kinds,
        "statuses": figures.statuses,
    }
