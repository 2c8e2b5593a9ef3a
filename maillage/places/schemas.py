"""API schemas for places: query parameters, list items, detail, and write bodies.

Write bodies only shape the JSON; `validation.clean_place_input` (through the services) decides
what is valid, so the API accepts exactly what imports and forms accept.
"""

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from ninja import Field, Schema
from pydantic import AwareDatetime, ConfigDict, WithJsonSchema, create_model

from maillage.territories.schemas import TerritoryRefOut

from .fields import BY_NAME, Kind, PlaceField, Role, View, fields_for, names_for
from .filters import MAX_SEARCH_CHARS, MAX_SEARCH_WORDS, MAX_SERVICES, MAX_YEAR, MIN_YEAR
from .kinds import PlaceKind
from .models import PlaceChange
from .selectors import MAX_OFFSET

MAX_LIMIT = 500
DEFAULT_LIMIT = 50


def _code_list_param(field: str) -> Any:
    """A filter on a closed code list of places (`filters.CODE_LIST_PARAMS`)."""
    return Field(
        [],
        description=f"Code de la liste `{field}` des lieux, répétable ou séparé par des virgules : "
        "un lieu dont la liste contient au moins un de ces codes.",
    )


def listed_codes(codes: tuple[str, ...]) -> Any:
    """Text documented with its codes: an `anyOf` of the codes and any text, for parameters
    and bodies whose values the validator checks (leniently, every field at once)."""
    listed = {"type": "string", "enum": list(codes)}
    return Annotated[str, WithJsonSchema({"anyOf": [listed, {"type": "string"}]})]


class PlaceFilterQuery(Schema):
    """Filters shared by the list, the GeoJSON and the CSV (parsed by `filters_from_params`)."""

    q: str = Field(
        "",
        description="Mots cherchés dans le nom, la commune, le code postal, la description, les "
        "types, les services et les équipements, sans tenir compte des accents ni des "
        "majuscules ; tous les mots doivent être présents, au début d'un mot ou dedans ; un "
        "mot de 4 lettres ou plus qu'aucun lieu ne contient est lu à une faute de frappe près "
        "(« fablb » : fablab). Les lieux les plus pertinents d'abord (par distance avec "
        f"`near`). {MAX_SEARCH_WORDS} mots et {MAX_SEARCH_CHARS} caractères au plus.",
        json_schema_extra={"maxLength": MAX_SEARCH_CHARS},
    )
    kind: list[listed_codes(BY_NAME["kinds"].codes)] = Field(  # type: ignore[valid-type]
        [],
        description="Code de type de lieu (voir `GET /api/v1/kinds`), répétable ou séparé par "
        "des virgules : `kind=fablab&kind=coworking` ; un lieu d'au moins un de ces types.",
    )
    service: list[str] = Field(
        [],
        description="Service proposé (libellé libre, sans tenir compte des accents ni des "
        f"majuscules), répétable ({MAX_SERVICES} fois au plus) : un lieu proposant tous ces "
        "services.",
    )
    status: list[listed_codes(BY_NAME["status"].codes)] = Field(  # type: ignore[valid-type]
        [],
        description="`project`, `open` ou `closed`, répétable ou séparé par des virgules.",
    )
    territory: str = Field(
        "",
        description="Territoire `niveau:code` : `commune:64445`, `epci:200067254`, "
        "`departement:64`, `region:75`. Un code seul est essayé comme région, puis département, "
        "EPCI et commune : `75` est la région Nouvelle-Aquitaine, Paris est `departement:75`.",
    )
    open_now: bool = Field(
        False,
        description="Seulement les lieux ouverts maintenant d'après leurs horaires, lus à "
        "l'heure locale de chaque lieu (Indian/Reunion à La Réunion ; jours fériés français).",
    )
    bbox: str = Field(
        "",
        description="Rectangle `min_lon,min_lat,max_lon,max_lat` en degrés (WGS 84).",
        json_schema_extra={"example": "-0.5,43.2,-0.2,43.4"},
    )
    near: str = Field(
        "",
        description="Point `lat,lon` en degrés, ou code INSEE d'une commune (son centre) : les "
        "lieux à moins de `radius_km`, du plus proche au plus loin, avec `distance_km`.",
        json_schema_extra={"example": "43.2951,-0.3708"},
    )
    radius_km: float | None = Field(
        None, description="Rayon autour de `near` en km (10 par défaut, 1 000 au plus)."
    )
    updated_since: str = Field(
        "",
        description="Date ou date-heure ISO 8601 : lieux modifiés depuis (heure de Paris quand "
        f"le fuseau manque), des années {MIN_YEAR} à {MAX_YEAR}.",
        json_schema_extra={"example": "2025-01-31T08:00:00Z"},
    )
    mobility: list[  # type: ignore[valid-type]
        listed_codes(BY_NAME["mobility"].codes)
    ] = _code_list_param("mobility")
    audience: list[  # type: ignore[valid-type]
        listed_codes(BY_NAME["audiences"].codes)
    ] = _code_list_param("audiences")
    specific_support: list[  # type: ignore[valid-type]
        listed_codes(BY_NAME["specific_support"].codes)
    ] = _code_list_param("specific_support")
    fee: list[  # type: ignore[valid-type]
        listed_codes(BY_NAME["fees"].codes)
    ] = _code_list_param("fees")
    access_mode: list[  # type: ignore[valid-type]
        listed_codes(BY_NAME["access_modes"].codes)
    ] = _code_list_param("access_modes")
    support_mode: list[  # type: ignore[valid-type]
        listed_codes(BY_NAME["support_modes"].codes)
    ] = _code_list_param("support_modes")


class PlaceListQuery(PlaceFilterQuery):
    limit: int = Field(
        DEFAULT_LIMIT,
        ge=1,
        description=f"Nombre de lieux par page ({MAX_LIMIT} au plus).",
        json_schema_extra={"maximum": MAX_LIMIT},
    )
    offset: int = Field(
        0, ge=0, le=MAX_OFFSET, description=f"Nombre de lieux à sauter ({MAX_OFFSET} au plus)."
    )


class PlaceGeoJSONQuery(PlaceFilterQuery):
    compact: bool = Field(
        False,
        description="Propriétés réduites pour une carte : "
        + ", ".join(
            name for name in names_for(View.COMPACT) if name not in ("latitude", "longitude")
        ),
    )


class PlaceClustersQuery(PlaceFilterQuery):
    zoom: int = Field(
        ...,
        ge=0,
        le=20,
        description="Le zoom de la carte (0 : le monde, 20 : la rue), celui de ses tuiles.",
    )


# --- Place schemas, built from the field registry (places.fields) ---------------------------
#
# Outputs type enum fields with their codes (`Literal`), so the OpenAPI document lists them.
# Write bodies list the codes too, as one choice of an `anyOf` with any text: the API goes on
# accepting what imports accept (`clean_place_input` reads codes case and spacing aside, and
# reports every invalid field at once, in French, where a schema error would stop at the
# first), and clients generated from the document may still send codes as plain strings.

_TEXT = str
_OUTPUT_TYPES: dict[Kind, Any] = {
    Kind.ID: int,
    Kind.UUID: UUID,
    Kind.FLOAT: float,
    Kind.INTEGER: int,
    Kind.BOOLEAN: bool,
    Kind.DATETIME: datetime,
    Kind.LABELS: list[str],
    Kind.COMMUNE: TerritoryRefOut,
}
_INPUT_TYPES: dict[Kind, Any] = {
    Kind.FLOAT: float,
    Kind.INTEGER: int,
    Kind.DATETIME: AwareDatetime,
    Kind.LABELS: list[str],
}


def _codes(field: PlaceField) -> tuple[str, ...]:
    return (*field.codes, "") if field.optional else field.codes


def _output_type(field: PlaceField) -> Any:
    if field.kind == Kind.CODE:
        return Literal[_codes(field)]  # type: ignore[valid-type]
    if field.kind == Kind.CODES:
        return list[Literal[field.codes]]  # type: ignore[valid-type]
    base = _OUTPUT_TYPES.get(field.kind, _TEXT)
    return base | None if field.optional or field.kind == Kind.COMMUNE else base


def _input_type(field: PlaceField) -> Any:
    if field.kind in (Kind.CODE, Kind.CODES):
        code = listed_codes(_codes(field))
        return list[code] if field.kind == Kind.CODES else code  # type: ignore[valid-type]
    return _INPUT_TYPES.get(field.kind, _TEXT)


def _extra(field: PlaceField, *, write: bool = False) -> dict[str, Any]:
    description = (field.write_description if write else "") or field.description
    return {"description": description} if description else {}


def _output_schema(name: str, view: View) -> type[Schema]:
    definitions: dict[str, Any] = {}
    for field in fields_for(view):
        # A list row's computed optional value (`distance_km`) is there only with some filters.
        sometimes = view == View.LIST and field.role == Role.COMPUTED and field.optional
        definitions[field.name] = (
            _output_type(field),
            Field(None if sometimes else ..., **_extra(field)),
        )
    return create_model(name, __base__=Schema, __module__=__name__, **definitions)


def _input_schema(name: str, doc: str, *, required: bool) -> type[Schema]:
    definitions: dict[str, Any] = {}
    for field in fields_for(View.WRITE):
        extra = _extra(field, write=True)
        if field.example:
            extra["examples"] = [field.example]
        if required and field.required:
            definitions[field.name] = (_input_type(field), Field(..., **extra))
        else:
            definitions[field.name] = (_input_type(field) | None, Field(None, **extra))
    return create_model(name, __base__=_WriteBody, __doc__=doc, __module__=__name__, **definitions)


class _WriteBody(Schema):
    model_config = ConfigDict(extra="forbid")


PlaceListItemOut = _output_schema("PlaceListItemOut", View.LIST)


class PlacePageOut(Schema):
    count: int = Field(description="Nombre total de lieux correspondant aux filtres.")
    items: list[PlaceListItemOut]  # type: ignore[valid-type]


PlaceDetailOut = _output_schema("PlaceDetailOut", View.DETAIL)
PlacePatchIn = _input_schema(
    "PlacePatchIn",
    'The fields to change; absent fields keep their value, `null` or "" empties one.',
    required=False,
)
PlaceCreateIn = _input_schema(
    "PlaceCreateIn",
    "A new place: a name, at least one kind, and coordinates or a resolvable commune.",
    required=True,
)


class KindOut(Schema):
    code: Literal[tuple(PlaceKind.values)]  # type: ignore[valid-type]
    label: str = Field(description="Libellé dans la langue de la requête.")
    data_inclusion_typology: str | None = Field(
        description="Typologie data·inclusion correspondante, quand elle existe."
    )


MAX_CHANGES_LIMIT = 1000


class PlaceChangesQuery(Schema):
    since: str = Field(
        "",
        description="Date ou date-heure ISO 8601 : changements faits depuis (heure de Paris "
        f"quand le fuseau manque), des années {MIN_YEAR} à {MAX_YEAR}.",
        json_schema_extra={"example": "2025-01-31T08:00:00Z"},
    )
    cursor: str = Field(
        "",
        description="Le `next_cursor` d'une page précédente : la suite, sans doublon ni trou.",
    )
    limit: int = Field(
        100,
        ge=1,
        le=MAX_CHANGES_LIMIT,
        description=f"Nombre de changements par page ({MAX_CHANGES_LIMIT} au plus).",
    )
    expand: Literal["", "place"] = Field(
        "",
        description="`place` : chaque changement porte le lieu tel qu'il est maintenant (de "
        "quoi tenir une copie sans une requête par lieu ; c'est ce que moissonne une autre "
        "instance).",
    )


# What `expand=place` puts in each entry of the changes feed: everything a mirror (another
# instance, federation) needs to write the place, under the names of the write bodies.
RECORD_FIELDS = (
    "uuid",
    *(name for name in names_for(View.WRITE) if name != "source_updated_at"),
    "updated_at",
)
PlaceRecordOut = create_model(
    "PlaceRecordOut",
    __base__=Schema,
    __module__=__name__,
    **{
        field.name: (_output_type(field), Field(..., **_extra(field)))
        for field in (BY_NAME[name] for name in RECORD_FIELDS)
    },
)


class PlaceChangeOut(Schema):
    uuid: UUID = Field(description="Identifiant stable du lieu.")
    change: Literal[tuple(PlaceChange.Change.values)] = Field(  # type: ignore[valid-type]
        description="`created`, `updated` ou `deleted`."
    )
    at: datetime
    source: str
    source_id: str
    id: int | None = Field(description="Identifiant actuel du lieu ; aucun une fois supprimé.")
    slug: str | None
    url: str | None = Field(description="Chemin de la page du lieu ; aucun une fois supprimé.")
    place: PlaceRecordOut | None = Field(  # type: ignore[valid-type]
        None,
        description="Avec `expand=place` : le lieu tel qu'il est maintenant (aucun une fois "
        "supprimé).",
    )


class PlaceChangesPageOut(Schema):
    items: list[PlaceChangeOut]
    next_cursor: str | None = Field(
        description="À passer en `cursor` pour la page suivante ; aucun quand rien ne suit."
    )
    resume_cursor: str | None = Field(
        None,
        description="Le curseur juste après la dernière entrée de cette page, même la "
        "dernière : à garder pour reprendre plus tard sans relire cette page. Aucun pour une "
        "page vide.",
    )
