"""The analyses as the commands, the API and the pages report them.

Each function takes arrays (`inputs`), calls the numeric core (`maillage.analysis`) and returns
plain JSON-ready values; nothing here reads the database. The JSON shapes are those of the
README: `maillage coverage --format json` and `maillage plan --format json`.
"""

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any

import numpy as np

from maillage.analysis import CoverageResult, WhiteZones, coverage, coverage_by_radius, plan
from maillage.analysis import white_zones as group_white_zones

from .inputs import Population, Sites, as_text

WHITE_ZONES_IN_JSON = 50
WHITE_ZONE_CHUNK = 10_000
POPULATION_DECIMALS = 2  # grid cells hold fractional inhabitants
COORDINATE_DECIMALS = 6  # about 0.1 m
DISTANCE_DECIMALS = 3  # metres


def number(value: float) -> int | float:
    """A population or a count as an int when it is whole (communes), else rounded to
    hundredths (grid cells), which also hides the last digits of float sums.
    """
    value = float(value)
    return int(value) if value.is_integer() else round(value, POPULATION_DECIMALS)


def _distance(value: float | None) -> float | None:
    return None if value is None else round(value, DISTANCE_DECIMALS)


def _figures(result: CoverageResult) -> dict[str, Any]:
    """The figures of one coverage result, as in the JSON output (without the radius)."""
    distances = result.distance_km.to_dict()
    share = result.share_covered
    return {
        "population_total": number(result.population_total),
        "population_covered": number(result.population_covered),
        "share_covered": share if math.isfinite(share) else None,
        "distance_km": {key: _distance(value) for key, value in distances.items()},
    }


def _kind_masks(sites: Sites, kinds: Sequence[str]) -> dict[str, np.ndarray]:
    return {
        kind: np.array([kind in site_kinds for site_kinds in sites.kinds], dtype=bool)
        for kind in kinds
    }


@dataclass(frozen=True, eq=False)
class CoverageAnalysis:
    """A coverage result with its white zones, ready to be reported in any format."""

    population: Population
    result: CoverageResult
    zones: WhiteZones

    def as_json(self) -> dict[str, Any]:
        """The JSON of `maillage coverage`, with the WHITE_ZONES_IN_JSON largest white zones."""
        return {
            "radius_km": number(self.result.radius_km),
            **_figures(self.result),
            "by_kind": {kind: _figures(res) for kind, res in self.result.by_kind.items()},
            "white_zones": [
                {key: zone[key] for key in ("code", "name", "population_uncovered")}
                for zone in self.white_zones(WHITE_ZONES_IN_JSON)
            ],
        }

    def white_zones(self, limit: int | None = None) -> list[dict[str, Any]]:
        """The `limit` largest white zones (all when None), as :meth:`iter_white_zones`."""
        return list(islice(self.iter_white_zones(), limit))

    def iter_white_zones(self, chunk: int = WHITE_ZONE_CHUNK) -> Iterator[dict[str, Any]]:
        """The white zones, largest first: code, name, uncovered and total population, and the
        position of the zone's point (a white zone is one population point: a commune, a cell).

        Built `chunk` zones at a time, so that listing a grid's million white cells does not
        hold a million dictionaries.
        """
        zones = self.zones
        points = self.population.points
        # Each zone has an uncovered point: look for it among those only (a grid of millions
        # of cells is mostly covered), by sorting rather than with a dict of every point.
        hot = np.flatnonzero(~self.result.covered & (points.population > 0))
        hot_ids = points.ids[hot]
        order = np.argsort(hot_ids, kind="stable")
        sorted_ids = hot_ids[order]
        for start in range(0, len(zones), chunk):
            stop = min(start + chunk, len(zones))
            index = hot[order[np.searchsorted(sorted_ids, zones.codes[start:stop])]]
            latlon = points.subset(index).latlon  # unprojects the listed grid cells only
            for k, i in enumerate(index):
                yield {
                    "code": as_text(zones.codes[start + k]),
                    "name": self.population.name_of(int(i)),
                    "population_uncovered": number(zones.population_uncovered[start + k]),
                    "population_total": number(zones.population_total[start + k]),
                    "latitude": round(float(latlon[k, 0]), COORDINATE_DECIMALS),
                    "longitude": round(float(latlon[k, 1]), COORDINATE_DECIMALS),
                }


def analyse_coverage(
    *, population: Population, sites: Sites, radius_km: float, kinds: Sequence[str] = ()
) -> CoverageAnalysis:
    """Coverage of `population` by the sites of any of `kinds` (all sites when empty).

    `by_kind` holds one result per kind asked for, or per kind present among the sites when
    none is asked for. A white zone is a population point with inhabitants farther than
    `radius_km` from every selected site.
    """
    selected = sites.of_kinds(kinds)
    masks = _kind_masks(selected, list(kinds) or selected.present_kinds())
    result = coverage(population.points, selected.points, radius_km, masks)
    zones = group_white_zones(result, population.points.ids)
    return CoverageAnalysis(population, result, zones)


def coverage_table(
    *, population: Population, sites: Sites, radii_km: Sequence[float]
) -> list[dict[str, Any]]:
    """Share covered at each radius and distance distribution, for all sites then per kind.

    Rows: ``{"kind": "" (any place) or a kind code, "shares": [share at each radius],
    "distance_km": {"mean", "median", "p90"}, "places": number of sites}``. The nearest sites
    are searched once per kind whatever the number of radii.
    """
    kinds = sites.present_kinds()
    masks = _kind_masks(sites, kinds)
    results = coverage_by_radius(population.points, sites.points, radii_km, masks)
    ordered = [results[float(r)] for r in radii_km]

    def row(kind: str, per_radius: list[CoverageResult], places: int) -> dict[str, Any]:
        figures = [_figures(res) for res in per_radius]
        return {
            "kind": kind,
            "places": places,
            "shares": [f["share_covered"] for f in figures],
            "distance_km": figures[0]["distance_km"],
        }

    rows = [row("", ordered, len(sites))]
    rows += [
        row(kind, [res.by_kind[kind] for res in ordered], int(masks[kind].sum())) for kind in kinds
    ]
    return rows


def analyse_plan(
    *,
    population: Population,
    existing: Sites,
    candidates: Sites,
    radius_km: float,
    n_new: int,
    method: str,
    objective: str,
    time_limit_s: float,
) -> dict[str, Any]:
    """Choose up to `n_new` candidates to open next; the JSON of `maillage plan`.

    Keys: ``method, objective, status, radius_km, population_total, population_covered_before,
    population_covered_after, upper_bound, gap, mean_distance_km_before,
    mean_distance_km_after, chosen`` — each chosen site with its id, name, position and the
    population it newly covers (given the existing sites and the sites chosen before it).
    ``upper_bound`` bounds the covered population of any choice (coverage objective; None for
    the distance objective, whose ``gap`` is relative to a lower bound on the mean distance).
    """
    result = plan(
        population.points,
        candidates.points,
        radius_km,
        n_new,
        existing.points,
        method=method,
        objective=objective,
        time_limit_s=time_limit_s,
    )
    latlon = candidates.points.latlon
    summary = result.to_dict()
    return {
        "method": result.method,
        "objective": result.objective,
        "status": result.status,
        "radius_km": number(result.radius_km),
        "population_total": number(result.population_total),
        "population_covered_before": number(result.covered_before),
        "population_covered_after": number(result.covered_after),
        "upper_bound": number(result.bound) if result.objective == "coverage" else None,
        "gap": summary["gap"],
        "mean_distance_km_before": _distance(summary["mean_distance_km_before"]),
        "mean_distance_km_after": _distance(summary["mean_distance_km_after"]),
        "chosen": [
            {
                "id": as_text(candidates.points.ids[j]),
                "name": str(candidates.names[j]),
                "latitude": round(float(latlon[j, 0]), COORDINATE_DECIMALS),
                "longitude": round(float(latlon[j, 1]), COORDINATE_DECIMALS),
                "gain": number(gain),
            }
            for j, gain in zip(result.chosen, result.gains, strict=True)
        ],
    }
