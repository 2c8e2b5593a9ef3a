"""API schemas for territories."""

from ninja import Field, Schema


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
