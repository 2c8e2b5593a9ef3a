"""API schemas of the analyses: the JSON of `maillage coverage` and `maillage plan`, plan jobs.

Populations are integers for communes and may be fractional for grid cells, hence `int | float`
(an int stays an int, as in the commands' output).
"""

from datetime import datetime

from ninja import Field, Schema

from .validation import DEFAULT_TIME_LIMIT_S, MAX_NEW_SITES, MAX_RADIUS_KM, MAX_TIME_LIMIT_S

Number = int | float


class CoverageQuery(Schema):
    territory: str = Field(
        "",
        description="Territoire analysé : `niveau:code` ou code seul comme pour `GET /places` "
        "(`departement:64`, `64`, `region:75`…), ou son nom (« Pyrénées-Atlantiques », "
        "« Pau (64) ») ; la France entière s'il est vide.",
    )
    kind: list[str] = Field(
        [],
        description="Type de lieu, répétable : seuls les lieux d'au moins un de ces types "
        "comptent, et `by_kind` donne chacun (tous les types présents sinon).",
    )
    radius_km: float = Field(
        ..., description=f"Rayon en km, supérieur à 0 et au plus {MAX_RADIUS_KM:g}."
    )


class DistanceOut(Schema):
    mean: float | None = Field(description="Moyenne pondérée par la population, en km.")
    median: float | None
    p90: float | None = Field(description="90e centile, en km.")


class CoverageFiguresOut(Schema):
    population_total: Number
    population_covered: Number
    share_covered: float | None
    distance_km: DistanceOut


class WhiteZoneOut(Schema):
    code: str
    name: str
    population_uncovered: Number


class CoverageOut(Schema):
    """The JSON of `maillage coverage --format json` (the 50 largest white zones)."""

    radius_km: Number
    population_total: Number
    population_covered: Number
    share_covered: float | None
    distance_km: DistanceOut
    by_kind: dict[str, CoverageFiguresOut]
    white_zones: list[WhiteZoneOut]


class PlanIn(Schema):
    territory: str = Field(
        description="Territoire : `niveau:code`, code seul, ou nom (« Pau (64) »)."
    )
    kind: str = Field("", description="Type de lieu à implanter ; tous les types si vide.")
    radius_km: float = Field(description=f"Rayon en km (au plus {MAX_RADIUS_KM:g}).")
    n_new: int = Field(description=f"Nombre de nouveaux lieux (1 à {MAX_NEW_SITES}).")
    method: str = Field("greedy", description="`greedy` (rapide) ou `exact` (MILP).")
    objective: str = Field("coverage", description="`coverage` ou `distance`.")
    time_limit_s: float = Field(
        DEFAULT_TIME_LIMIT_S,
        description=f"Limite de temps de la méthode exacte, en secondes ({MAX_TIME_LIMIT_S:g} "
        "au plus).",
    )


class PlanCreatedOut(Schema):
    id: int
    status: str


class ChosenSiteOut(Schema):
    id: str
    name: str
    latitude: float
    longitude: float
    gain: Number = Field(description="Habitant·es nouvellement couverts par ce lieu.")


class PlanResultOut(Schema):
    """The JSON of `maillage plan --format json`."""

    method: str
    objective: str
    status: str
    radius_km: Number
    population_total: Number
    population_covered_before: Number
    population_covered_after: Number
    upper_bound: Number | None
    gap: float | None
    mean_distance_km_before: float | None
    mean_distance_km_after: float | None
    chosen: list[ChosenSiteOut]


class PlanJobOut(Schema):
    id: int
    status: str = Field(description="`pending`, `running`, `succeeded` ou `failed`.")
    step: str = Field(description="`queued`, `loading`, `solving` ou `done`.")
    progress: int = Field(description="Avancement en pourcentage.")
    territory: str
    kind: str
    radius_km: float
    n_new: int
    method: str
    objective: str
    created_at: datetime
    finished_at: datetime | None
    error: str
    result: PlanResultOut | None
