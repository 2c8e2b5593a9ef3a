"""Maillage's numeric core: distances, coverage, white zones, location planning, population.

Location planning is split by problem family: `covering` (maximal covering), `pmedian`
(p-median), and `planning.plan`, which chooses between them.

Pure numpy/scipy: this package imports nothing from Django or from Maillage's apps (a test checks
it). The apps turn places and territories into :class:`Points` and call the functions below.

>>> from maillage.analysis import Points, coverage, plan
>>> pop = Points.from_latlon([43.30, 43.35, 43.60], [-0.37, -0.30, -0.80], [80_000, 5_000, 900])
>>> sites = Points.from_latlon([43.2951], [-0.3708])
>>> round(coverage(pop, sites, radius_km=10).share_covered, 4)
0.9895
"""

from maillage.analysis.coverage import (
    CoverageResult,
    DistanceSummary,
    WhiteZones,
    coverage,
    coverage_by_radius,
    kind_masks,
    weighted_quantile,
    white_zones,
)
from maillage.analysis.covering import (
    CoverSolution,
    coverage_sets,
    exact_max_coverage,
    greedy_max_coverage,
    merge_points,
)
from maillage.analysis.distance import (
    EARTH_RADIUS_KM,
    chord_from_km,
    euclidean_km,
    haversine_km,
    km_from_chord,
    laea_to_latlon,
    latlon_to_laea,
    unit_vectors,
)
from maillage.analysis.planning import PlanResult, plan
from maillage.analysis.points import Points, common_space, pairwise_distance_km
from maillage.analysis.population import (
    SHIPPED_TERRITORIES_PATH,
    CommuneTable,
    parse_cell_ids,
    read_filosofi_csv,
    read_latlon_csv,
    read_population_csv,
    read_shipped_communes,
)

__all__ = [
    "EARTH_RADIUS_KM",
    "SHIPPED_TERRITORIES_PATH",
    "CommuneTable",
    "CoverSolution",
    "CoverageResult",
    "DistanceSummary",
    "PlanResult",
    "Points",
    "WhiteZones",
    "chord_from_km",
    "common_space",
    "coverage",
    "coverage_by_radius",
    "coverage_sets",
    "euclidean_km",
    "exact_max_coverage",
    "greedy_max_coverage",
    "haversine_km",
    "kind_masks",
    "km_from_chord",
    "laea_to_latlon",
    "latlon_to_laea",
    "merge_points",
    "pairwise_distance_km",
    "parse_cell_ids",
    "plan",
    "read_filosofi_csv",
    "read_latlon_csv",
    "read_population_csv",
    "read_shipped_communes",
    "unit_vectors",
    "weighted_quantile",
    "white_zones",
]
