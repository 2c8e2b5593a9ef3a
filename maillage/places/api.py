"""The places part of the JSON API: the directory (list, GeoJSON, CSV), one place, its writes,
and the kinds.

Operations stay thin: filters come from `filters.filters_from_params` (the list page uses it
too), reads from `selectors`, writes from `services`; errors are raised and turned into the one
error format by `maillage.api`. The `params` schemas declare the query parameters (for the
OpenAPI document and type checks); the filter values themselves are read from `request.GET` by
`filters_from_params`, exactly as the list page reads them.
"""

import base64
import binascii
import hashlib
from collections.abc import Sequence
from typing import Any

import orjson
from django.conf import settings
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Count, Max
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control, quote_etag
from django.utils.http import http_date
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from maillage.accounts.auth import token_auth
from maillage.common.errors import FieldError, ValidationFailed
from maillage.common.schemas import error_responses

from . import clusters, selectors, services
from .fields import Kind, View, fields_for, names_for
from .filters import filters_from_params, parse_moment
from .formats import EXPORT_FIELDS, geojson, licensing, osm, place_path
from .formats.canonical import iter_places_csv
from .hours import is_open_at
from .kinds import DATA_INCLUSION_TYPOLOGY, PlaceKind
from .models import Place
from .schemas import (
    MAX_LIMIT,
    RECORD_FIELDS,
    KindOut,
    PlaceChangesPageOut,
    PlaceChangesQuery,
    PlaceClustersQuery,
    PlaceCreateIn,
    PlaceDetailOut,
    PlaceFilterQuery,
    PlaceGeoJSONQuery,
    PlaceListItemOut,
    PlaceListQuery,
    PlacePageOut,
    PlacePatchIn,
)

router = Router()

# The light GeoJSON drawn by the home map: what a marker and its popup need, nothing more.
COMPACT_FIELDS = names_for(View.COMPACT, columns=True)
GEOJSON_MAX_AGE_S = 60
UNFILTERED = selectors.PlaceFilters()
# The fields of a list item, in the schema's order (`distance_km` is None without `near`).
LIST_ITEM_FIELDS = tuple(PlaceListItemOut.model_fields)
# The detail's values read as they are from the place (places.fields); the commune, the
# relations and the computed values are built by `_detail`.
DETAIL_FIELDS = tuple(
    field.name for field in fields_for(View.DETAIL, columns=True) if field.kind != Kind.COMMUNE
)
# Filters and ids that do not validate answer 422; writes may also meet a body that is not JSON
# (400), no or a bad token (401), a user who may not (403), a place out of reach (404).
READ_ERRORS = error_responses(422)
_DJANGO_JSON = DjangoJSONEncoder()


def _json(data: Any) -> bytes:
    """`data` as compact UTF-8 JSON, datetimes written as in the rest of the API.

    orjson serialises the 4 MB of the full map in a seventh of the time the standard library
    takes; datetimes are handed to DjangoJSONEncoder (milliseconds, `Z` for UTC), as ninja does.
    """
    return orjson.dumps(data, default=_DJANGO_JSON.default, option=orjson.OPT_PASSTHROUGH_DATETIME)


def _filters(
    request: HttpRequest, extra_errors: Sequence[FieldError] = ()
) -> selectors.PlaceFilters:
    """The filters of the query string; every invalid parameter at once → 422."""
    filters, errors = filters_from_params(request.GET)
    errors = [*errors, *extra_errors]
    if errors:
        raise ValidationFailed(errors)
    return filters


def _detail(place: Place) -> dict:
    """A place as `PlaceDetailOut`, from a place loaded by `selectors.get_place`."""
    commune = place.commune
    return {
        **{name: getattr(place, name) for name in DETAIL_FIELDS},
        "url": place_path(place.slug),
        # In the order they were given, as `selectors.attach_relations` lists them.
        "kinds": [link.kind for link in sorted(place.kind_links.all(), key=lambda link: link.pk)],
        "services": [label.name for label in place.services.all()],
        "equipment": [label.name for label in place.equipment.all()],
        "commune": (
            {"level": commune.level, "code": commune.code, "name": commune.name}
            if commune
            else None
        ),
        "is_open_now": is_open_at(place.opening_hours, timezone.now(), zone=place.timezone),
    }


def _editable_place(request: HttpRequest, place_id: int) -> Place:
    try:
        return selectors.get_place_for_edit(user=request.auth, place_id=place_id)
    except Place.DoesNotExist:
        raise Http404(_("Lieu introuvable.")) from None


@router.get(
    "places",
    response={200: PlacePageOut, **READ_ERRORS},
    operation_id="list_places",
    tags=["places"],
    summary="Chercher des lieux",
    description=(
        "Les lieux qui passent tous les filtres, par nom (par distance avec `near`), une page "
        "à la fois : `count` est le nombre total de lieux trouvés, `items` en donne au plus "
        f"`limit` ({MAX_LIMIT} au plus) à partir de `offset`. Un paramètre invalide donne une "
        "erreur 422 qui le nomme dans `errors[].field`."
    ),
)
def list_places(request: HttpRequest, params: Query[PlaceListQuery]):
    """Places matching the filters, by name (by distance with `near`), a page at a time.

    `count` is the number of matches; `items` holds at most `limit` of them from `offset`.
    """
    limit_errors = []
    if params.limit > MAX_LIMIT:
        limit_errors.append(
            FieldError(
                "limit",
                _(
                    "%(max)d lieux au plus par page : utilisez offset pour la suite, ou "
                    "places.csv et places.geojson pour tout obtenir d'un coup."
                )
                % {"max": MAX_LIMIT},
            )
        )
    filters = _filters(request, limit_errors)
    # Items carry kinds, not services or equipment: no query for labels.
    page = selectors.search_places(
        filters, limit=params.limit, offset=params.offset, with_labels=False
    )
    items = []
    for row in page.items:
        item = {name: row.get(name) for name in LIST_ITEM_FIELDS}
        item["url"] = place_path(row["slug"])
        items.append(item)
    # Serialised here, without ninja validating each item against PlacePageOut again: the rows
    # come from the database with the schema's types, and that validation cost as much as the
    # rest of the request (tests/api/test_places_list.py checks the answer against the schema).
    return HttpResponse(
        _json({"count": page.count, "items": items}),
        content_type="application/json; charset=utf-8",
    )


def _validators(filters: selectors.PlaceFilters, variant: str) -> tuple[str, int | None]:
    """ETag and Last-Modified (whole seconds, as HTTP dates) of the matching places (one query).

    The number of matches and their latest update change whenever a place is created,
    edited or deleted, so together they identify the content of the answer; the ETag keeps
    the microseconds that an HTTP date loses.
    """
    summary = selectors.filter_places(filters).aggregate(total=Count("id"), last=Max("updated_at"))
    last = summary["last"].timestamp() if summary["last"] else None
    etag = quote_etag(f"{variant}-{summary['total']}-{last or 0}")
    return etag, None if last is None else int(last)


def _geojson_body(filters: selectors.PlaceFilters, *, compact: bool, etag: str | None) -> bytes:
    """The FeatureCollection of the matching places, serialised.

    The whole map (no filter) is what the home page loads at every visit, so its body is kept
    in Django's cache for `GEOJSON_CACHE_SECONDS`, keyed by the ETag: the number of places and
    their latest update change with every write, so a stored body is never served after a
    change. Filtered maps, smaller and varied, are computed each time (and use no cache space).
    """
    timeout = settings.GEOJSON_CACHE_SECONDS
    key = f"places.geojson:{etag}" if etag and timeout and filters == UNFILTERED else None
    if key and (body := cache.get(key)) is not None:
        return body
    fields = COMPACT_FIELDS if compact else geojson.GEOJSON_FIELDS
    # `source` for the attribution (not a property of the features): no query of its own.
    rows = selectors.search_places(filters, fields=(*fields, "source"), with_labels=not compact)
    # Its licence and attribution, as foreign members of the collection (RFC 7946 § 6.1).
    meta = licensing.licence_document(row["source"] for row in rows.items)
    body = _json(
        {
            **geojson.places_geojson(rows.items),
            "licence": meta["licence"],
            "attribution": meta["attribution"],
        }
    )
    if key:
        cache.set(key, body, timeout)
    return body


@router.get(
    "places.geojson",
    response={304: None, **READ_ERRORS},
    operation_id="places_geojson",
    tags=["places"],
    summary="Lieux en GeoJSON",
    description=(
        "Tous les lieux qui passent les filtres de `GET /api/v1/places`, sans pagination. "
        "`compact=1` ne garde que ce qu'une carte affiche. La réponse porte `ETag` et "
        "`Last-Modified` (sauf avec `open_now`) : une requête conditionnelle reçoit 304 quand "
        "rien n'a changé."
    ),
    openapi_extra={
        "responses": {
            200: {
                "description": "FeatureCollection de points (longitude, latitude).",
                "content": {"application/geo+json": {"schema": {"type": "object"}}},
            }
        }
    },
)
def places_geojson(request: HttpRequest, params: Query[PlaceGeoJSONQuery]):
    """Every place matching the filters (no pagination) as a GeoJSON FeatureCollection.

    `compact=1` keeps the properties a map needs. Answers carry an ETag and Last-Modified
    (except with `open_now`, which depends on the clock) and honour conditional requests.
    """
    filters = _filters(request)
    variant = "compact" if params.compact else "full"
    etag, last_modified = (None, None) if filters.open_now else _validators(filters, variant)
    response = get_conditional_response(request, etag=etag, last_modified=last_modified)
    if response is None:
        response = HttpResponse(
            _geojson_body(filters, compact=params.compact, etag=etag),
            content_type="application/geo+json",
        )
    if etag is not None:
        response["ETag"] = etag
        if last_modified is not None:
            response["Last-Modified"] = http_date(last_modified)
    patch_cache_control(response, public=True, max_age=GEOJSON_MAX_AGE_S)
    return licensing.licensed(response, request)


@router.get(
    "places.clusters",
    response={304: None, **READ_ERRORS},
    operation_id="places_clusters",
    tags=["places"],
    summary="Lieux d'une vue de carte, regroupés",
    description=(
        "Ce que montre une carte : les lieux du rectangle `bbox` (min_lon,min_lat,max_lon,"
        "max_lat, élargi aux cellules entières de la grille) au zoom `zoom`, avec les filtres "
        "de `GET /api/v1/places`. Les lieux sont regroupés par cellule d'une grille de "
        f"{clusters.CELL_PX} pixels à ce zoom : `clusters` donne pour chaque cellule "
        "[latitude, longitude, nombre, nombres par type dans l'ordre de `kinds`] (la position "
        "moyenne de ses lieux) ; une cellule d'un seul lieu, et à partir du zoom "
        f"{clusters.POINTS_ZOOM} tous les lieux (jusqu'à {clusters.MAX_POINTS}), sont dans "
        "`points` : [id, latitude, longitude, nom, slug, types (indices dans `kinds`), "
        "statut (indice dans `statuses`), ville]. `count` compte les lieux de la vue. Un "
        f"rectangle de plus de {clusters.MAX_VIEW_PX} pixels de côté à ce zoom donne une "
        "erreur 422. La réponse porte un `ETag` (sauf avec `open_now`) : une requête "
        "conditionnelle reçoit 304 tant que rien n'a changé."
    ),
    openapi_extra={
        "responses": {
            200: {
                "description": "Regroupements et lieux de la vue (JSON compact).",
                "content": {"application/json": {"schema": {"type": "object"}}},
            }
        }
    },
)
def places_clusters(request: HttpRequest, params: Query[PlaceClustersQuery]):
    """The places of a map view: grouped by grid cell when zoomed out, points when zoomed in.

    The answer is cached per data version (`clusters.data_version`, one query) and the
    requested cells, and carries an ETag of the same; `open_now` depends on the clock and is
    neither cached nor tagged.
    """
    filters = _filters(request)
    view = clusters.view_for(filters.bbox, params.zoom)
    version = clusters.data_version()
    key = clusters.cache_key(version, filters, view)
    etag = None if filters.open_now else quote_etag(f"clusters-{key}")
    if etag is not None and (response := get_conditional_response(request, etag=etag)):
        response["ETag"] = etag
        return response
    timeout = settings.GEOJSON_CACHE_SECONDS if etag is not None else 0
    body = cache.get(f"places.clusters:{key}") if timeout else None
    if body is None:
        arrays = clusters.map_arrays(version)
        body = _json(clusters.clusters(arrays, filters, view))
        if timeout:
            cache.set(f"places.clusters:{key}", body, timeout)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    if etag is not None:
        response["ETag"] = etag
    patch_cache_control(response, public=True, max_age=GEOJSON_MAX_AGE_S)
    return response


@router.get(
    "places.csv",
    response=READ_ERRORS,
    operation_id="places_csv",
    tags=["places"],
    summary="Lieux en CSV",
    description=(
        "Tous les lieux qui passent les filtres de `GET /api/v1/places`, au format CSV "
        "canonique : celui que lit l'import, qui peut donc relire cet export."
    ),
    openapi_extra={
        "responses": {
            200: {
                "description": "CSV canonique (le format des imports), UTF-8.",
                "content": {"text/csv": {"schema": {"type": "string"}}},
            }
        }
    },
)
def places_csv(request: HttpRequest, params: Query[PlaceFilterQuery]):
    """Every place matching the filters in the canonical CSV, which imports read back."""
    filters = _filters(request)
    rows = selectors.search_places(filters, fields=EXPORT_FIELDS)
    response = StreamingHttpResponse(
        iter_places_csv(rows.items), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="tiers-lieux.csv"'
    return licensing.licensed(response, request)


@router.get(
    "places.osm.geojson",
    response=READ_ERRORS,
    operation_id="places_osm_geojson",
    tags=["places"],
    summary="Lieux en attributs OpenStreetMap",
    description=(
        "Les lieux qui passent les filtres de `GET /api/v1/places` et dont un type a son "
        "équivalent dans OpenStreetMap, en GeoJSON dont les propriétés sont des attributs OSM "
        "(`name`, `amenity`, `addr:*`, `opening_hours`, `ref:FR:SIRET`…) : de quoi les "
        "comparer à OSM avant de les y verser. `@id` (`node/123`) pour un lieu importé d'OSM."
    ),
    openapi_extra={
        "responses": {
            200: {
                "description": "FeatureCollection de points, propriétés en attributs OSM.",
                "content": {"application/geo+json": {"schema": {"type": "object"}}},
            }
        }
    },
)
def places_osm_geojson(request: HttpRequest, params: Query[PlaceFilterQuery]):
    """The places OSM can tag, matching the filters, as GeoJSON of OSM tags."""
    rows = selectors.search_places(_filters(request), fields=EXPORT_FIELDS)
    body = _json({"type": "FeatureCollection", "features": list(osm.osm_features(rows.items))})
    response = HttpResponse(body, content_type="application/geo+json")
    response["Content-Disposition"] = 'inline; filename="tiers-lieux.osm.geojson"'
    return licensing.licensed(response, request)


# A cursor is the base64 of `seq:<n>`: opaque to clients, so its form may change.
CURSOR_PREFIX = "seq:"


def encode_cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(f"{CURSOR_PREFIX}{seq}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> int | None:
    """The `seq` a cursor resumes after, or None when it is not one of ours."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    number = text.removeprefix(CURSOR_PREFIX)
    if not text.startswith(CURSOR_PREFIX) or not number.isdecimal() or len(number) > 18:
        return None
    return int(number)


# Declared before `places/{place_id}`, so that this path is never read as a place's id.
@router.get(
    "places/changes",
    response={200: PlaceChangesPageOut, 304: None, **READ_ERRORS},
    operation_id="list_place_changes",
    tags=["places"],
    summary="Changements des lieux",
    description=(
        "Les lieux créés, modifiés et supprimés, dans l'ordre où c'est arrivé : de quoi tenir "
        "une copie à jour. `since` part d'une date, `cursor` (le `next_cursor` de la page "
        "précédente) reprend juste après la dernière entrée lue ; `next_cursor` est nul quand "
        "rien ne suit. Un lieu supprimé reste dans le flux (`deleted`, avec son `uuid`, sa "
        "`source` et son `source_id`). `expand=place` joint à chaque entrée le lieu tel qu'il "
        "est. La réponse porte un `ETag` : une requête conditionnelle (`If-None-Match`) "
        "reçoit 304 tant que rien n'a changé."
    ),
)
def list_place_changes(request: HttpRequest, params: Query[PlaceChangesQuery]):
    """Created, updated and deleted places in the order of the change log, resumable."""
    since, errors = parse_moment(params.since, field="since")
    after_seq = 0
    if params.cursor:
        after_seq = _decode_cursor(params.cursor)
        if after_seq is None:
            errors.append(
                FieldError(
                    "cursor",
                    _("Curseur inconnu : reprenez avec le next_cursor d'une page précédente."),
                )
            )
    if errors:
        raise ValidationFailed(errors)
    # A page is known by what it was asked and by the last entry of the whole log: a later
    # change (to a place of the page, too) appends an entry, so the ETag changes with it.
    etag = quote_etag(
        "changes-"
        + hashlib.sha256(
            f"{after_seq}|{since}|{params.limit}|{params.expand}|"
            f"{selectors.last_change_seq()}".encode()
        ).hexdigest()[:32]
    )
    if (response := get_conditional_response(request, etag=etag)) is not None:
        response["ETag"] = etag
        return response
    page = selectors.place_changes(after_seq=after_seq, since=since, limit=params.limit)
    records = {}
    if params.expand == "place":
        alive = [row["uuid"] for row in page.items if row["id"] is not None]
        records = selectors.place_records(alive, fields=RECORD_FIELDS)
    items = []
    for row in page.items:
        item = {
            **{name: row[name] for name in ("uuid", "change", "at", "source", "source_id")},
            "id": row["id"],
            "slug": row["slug"],
            "url": place_path(row["slug"]) if row["slug"] else None,
        }
        if params.expand == "place":
            record = records.get(row["uuid"])
            item["place"] = {name: record[name] for name in RECORD_FIELDS} if record else None
        items.append(item)
    resume_cursor = encode_cursor(page.items[-1]["seq"]) if page.items else None
    next_cursor = resume_cursor if page.has_more else None
    response = HttpResponse(
        _json({"items": items, "next_cursor": next_cursor, "resume_cursor": resume_cursor}),
        content_type="application/json; charset=utf-8",
    )
    response["ETag"] = etag
    return response


@router.get(
    "places/{place_id}",
    response={200: PlaceDetailOut, **error_responses(404, 422)},
    operation_id="get_place",
    tags=["places"],
    summary="Un lieu",
    description="Tout ce qui est public sur un lieu, et s'il est ouvert maintenant.",
)
def get_place(request: HttpRequest, place_id: int):
    """Everything public about one place, with whether it is open now."""
    try:
        return _detail(selectors.get_place(place_id=place_id))
    except Place.DoesNotExist:
        raise Http404(_("Lieu introuvable.")) from None


@router.post(
    "places",
    auth=token_auth,
    response={201: PlaceDetailOut, **error_responses(400, 401, 403, 422)},
    operation_id="create_place",
    tags=["places"],
    summary="Créer un lieu",
    description=(
        "Réservé aux administrateur·rices de l’instance (403 sinon). Un nom, au moins un type, et "
        "des coordonnées ou une commune (code INSEE, ou code postal et ville). Répond 201 avec "
        "le lieu ; 422 avec un message par champ invalide."
    ),
)
def create_place(request: HttpRequest, payload: PlaceCreateIn):
    """Create a place; only instance administrators may. Answers 201 with the place."""
    place = services.create_place(actor=request.auth, data=payload.model_dump(exclude_unset=True))
    return Status(201, _detail(selectors.get_place(place_id=place.pk)))


@router.patch(
    "places/{place_id}",
    auth=token_auth,
    response={200: PlaceDetailOut, **error_responses(400, 401, 403, 404, 422)},
    operation_id="update_place",
    tags=["places"],
    summary="Modifier un lieu",
    description=(
        "Seuls les champs envoyés changent. Les administrateur·rices modifient tous les lieux, "
        "les gestionnaires les leurs : les autres lieux répondent 404."
    ),
)
def update_place(request: HttpRequest, place_id: int, payload: PlacePatchIn):
    """Change the fields sent, keep the others. Managers reach only their own places (404)."""
    place = _editable_place(request, place_id)
    services.update_place(
        actor=request.auth, place=place, changes=payload.model_dump(exclude_unset=True)
    )
    return _detail(selectors.get_place(place_id=place_id))


@router.delete(
    "places/{place_id}",
    auth=token_auth,
    response={204: None, **error_responses(401, 403, 404, 422)},
    operation_id="delete_place",
    tags=["places"],
    summary="Supprimer un lieu",
    description=(
        "Les administrateur·rices suppriment tous les lieux, les gestionnaires les leurs : les "
        "autres lieux répondent 404. Répond 204."
    ),
)
def delete_place(request: HttpRequest, place_id: int):
    """Remove a place. Managers reach only their own places (404)."""
    services.delete_place(actor=request.auth, place=_editable_place(request, place_id))
    return Status(204, None)


@router.get(
    "kinds",
    response=list[KindOut],
    operation_id="list_kinds",
    tags=["kinds"],
    summary="Types de lieu",
    description=(
        "Les codes de type de lieu, leur libellé dans la langue de la requête "
        "(`Accept-Language`) et leur typologie data·inclusion."
    ),
)
def list_kinds(request: HttpRequest):
    """Every kind code with its label in the request's language and its data·inclusion type."""
    return [
        {
            "code": kind.value,
            "label": str(kind.label),
            "data_inclusion_typology": DATA_INCLUSION_TYPOLOGY[kind.value],
        }
        for kind in PlaceKind
    ]
