"""Location planning: which N candidate sites should open next (:func:`plan`).

Two objectives, given the sites that already exist:

* ``"coverage"`` — the maximal covering location problem (MCLP; Church & ReVelle, "The maximal
  covering location problem", Papers of the Regional Science Association 32, 1974): choose N
  candidates maximising the population within ``radius_km`` of an open site;
* ``"distance"`` — the p-median problem (Hakimi 1964; ReVelle & Swain 1970): choose N candidates
  minimising the population-weighted mean distance to the nearest open site.

Coverage is solved on sparse, radius-limited coverage sets (a CSR matrix, candidates × points,
built from k-d tree ball queries; never a dense population × candidate matrix), either by lazy
greedy with a data-dependent upper bound, or exactly by a MILP solved by HiGHS with points merged
when they are covered by the same candidates. The distance objective works on each point's k
nearest candidates, with a fallback cost that keeps every model value a valid lower bound.
Every answer carries a bound on the optimum and the resulting gap. The solvers live by problem
family in :mod:`maillage.analysis.covering` and :mod:`maillage.analysis.pmedian`.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.spatial import cKDTree

from maillage.analysis.covering import (
    Method,
    Objective,
    Status,
    _gap,
    _sorted_sets,
    exact_max_coverage,
    greedy_max_coverage,
)
from maillage.analysis.pmedian import (
    _median_exact,
    _median_greedy_swap,
    _median_lagrangian_bound,
    _median_model,
)
from maillage.analysis.points import (
    Points,
    Space,
    _frozen,
    common_space,
    nearest,
)


@dataclass(frozen=True, eq=False)
class PlanResult:
    """The answer of :func:`plan`.

    Attributes:
        method: ``"greedy"`` or ``"exact"``.
        objective: ``"coverage"`` or ``"distance"``.
        status: ``"optimal"`` (proven), ``"time_limit"`` (exact solver stopped by its time limit,
            best solution returned) or ``"feasible"`` (heuristic answer, gap reported).
        radius_km: the coverage radius.
        n_new: the number of new sites asked for.
        chosen: (p,) indices into ``candidates`` of the chosen sites, p ≤ n_new, in pick order —
            greedy order for coverage (a chosen site adding nobody is not returned), descending
            population served for distance.
        gains: (p,) population newly covered (within radius_km) by each chosen site, in order,
            given the existing sites and the sites before it.
        population_total: Σ population.
        covered_before: population within radius_km of an existing site.
        covered_after: population within radius_km of an existing or chosen site.
        mean_distance_before_km: population-weighted mean distance to the nearest existing site
            (inf without existing sites).
        mean_distance_after_km: the same with the chosen sites open.
        bound: for ``"coverage"`` an upper bound on covered_after over all choices of n_new
            candidates; for ``"distance"`` a lower bound on mean_distance_after_km.
        gap: relative distance between the achieved value and the bound:
            (bound − covered_after) / bound for coverage, (mean_after − bound) / mean_after for
            distance; 0 means proven optimal.
        elapsed_s: wall time spent in :func:`plan`.
    """

    method: Method
    objective: Objective
    status: Status
    radius_km: float
    n_new: int
    chosen: np.ndarray
    gains: np.ndarray
    population_total: float
    covered_before: float
    covered_after: float
    mean_distance_before_km: float
    mean_distance_after_km: float
    bound: float
    gap: float
    elapsed_s: float

    @property
    def upper_bound(self) -> float:
        """Upper bound on covered_after (coverage objective); NaN for the distance objective."""
        return self.bound if self.objective == "coverage" else math.nan

    @property
    def gain_gap(self) -> float:
        """Gap measured on the newly covered population only (coverage objective)."""
        if self.objective != "coverage":
            return math.nan
        return _gap(self.bound - self.covered_before, self.covered_after - self.covered_before)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (``chosen`` as indices with gains; NaN/inf become None)."""
        out: dict[str, Any] = {
            "method": self.method,
            "objective": self.objective,
            "status": self.status,
            "radius_km": self.radius_km,
            "population_total": self.population_total,
            "population_covered_before": self.covered_before,
            "population_covered_after": self.covered_after,
            "mean_distance_km_before": _finite_or_none(self.mean_distance_before_km),
            "mean_distance_km_after": _finite_or_none(self.mean_distance_after_km),
            "gap": _finite_or_none(self.gap),
            "chosen": [
                {"index": int(j), "gain": float(g)}
                for j, g in zip(self.chosen, self.gains, strict=True)
            ],
        }
        key = "upper_bound" if self.objective == "coverage" else "lower_bound_mean_distance_km"
        out[key] = _finite_or_none(self.bound)
        return out


def _finite_or_none(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


# --- plan ----------------------------------------------------------------------------------------


def plan(
    population: Points,
    candidates: Points,
    radius_km: float,
    n_new: int,
    existing_sites: Points | None = None,
    *,
    method: Method = "greedy",
    objective: Objective = "coverage",
    time_limit_s: float = 60.0,
    k_nearest: int | None = None,
    lp_bound: bool | None = None,
    workers: int = -1,
) -> PlanResult:
    """Choose up to ``n_new`` candidates to open, given the existing sites.

    Args:
        population: population points (weights = inhabitants).
        candidates: candidate sites (their population is ignored).
        radius_km: coverage radius; the objective for ``"coverage"``, reported for ``"distance"``.
        n_new: number of new sites.
        existing_sites: sites already open (their coverage is given; may be None or empty).
        method: ``"greedy"`` (lazy greedy with data-dependent bound; greedy + swaps with a
            Lagrangian bound for the distance objective) or ``"exact"`` (MILP by HiGHS).
        objective: ``"coverage"`` (MCLP) or ``"distance"`` (p-median).
        time_limit_s: time limit of the MILP (exact) or of the swap phase (greedy distance).
        k_nearest: distance objective only: candidates listed per point (default: enough for
            about 4 open sites per point's neighbourhood, capped to keep the model ≤ 20 M
            entries). Exact runs enlarge the lists where the fallback was used and solve again.
        lp_bound: coverage greedy only: also compute the LP relaxation bound (default: when the
            merged instance is small).
        workers: threads for the k-d tree queries (-1: all cores).

    Coverage (``"coverage"``): points already covered by the existing sites, and points no
    candidate covers, are removed; then :func:`greedy_max_coverage` or
    :func:`exact_max_coverage` runs on the sparse coverage sets. ``covered_after`` is recomputed
    like :func:`maillage.analysis.coverage` would, from the chosen and existing sites.

    Distance (``"distance"``): see :class:`_MedianModel`; the answer's mean distance is always
    evaluated with true nearest distances, the bound is the MILP dual bound or the Lagrangian
    bound of the model (a valid lower bound on the true optimum).

    Example — three hamlets on the equator, two candidates, one new site at 10 km:

    >>> pop = Points.from_latlon([0, 0, 0], [0.0, 0.05, 0.5], population=[100, 50, 120])
    >>> cand = Points.from_latlon([0, 0], [0.02, 0.5])
    >>> res = plan(pop, cand, radius_km=10, n_new=1)
    >>> res.chosen.tolist(), res.gains.tolist(), res.covered_after, res.bound, res.status
    ([0], [150.0], 150.0, 150.0, 'optimal')
    """
    t0 = time.perf_counter()
    if method not in ("greedy", "exact"):
        raise ValueError(f"method must be 'greedy' or 'exact', not {method!r}")
    if objective not in ("coverage", "distance"):
        raise ValueError(f"objective must be 'coverage' or 'distance', not {objective!r}")
    radius_km = float(radius_km)
    if not (math.isfinite(radius_km) and radius_km >= 0):
        raise ValueError(f"radius_km must be finite and non-negative, not {radius_km}")
    n_new = int(n_new)
    if n_new < 0:
        raise ValueError("n_new must be non-negative")
    existing = existing_sites if existing_sites is not None else Points.empty(candidates.crs)
    space = common_space(*(p for p in (population, candidates, existing) if len(p)))
    r_query = space.query_radius(radius_km)
    w = population.population
    total = float(w.sum())

    _, tree_d_before = nearest(space, population, existing, workers=workers)
    covered_before_mask = tree_d_before <= r_query
    covered_before = float(w[covered_before_mask].sum())
    existing_km = space.to_km(tree_d_before)
    mean_before = _weighted_mean(existing_km, w)

    if objective == "coverage":
        chosen, gains, bound_gain, status = _plan_coverage(
            space,
            population,
            candidates,
            radius_km=radius_km,
            n_new=n_new,
            covered_before_mask=covered_before_mask,
            method=method,
            time_limit_s=time_limit_s,
            lp_bound=lp_bound,
            workers=workers,
        )
        bound_value = covered_before + bound_gain
    else:
        chosen, lower_sum, status = _plan_distance(
            space,
            population,
            candidates,
            existing_km=existing_km,
            n_new=n_new,
            method=method,
            time_limit_s=time_limit_s,
            k_nearest=k_nearest,
            workers=workers,
            t0=t0,
        )
        gains = _ordered_gains(
            space,
            population,
            candidates,
            chosen=chosen,
            covered_before_mask=covered_before_mask,
            radius_km=radius_km,
            workers=workers,
        )
        bound_value = lower_sum / total if total > 0 else 0.0

    opened = Points.concat([existing, candidates.subset(chosen)])
    _, tree_d_after = nearest(space, population, opened, workers=workers)
    covered_after = float(w[tree_d_after <= r_query].sum())
    mean_after = _weighted_mean(space.to_km(tree_d_after), w)

    if objective == "coverage":
        bound_value = max(bound_value, covered_after)
        gap = _gap(bound_value, covered_after)
    else:
        bound_value = min(bound_value, mean_after) if math.isfinite(mean_after) else bound_value
        gap = (mean_after - bound_value) / mean_after if mean_after > 0 else 0.0
        if math.isnan(gap):
            gap = 0.0 if total == 0 else math.inf
        if status == "optimal" and gap > 1e-7:
            status = "feasible"
    if status != "time_limit" and gap <= 1e-9:
        status = "optimal"
    return PlanResult(
        method=method,
        objective=objective,
        status=status,
        radius_km=radius_km,
        n_new=n_new,
        chosen=_frozen(np.asarray(chosen, dtype=np.intp)),
        gains=_frozen(np.asarray(gains, dtype=np.float64)),
        population_total=total,
        covered_before=covered_before,
        covered_after=covered_after,
        mean_distance_before_km=mean_before,
        mean_distance_after_km=mean_after,
        bound=float(bound_value),
        gap=float(gap),
        elapsed_s=time.perf_counter() - t0,
    )


def _weighted_mean(distance_km: np.ndarray, w: np.ndarray) -> float:
    keep = w > 0
    if not keep.any():
        return math.nan
    d = distance_km[keep]
    if np.isinf(d).any():
        return math.inf
    return float(np.dot(d, w[keep]) / w[keep].sum())


def _plan_coverage(
    space: Space,
    population: Points,
    candidates: Points,
    *,
    radius_km: float,
    n_new: int,
    covered_before_mask: np.ndarray,
    method: Method,
    time_limit_s: float,
    lp_bound: bool | None,
    workers: int,
) -> tuple[np.ndarray, np.ndarray, float, Status]:
    active = (population.population > 0) & ~covered_before_mask
    # Embed first: the subset then carries the conversion (metric cells are unprojected once,
    # and the final nearest-site query of `plan` reuses it).
    space.embed(population)
    sub = population.subset(np.flatnonzero(active))
    sets, weights = _sorted_sets(space, sub, candidates, radius_km)
    if method == "greedy":
        sol = greedy_max_coverage(sets, weights, n_new, lp_bound=lp_bound)
    else:
        sol = exact_max_coverage(sets, weights, n_new, time_limit_s=time_limit_s)
    return sol.chosen, sol.gains, sol.upper_bound, sol.status


def _default_k(n: int, m: int, n_open: int) -> int:
    k = max(8, math.ceil(4 * m / max(1, n_open)))
    k = min(k, max(1, 20_000_000 // max(1, n)))
    return max(1, min(k, m))


def _plan_distance(
    space: Space,
    population: Points,
    candidates: Points,
    *,
    existing_km: np.ndarray,
    n_new: int,
    method: Method,
    time_limit_s: float,
    k_nearest: int | None,
    workers: int,
    t0: float,
) -> tuple[np.ndarray, float, Status]:
    """Returns (chosen candidate indices, lower bound on Σ w·d over all points, status)."""
    m = len(candidates)
    active = np.flatnonzero(population.population > 0)
    sub = population.subset(active)
    ext = existing_km[active]
    if n_new == 0 or m == 0 or len(sub) == 0:
        lower = float(np.dot(sub.population, ext)) if len(sub) else 0.0
        return np.empty(0, dtype=np.intp), lower, "optimal"
    n_existing = int(np.isfinite(ext).any())
    k0 = k_nearest if k_nearest is not None else _default_k(len(sub), m, n_new + n_existing)
    k = np.full(len(sub), max(1, min(int(k0), m)), dtype=np.intp)
    deadline = t0 + time_limit_s

    def true_costs(open_mask: np.ndarray) -> np.ndarray:
        idx = np.flatnonzero(open_mask)
        if idx.size == 0:
            return ext.copy()
        d, _ = cKDTree(space.embed(candidates.subset(idx))).query(
            space.embed(sub), k=1, workers=workers
        )
        return np.minimum(ext, space.to_km(d))

    model = _median_model(space, sub, candidates, existing_km=ext, k=k, workers=workers)
    heuristic = _median_greedy_swap(model, m, n_new, deadline)
    best_mask = heuristic
    best_cost = float(np.dot(sub.population, true_costs(heuristic)))
    if method == "greedy":
        lower = _median_lagrangian_bound(model, m, n_new, upper=model.total(heuristic))
        status: Status = "feasible"
        return _order_by_served(space, sub, candidates, best_mask, workers), lower, status
    lower = -math.inf
    status = "feasible"
    for _round in range(64):
        remaining = deadline - time.perf_counter()
        if remaining <= 0:
            status = "time_limit"
            break
        mask, round_lower, highs_status = _median_exact(model, m, n_new, remaining)
        lower = max(lower, round_lower)
        if mask is None:
            status = "time_limit" if highs_status == 1 else "feasible"
            break
        true = true_costs(mask)
        cost = float(np.dot(sub.population, true))
        if cost < best_cost:
            best_mask, best_cost = mask, cost
        if highs_status == 1:
            status = "time_limit"
            break
        modelled = model.costs(mask)
        short = true > modelled + 1e-9
        if not short.any() or best_cost - lower <= 1e-9 * max(1.0, best_cost):
            status = "optimal"
            break
        if (k[short] >= m).all():
            break
        k[short] = np.minimum(2 * k[short], m)
        model = _median_model(space, sub, candidates, existing_km=ext, k=k, workers=workers)
    lower = min(lower, best_cost)
    return _order_by_served(space, sub, candidates, best_mask, workers), lower, status


def _order_by_served(
    space: Space, population: Points, candidates: Points, open_mask: np.ndarray, workers: int
) -> np.ndarray:
    """Open candidates ordered by the population for whom they are the nearest open one."""
    idx = np.flatnonzero(open_mask)
    if idx.size == 0:
        return idx
    nearest_idx, _ = nearest(space, population, candidates.subset(idx), workers=workers)
    served = np.bincount(nearest_idx, weights=population.population, minlength=idx.size)
    return idx[np.argsort(-served, kind="stable")]


def _ordered_gains(
    space: Space,
    population: Points,
    candidates: Points,
    *,
    chosen: np.ndarray,
    covered_before_mask: np.ndarray,
    radius_km: float,
    workers: int,
) -> np.ndarray:
    """Population newly covered by each chosen site, in the given order."""
    if len(chosen) == 0:
        return np.empty(0)
    active = (population.population > 0) & ~covered_before_mask
    sub = population.subset(np.flatnonzero(active))
    sets, remaining = _sorted_sets(space, sub, candidates.subset(chosen), radius_km)
    remaining = remaining.copy()
    gains = np.empty(len(chosen))
    for t in range(len(chosen)):
        row = sets.indices[sets.indptr[t] : sets.indptr[t + 1]]
        gains[t] = remaining[row].sum()
        remaining[row] = 0.0
    return gains
