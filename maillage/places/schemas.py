"""API schemas for places: query parameters, list items, detail, and write bodies.

Write bodies only shape the JSON; `validation.clean_place_input` (through the services) decides
what is valid, so the API accepts exactly what imports and forms accept.
"""

from datetime import datetime
from uuid import UUID

from ninja import Field, Schema
from pydantic import AwareDatetime, ConfigDict

from maillage.territories.schemas import TerritoryRefOut

from .filters import MAX_SEARCH_CHARS, MAX_SEARCH_WORDS, MAX_SERVICES, MAX_YEAR, MIN_YEAR
from .selectors import MAX_OFFSET

MAX_LIMIT = 500
DEFAULT_LIMIT = 50


class PlaceFilterQuery(Schema):
    """Filters shared by the list, the GeoJSON and the CSV (parsed by `filters_from_params`)."""

    q: str = Field(
        "",
        description="Mots cherchés dans le nom, la description et la commune, sans tenir compte "
        "des accents ni des majuscules ; tous les mots doivent être présents "
        f"({MAX_SEARCH_WORDS} mots et {MAX_SEARCH_CHARS} caractères au plus).",
        json_schema_extra={"maxLength": MAX_SEARCH_CHARS},
    )
    kind: list[str] = Field(
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
    status: list[str] = Field(
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
        description="Propriétés réduites pour une carte : id, slug, url, name, kinds, status, city",
    )


class PlaceListItemOut(Schema):
    id: int
    uuid: UUID = Field(description="Identifiant stable : l'`id` et le `slug` peuvent changer.")
    slug: str
    name: str
    url: str = Field(description="Chemin de la page du lieu.")
    kinds: list[str]
    status: str
    latitude: float
    longitude: float
    location_precision: str = Field(
        description="`exact` (adresse) ou `commune` (centre de la commune)."
    )
    address: str
    postal_code: str
    city: str
    insee_code: str
    website: str
    opening_hours: str
    source: str
    updated_at: datetime
    distance_km: float | None = Field(None, description="Distance à `near`, quand il est donné.")


class PlacePageOut(Schema):
    count: int = Field(description="Nombre total de lieux correspondant aux filtres.")
    items: list[PlaceListItemOut]


class PlaceDetailOut(Schema):
    id: int
    uuid: UUID = Field(description="Identifiant stable : l'`id` et le `slug` peuvent changer.")
    slug: str
    name: str
    url: str
    kinds: list[str]
    status: str
    description: str
    address: str
    postal_code: str
    city: str
    insee_code: str
    commune: TerritoryRefOut | None
    latitude: float
    longitude: float
    location_precision: str
    opening_hours: str = Field(description="Syntaxe OpenStreetMap `opening_hours`.")
    is_open_now: bool | None = Field(description="Aucun quand les horaires ne le disent pas.")
    website: str
    email: str
    phone: str = Field(description="Format international E.164.")
    siret: str
    legal_form: str
    services: list[str]
    equipment: list[str]
    wheelchair: str = Field(description="`yes`, `limited`, `no`, ou vide quand inconnu.")
    acceslibre_url: str
    surface_m2: int | None
    capacity: int | None
    source: str
    source_id: str
    source_updated_at: datetime | None
    created_at: datetime
    updated_at: datetime


class PlacePatchIn(Schema):
    """The fields to change; absent fields keep their value, `null` or "" empties one."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    kinds: list[str] | None = Field(None, description="Codes de `GET /api/v1/kinds`.")
    status: str | None = None
    description: str | None = None
    address: str | None = None
    postal_code: str | None = None
    city: str | None = None
    insee_code: str | None = Field(
        None, description="Code INSEE de la commune ; à défaut, code postal et ville."
    )
    latitude: float | None = None
    longitude: float | None = Field(
        None, description="Sans coordonnées, le lieu est placé au centre de sa commune."
    )
    opening_hours: str | None = Field(None, examples=["Mo-Fr 09:00-18:00; PH off"])
    website: str | None = None
    email: str | None = None
    phone: str | None = None
    siret: str | None = None
    legal_form: str | None = None
    services: list[str] | None = None
    equipment: list[str] | None = None
    wheelchair: str | None = None
    acceslibre_url: str | None = None
    surface_m2: int | None = None
    capacity: int | None = None
    source_updated_at: AwareDatetime | None = Field(
        None, description="Date-heure ISO 8601 avec fuseau, ex. 2025-01-31T08:00:00Z."
    )


class PlaceCreateIn(PlacePatchIn):
    """A new place: a name, at least one kind, and coordinates or a resolvable commune."""

    name: str
    kinds: list[str] = Field(description="Codes de `GET /api/v1/kinds`.")


class KindOut(Schema):
    code: str
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


class PlaceChangeOut(Schema):
    uuid: UUID = Field(description="Identifiant stable du lieu.")
    change: str = Field(description="`created`, `updated` ou `deleted`.")
    at: datetime
    source: str
    source_id: str
    id: int | None = Field(description="Identifiant actuel du lieu ; aucun une fois supprimé.")
    slug: str | None
    url: str | None = Field(description="Chemin de la page du lieu ; aucun une fois supprimé.")


class PlaceChangesPageOut(Schema):
    items: list[PlaceChangeOut]
    next_cursor: str | None = Field(
        description="À passer en `cursor` pour la page suivante ; aucun quand rien ne suit."
    )
