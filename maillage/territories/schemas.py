"""API schemas for territories."""

from ninja import Field, Schema

SEARCH_LIMIT = 20
MAX_SEARCH_LIMIT = 100


class TerritoryRefOut(Schema):
    level: str = Field(description="`commune`, `epci`, `departement` ou `region`.")
    code: str = Field(description="Code INSEE (code SIREN pour un EPCI).")
    name: str


class ChildrenOut(Schema):
    level: str | None = Field(description="Niveau des territoires inclus (aucun pour une commune).")
    count: int


class TerritoryOut(Schema):
    """A territory with the figures of the places inside it."""

    level: str
    code: str
    name: str
    population: int
    latitude: float | None
    longitude: float | None
    parents: list[TerritoryRefOut] = Field(
        description="Territoires englobants, du plus grand au plus petit."
    )
    children: ChildrenOut = Field(description="Territoires du niveau inférieur.")
    places_total: int = Field(description="Lieux ouverts ou en projet (les lieux fermés exclus).")
    places_per_10000: float | None = Field(
        description="Lieux ouverts ou en projet pour 10 000 habitant·es, arrondi à 2 décimales "
        "(aucun quand la population est inconnue)."
    )
    kinds: dict[str, int] = Field(
        description="Lieux ouverts ou en projet par code de type (tous les codes, 0 compris) ; "
        "un lieu de plusieurs types compte pour chacun."
    )
    statuses: dict[str, int] = Field(description="Tous les lieux par statut, fermés compris.")


class TerritorySearchQuery(Schema):
    q: str = Field(
        "",
        max_length=100,
        description="Nom ou début de nom, accents, majuscules et tirets indifférents "
        "(« gironde », « Pays Basque », « st etienne »), ou un code (`64`, `64445`).",
        json_schema_extra={"example": "Gironde"},
    )
    level: str = Field(
        "",
        description="Niveaux cherchés, séparés par des virgules : `commune`, `epci`, "
        "`departement`, `region` (tous par défaut).",
        json_schema_extra={"example": "departement,region"},
    )
    limit: int = Field(
        SEARCH_LIMIT,
        ge=1,
        le=MAX_SEARCH_LIMIT,
        description=f"Nombre de territoires par page ({MAX_SEARCH_LIMIT} au plus).",
    )
    offset: int = Field(0, ge=0, le=100_000, description="Nombre de territoires à sauter.")


class TerritorySearchItemOut(Schema):
    level: str = Field(description="`commune`, `epci`, `departement` ou `region`.")
    code: str = Field(description="Code INSEE (code SIREN pour un EPCI).")
    name: str
    population: int


class TerritorySearchOut(Schema):
    count: int = Field(description="Nombre total de territoires trouvés.")
    items: list[TerritorySearchItemOut] = Field(
        description="Le meilleur d'abord : le nom exact, puis le début du nom, puis le début "
        "d'un de ses mots, puis le nom qui le contient ; à égalité, le plus peuplé, puis le "
        "niveau le plus large."
    )
