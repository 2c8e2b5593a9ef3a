"""The territories part of the JSON API: one territory with the figures of its places.

In `places` because it counts places (`territories` is the layer below); mounted at
`/api/v1/territories` by `maillage.api`.
"""

import hashlib
import json

from django.db.models import Count, Window
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control, quote_etag
from django.utils.translation import gettext as _
from ninja import Path, Query, Router

from maillage.common.errors import FieldError, ValidationFailed
from maillage.common.schemas import error_responses
from maillage.common.text import control_characters_message, has_control_characters
from maillage.territories.models import Territory
from maillage.territories.schemas import TerritoryOut, TerritorySearchOut, TerritorySearchQuery
from maillage.territories.selectors import (
    LEVEL_ORDER,
    child_territories,
    commune_outlines_in,
    get_territory,
    parent_territories,
    territory_matches,
    territory_outline,
)

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
    "",
    response={200: TerritorySearchOut, **error_responses(422)},
    operation_id="search_territories",
    summary="Chercher un territoire par son nom",
    description=(
        "Les territoires dont le nom contient `q` (accents, majuscules et tirets "
        "indifférents), le meilleur d'abord : un nom exact avant un nom qui commence par `q`, "
        "qui a un mot commençant par `q`, puis qui le contient ; à égalité, le plus peuplé, "
        "puis le niveau le plus large (« Gironde » donne le département avant "
        "Gironde-sur-Dropt). `count` est le nombre total trouvé ; `items` en donne au plus "
        "`limit` à partir de `offset`. Sans `q`, les territoires des niveaux demandés, du "
        "plus peuplé au moins peuplé."
    ),
)
def search_territories(request: HttpRequest, params: Query[TerritorySearchQuery]):
    """Territories by name, best match first (`territories.selectors.territory_matches`)."""
    levels = [level.strip().lower() for level in params.level.split(",") if level.strip()]
    errors = []
    if unknown := [level for level in levels if level not in Territory.Level.values]:
        errors.append(
            FieldError(
                "level",
                _("Niveau(x) inconnu(s) : %(unknown)s ; niveaux possibles : %(levels)s.")
                % {"unknown": ", ".join(unknown), "levels": ", ".join(Territory.Level.values)},
            )
        )
    if has_control_characters(params.q):
        errors.append(FieldError("q", control_characters_message()))
    if errors:
        raise ValidationFailed(errors)
    if params.q.strip():
        territories = territory_matches(params.q, levels=levels)
    else:
        wanted = [level for level in LEVEL_ORDER if not levels or level in levels]
        territories = Territory.objects.filter(level__in=wanted).order_by("-population", "code")
    end = params.offset + params.limit
    # The total comes with the page (a window count): one pass over the names, not two.
    page = list(
        territories.annotate(total=Window(Count("pk"))).values(
            "level", "code", "name", "population", "total"
        )[params.offset : end]
    )
    count = page[0].pop("total") if page else None
    for row in page[1:]:
        del row["total"]
    if count is None:  # past the last page, or nothing found
        count = territories.count() if params.offset else 0
    return {"count": count, "items": page}


# Outlines change only when `load_territories` loads a new file: a day in browser caches, and
# the ETag (a digest of the outline) answers 304 after that.
OUTLINE_MAX_AGE_S = 24 * 3600


def _check_level(level: str) -> None:
    if level not in Territory.Level.values:
        raise Http404(
            _("Niveau « %(level)s » inconnu ; niveaux possibles : %(levels)s.")
            % {"level": level, "levels": ", ".join(Territory.Level.values)}
        )


def _unknown_territory(level: str, code: str) -> Http404:
    return Http404(
        _("Aucun territoire de niveau %(level)s avec le code « %(code)s ».")
        % {"level": level, "code": code}
    )


def _territory_or_404(level: str, code: str) -> Territory:
    _check_level(level)
    try:
        return get_territory(level=level, code=code)
    except Territory.DoesNotExist:
        raise _unknown_territory(level, code) from None


def _geojson_200(description: str) -> dict:
    """The OpenAPI entry of a 200 answered as GeoJSON (`application/geo+json`), which ninja's
    `response=` cannot say: schemathesis checks the documented content type."""
    return {
        "responses": {
            200: {
                "description": description,
                "content": {"application/geo+json": {"schema": {"type": "object"}}},
            }
        }
    }


@router.get(
    # Declared before the route below, whose `path:` code would otherwise take "…/outline".
    "{level}/{code}/outline",
    response={304: None, **error_responses(404)},
    operation_id="get_territory_outline",
    summary="Le contour d'un territoire (GeoJSON)",
    description=(
        "Le contour simplifié du territoire, en GeoJSON (`Feature` dont la géométrie est un "
        "`MultiPolygon`, longitude puis latitude, 5 décimales), pour le dessiner sur une carte "
        "ou situer un point. La réponse porte un `ETag` : une requête conditionnelle reçoit "
        "304 quand le contour n'a pas changé. 404 pour un territoire inconnu ou sans contour "
        "(les collectivités d'outre-mer n'en ont pas)."
    ),
    openapi_extra=_geojson_200("Feature GeoJSON : le contour (MultiPolygon)."),
)
def get_territory_outline(
    request: HttpRequest,
    level: str = Path(..., example="commune"),
    code: str = Path(..., example="64445"),
):
    _check_level(level)
    outline = territory_outline(level, code)
    if outline is None:
        raise _unknown_territory(level, code)
    if not outline:
        raise Http404(
            _("Le territoire %(level)s:%(code)s n'a pas de contour.")
            % {"level": level, "code": code}
        )
    properties = json.dumps({"level": level, "code": code.upper()}, separators=(",", ":"))
    return _conditional_geojson(
        request, f'{{"type":"Feature","properties":{properties},"geometry":{outline}}}'
    )


def _conditional_geojson(request: HttpRequest, body: str) -> HttpResponse:
    """The body as GeoJSON with an ETag (its digest), or 304 when the client has it."""
    etag = quote_etag(hashlib.blake2b(body.encode(), digest_size=12).hexdigest())
    response = get_conditional_response(request, etag=etag)
    if response is None:
        response = HttpResponse(body, content_type="application/geo+json")
    response["ETag"] = etag
    patch_cache_control(response, public=True, max_age=OUTLINE_MAX_AGE_S)
    return response


@router.get(
    "{level}/{code}/communes/outlines",
    response={304: None, **error_responses(404)},
    operation_id="get_territory_commune_outlines",
    summary="Les contours des communes d'un territoire (GeoJSON)",
    description=(
        "Les communes du territoire qui ont un contour, en `FeatureCollection` GeoJSON : "
        "propriétés `code`, `name`, `population`, géométrie `MultiPolygon` simplifiée "
        "(les communes voisines gardent une frontière commune), pour colorier des communes "
        "(zones blanches, couverture). Pour une commune, son seul contour. `ETag` et 304 "
        "comme pour `…/outline`. 404 pour un territoire inconnu."
    ),
    openapi_extra=_geojson_200("FeatureCollection GeoJSON des contours des communes."),
)
def get_territory_commune_outlines(
    request: HttpRequest,
    level: str = Path(..., example="epci"),
    code: str = Path(..., example="200067254"),
):
    territory = _territory_or_404(level, code)
    features = []
    for commune, name, population, outline in commune_outlines_in(territory):
        properties = json.dumps(
            {"code": commune, "name": name, "population": population},
            ensure_ascii=False,
            separators=(",", ":"),
        )
        features.append(f'{{"type":"Feature","properties":{properties},"geometry":{outline}}}')
    body = '{"type":"FeatureCollection","features":[' + ",".join(features) + "]}"
    return _conditional_geojson(request, body)


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
    territory = _territory_or_404(level, code)
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
