"""Location planning: which N candidate sites should open next.

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
Every answer carries a bound on the optimum and the resulting gap.
"""

from __future__ import annotations

import heapq
import math
import time
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.spatial import cKDTree

from maillage.analysis.points import (
    Points,
    Space,
    _frozen,
    common_space,
    nearest,
    radius_join,
)

Method = Literal["greedy", "exact"]
Objective = Literal["coverage", "distance"]
Status = Literal["optimal", "time_limit", "feasible"]

_CHUNK_NNZ = 4_000_000  # entries gathered at once when summing rows (bounds temporaries)
_BOUND_EVERY_STEP_MAX = 20_000  # candidates up to which the greedy bound is refreshed each pick
_HASH_SEED = 20240601  # fixed: merging must be deterministic


# --- results ---------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class CoverSolution:
    """A solution of the array-level maximum coverage problem.

    Attributes:
        chosen: (p,) row indices of the chosen sets, in pick order.
        gains: (p,) weight newly covered by each pick, in that order (all > 0).
        value: Σ gains, the weight covered by the chosen sets.
        upper_bound: an upper bound on the optimal covered weight (≥ value).
        status: ``"optimal"`` (value == upper_bound, proven), ``"time_limit"`` (the MILP stopped
            at its time limit) or ``"feasible"``.
    """

    chosen: np.ndarray
    gains: np.ndarray
    value: float
    upper_bound: float
    status: Status

    @property
    def gap(self) -> float:
        """(upper_bound − value) / upper_bound, 0 when both are 0."""
        return _gap(self.upper_bound, self.value)


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


def _gap(upper: float, achieved: float) -> float:
    if upper <= 0:
        return 0.0
    return max(0.0, (upper - achieved) / upper)


# --- coverage sets -----------------------------------------------------------------------------


def coverage_sets(population: Points, candidates: Points, radius_km: float) -> sp.csr_array:
    """Sparse coverage matrix A (candidates × points): A[j, i] is True iff d(i, j) ≤ radius_km.

    Built by a bucketed radius join (:func:`maillage.analysis.points.radius_join`): memory is
    proportional to the number of (candidate, point) pairs within the radius — never to
    candidates × points — and no Python object is created per pair.

    >>> pop = Points.from_latlon([0, 0, 0], [0, 0.05, 0.3])
    >>> coverage_sets(pop, Points.from_latlon([0, 0], [0, 0.3]), radius_km=10).toarray()
    array([[ True,  True, False],
           [False, False,  True]])
    """
    space = common_space(population, candidates)
    pairs, order = radius_join(space, population, candidates, radius_km)
    out = sp.csr_array(
        (pairs.data, order[pairs.indices].astype(pairs.indices.dtype), pairs.indptr),
        shape=pairs.shape,
    )
    out.sort_indices()
    return out


def _sorted_sets(
    space: Space, population: Points, candidates: Points, radius_km: float
) -> tuple[sp.csr_array, np.ndarray]:
    """Coverage sets over the points reordered by bucket (better memory locality).

    Returns ``(sets, weights)`` with ``weights`` the population in the sets' column order.
    """
    pairs, order = radius_join(space, population, candidates, radius_km)
    return pairs, population.population[order]


def _row_sums(indptr: np.ndarray, indices: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Σ weights[indices[indptr[j]:indptr[j+1]]] for every row j, in bounded memory."""
    m = indptr.size - 1
    out = np.zeros(m)
    start = 0
    while start < m:
        end = int(np.searchsorted(indptr, indptr[start] + _CHUNK_NNZ, side="right")) - 1
        end = min(max(end, start + 1), m)
        lo, hi = int(indptr[start]), int(indptr[end])
        if hi > lo:
            vals = weights[indices[lo:hi]]
            starts = indptr[start:end]
            nonempty = indptr[start + 1 : end + 1] > starts
            out[start:end][nonempty] = np.add.reduceat(vals, (starts[nonempty] - lo))
        start = end
    return out


def _top_sum(values: np.ndarray, k: int) -> float:
    """Sum of the k largest values."""
    if k <= 0 or values.size == 0:
        return 0.0
    if k >= values.size:
        return float(values.sum())
    return float(np.partition(values, values.size - k)[values.size - k :].sum())


# --- maximum coverage: lazy greedy --------------------------------------------------------------


def greedy_max_coverage(
    sets: sp.csr_array | sp.csr_matrix,
    weights: np.ndarray,
    n_new: int,
    *,
    lp_bound: bool | None = None,
) -> CoverSolution:
    """Lazy greedy for weighted maximum coverage, with a data-dependent upper bound.

    Each step picks the set with the largest marginal gain Δ_j(S) = Σ_{i ∈ A_j, i uncovered} w_i
    (ties: lowest index). Gains only decrease as S grows (submodularity), so stale gains kept in
    a priority queue are upper bounds and only the top one needs recomputing (Minoux,
    "Accelerated greedy algorithms for maximizing submodular set functions", 1978). The result
    covers at least (1 − 1/e) of the optimum (Nemhauser, Wolsey & Fisher 1978).

    Upper bound, always: for any S, OPT ≤ f(S) + Σ of the n_new largest Δ_j(S) (Leskovec et
    al., "Cost-effective outbreak detection in networks", KDD 2007, §3.2; Minoux 1978), evaluated
    after every pick with the stale gains (themselves upper bounds of Δ_j(S)) and once with exact
    gains at the end; the minimum is kept.

    Tighter bound, with ``lp_bound`` (default: whenever a gap remains): the Lagrangian dual of
    the MCLP on the merged instance (:func:`merge_points`), relaxing y_k ≤ Σ_{j covers k} x_j
    with multipliers u_k ∈ [0, w_k]::

        L(u) = Σ_k (w_k − u_k) + Σ of the n_new largest positive ρ_j,   ρ_j = Σ_{k ∈ A_j} u_k

    Every L(u) is an upper bound, and min_u L(u) equals the LP relaxation bound. The online bound
    at the final greedy state is L(u⁰) with u⁰_k = w_k on uncovered groups, 0 elsewhere; a fixed,
    size-dependent number of subgradient steps (Polyak step towards the greedy value; Held, Wolfe
    & Crowder 1974) starts from there.

    Args:
        sets: (m, n) sparse boolean matrix, row j = points covered by set j.
        weights: (n,) non-negative point weights.
        n_new: number of sets to pick; fewer are returned when nothing more can be covered.
        lp_bound: tighten the bound by the Lagrangian dual (None: when the online bound leaves
            a gap).

    >>> A = sp.csr_array(np.array([[1, 1, 0, 0], [0, 1, 1, 0], [0, 0, 1, 1]], dtype=bool))
    >>> sol = greedy_max_coverage(A, np.array([3.0, 1.0, 1.0, 3.0]), 2)
    >>> sol.chosen.tolist(), sol.gains.tolist(), sol.value, sol.status
    ([0, 2], [4.0, 4.0], 8.0, 'optimal')
    """
    sets = sp.csr_array(sets)
    w = np.ascontiguousarray(weights, dtype=np.float64)
    chosen, gains, value, bound = _lazy_greedy(sets, w, n_new)
    if lp_bound is None:
        lp_bound = not _is_closed(bound, value)
    if lp_bound and not _is_closed(bound, value):
        groups, gw = merge_points(sets, w)
        bound = min(bound, _lagrangian_cover_bound(groups, gw, n_new, chosen, value)[0])
    bound = max(bound, value)
    status: Status = "optimal" if _is_closed(bound, value) else "feasible"
    return CoverSolution(_frozen(chosen), _frozen(gains), value, bound, status)


def _lazy_greedy(
    sets: sp.csr_array, w: np.ndarray, n_new: int
) -> tuple[np.ndarray, np.ndarray, float, float]:
    """(chosen, gains, value, online upper bound) of the lazy greedy."""
    m = sets.shape[0]
    indptr, indices = sets.indptr, sets.indices
    remaining = w.copy()
    gains0 = _row_sums(indptr, indices, remaining)
    stale = gains0.copy()  # stale[j] ≥ current marginal gain of j
    heap = [(-g, j) for j, g in enumerate(gains0.tolist()) if g > 0]
    heapq.heapify(heap)
    refresh_each_step = m <= _BOUND_EVERY_STEP_MAX
    bound = _top_sum(stale, n_new)
    value = 0.0
    chosen: list[int] = []
    gains: list[float] = []
    while len(chosen) < n_new and heap:
        _, j = heapq.heappop(heap)
        row = indices[indptr[j] : indptr[j + 1]]
        g = float(remaining[row].sum())
        stale[j] = g
        if g <= 0:
            continue
        if heap and (-g, j) > heap[0]:  # another set may do better (ties: lowest index)
            heapq.heappush(heap, (-g, j))
            continue
        chosen.append(j)
        gains.append(g)
        value += g
        remaining[row] = 0.0
        stale[j] = 0.0
        step = len(chosen)
        if refresh_each_step or (step & (step - 1)) == 0:
            bound = min(bound, value + _top_sum(stale, n_new))
    exact_gains = _row_sums(indptr, indices, remaining)
    bound = min(bound, value + _top_sum(exact_gains, n_new))
    return np.asarray(chosen, dtype=np.intp), np.asarray(gains, dtype=np.float64), value, bound


def _is_closed(upper: float, value: float) -> bool:
    return upper - value <= 1e-9 * max(1.0, abs(upper))


def _lagrangian_cover_bound(
    groups: sp.csr_array,
    gw: np.ndarray,
    n_new: int,
    chosen: np.ndarray,
    lower: float,
    *,
    work: float = 5e8,
    max_iterations: int = 300,
) -> tuple[float, np.ndarray]:
    """Best L(u) over subgradient steps (see :func:`greedy_max_coverage`); ``lower`` ≤ OPT.

    Returns ``(bound, rho)`` with ρ_j = Σ_{k ∈ A_j} u_k at the best multipliers.

    Multipliers are scaled, u_k = w_k v_k with v_k ∈ [0, 1], so heavy and light groups move at
    the same relative pace. Step θ (L − lower) / ‖s‖² with θ halved after 10 steps without
    improvement. The number of steps is work / nonzeros, clipped to [30, max_iterations]: the
    cost is bounded and the result deterministic.
    """
    g, m = groups.shape
    if g == 0:
        return 0.0, np.zeros(m)
    cm = sp.csr_array(groups.T)  # candidate-major
    picked = np.zeros(m, dtype=bool)
    picked[chosen] = True
    covered = _row_sums(groups.indptr, groups.indices, picked.astype(np.float64)) > 0
    v = np.where(covered, 0.0, 1.0)  # L(u⁰) is the online bound at the final greedy state
    k = min(n_new, m)
    iterations = int(np.clip(work / max(1, groups.nnz), 30, max_iterations))
    best = math.inf
    best_rho = np.zeros(m)
    theta, stall = 2.0, 0
    for _ in range(iterations):
        u = gw * v
        rho = _row_sums(cm.indptr, cm.indices, u)
        top = np.argpartition(rho, m - k)[m - k :] if k < m else np.arange(m)
        top = top[rho[top] > 0]
        value = float((gw - u).sum() + rho[top].sum())
        if not math.isfinite(best) or value < best - 1e-12 * max(1.0, abs(best)):
            best, best_rho, stall = value, rho, 0
        else:
            stall += 1
            if stall >= 10:
                theta, stall = theta / 2, 0
        if best - lower <= 1e-9 * max(1.0, best) or theta < 1e-4:
            break
        sub = -(v < 1).astype(np.float64)
        sub += np.bincount(cm[np.sort(top)].indices, minlength=g)
        sub *= gw
        norm = float(np.dot(sub, sub))
        if norm == 0:
            break
        v -= theta * (value - lower) / norm * sub
        np.clip(v, 0.0, 1.0, out=v)
    return best, best_rho


# --- maximum coverage: exact MILP ---------------------------------------------------------------


def merge_points(
    sets: sp.csr_array | sp.csr_matrix, weights: np.ndarray
) -> tuple[sp.csr_array, np.ndarray]:
    """Merge points covered by exactly the same sets; drop points no set covers or weighing 0.

    Returns ``(groups, group_weights)``: ``groups`` is a (g × m) CSR matrix whose row k lists
    the sets covering the points of group k (groups numbered by first point), and
    ``group_weights[k]`` their total weight.

    Each point is keyed by its number of sets and two sums of random reals attached to the sets
    (accumulated in set order, so equal sets give bit-identical sums); two different sets of
    candidates get the same key with probability about g² · 2⁻¹⁰⁴. Cost: a few passes over the
    nonzeros, no transposition of the full matrix.

    >>> A = sp.csr_array(np.array([[1, 1, 0], [0, 0, 1]], dtype=bool))
    >>> groups, w = merge_points(A, np.array([1.0, 2.0, 4.0]))
    >>> groups.toarray().astype(int).tolist(), w.tolist()
    ([[1, 0], [0, 1]], [3.0, 4.0])
    """
    sets = sp.csr_array(sets)
    m, n = sets.shape
    w = np.asarray(weights, dtype=np.float64)
    indptr, indices = sets.indptr, sets.indices
    counts = np.bincount(indices, minlength=n)
    rng = np.random.default_rng(_HASH_SEED)
    r1, r2 = rng.random(m) + 1.0, rng.random(m) + 1.0
    h1, h2 = np.zeros(n), np.zeros(n)
    for a, b in _row_chunks(indptr):
        lo, hi = int(indptr[a]), int(indptr[b])
        lens = np.diff(indptr[a : b + 1])
        h1 += np.bincount(indices[lo:hi], weights=np.repeat(r1[a:b], lens), minlength=n)
        h2 += np.bincount(indices[lo:hi], weights=np.repeat(r2[a:b], lens), minlength=n)
    kept = np.flatnonzero((counts > 0) & (w > 0))
    if kept.size == 0:
        return sp.csr_array((0, m), dtype=bool), np.empty(0)
    order = np.lexsort((h2[kept], h1[kept], counts[kept]))
    ks = kept[order]
    new = np.ones(ks.size, dtype=bool)
    new[1:] = (
        (counts[ks[1:]] != counts[ks[:-1]])
        | (h1[ks[1:]] != h1[ks[:-1]])
        | (h2[ks[1:]] != h2[ks[:-1]])
    )
    sorted_group = np.cumsum(new) - 1
    first = ks[new]  # smallest point index of each group (lexsort is stable)
    renumber = np.empty(first.size, dtype=np.int64)
    renumber[np.argsort(first, kind="stable")] = np.arange(first.size)
    point_group = np.full(n, -1, dtype=np.int64)
    point_group[ks] = renumber[sorted_group]
    group_weights = np.bincount(point_group[kept], weights=w[kept], minlength=first.size)
    is_first = np.zeros(n, dtype=bool)
    is_first[first] = True
    rows, cols = [], []
    for a, b in _row_chunks(indptr):
        lo, hi = int(indptr[a]), int(indptr[b])
        idx = indices[lo:hi]
        mask = is_first[idx]
        rows.append(point_group[idx[mask]])
        cols.append(np.repeat(np.arange(a, b), np.diff(indptr[a : b + 1]))[mask])
    r = np.concatenate(rows)
    c = np.concatenate(cols)
    groups = sp.csr_array((np.ones(r.size, dtype=bool), (r, c)), shape=(first.size, m))
    groups.sort_indices()
    return groups, group_weights


def _row_chunks(indptr: np.ndarray) -> list[tuple[int, int]]:
    """Row ranges [a, b) holding about _CHUNK_NNZ nonzeros each."""
    m = indptr.size - 1
    out = []
    a = 0
    while a < m:
        b = int(np.searchsorted(indptr, indptr[a] + _CHUNK_NNZ, side="right")) - 1
        b = min(max(b, a + 1), m)
        out.append((a, b))
        a = b
    return out


def _mclp_matrices(
    groups: sp.csr_array, gw: np.ndarray, n_new: int
) -> tuple[np.ndarray, sp.csr_array, np.ndarray]:
    """MCLP as ``min c·v  s.t.  A v ≤ b`` over v = (x_1..x_m, y_1..y_g) ∈ [0, 1].

    max Σ_k w_k y_k  s.t.  y_k ≤ Σ_{j covers k} x_j  (each group),  Σ_j x_j ≤ n_new.
    """
    g, m = groups.shape
    cover = sp.hstack([-sp.csr_array(groups, dtype=np.float64), sp.eye_array(g)], format="csr")
    budget = sp.hstack([np.ones((1, m)), sp.csr_array((1, g))], format="csr")
    a = sp.vstack([cover, budget], format="csr")
    b = np.concatenate([np.zeros(g), [float(n_new)]])
    c = np.concatenate([np.zeros(m), -gw])
    return c, sp.csr_array(a), b


def exact_max_coverage(
    sets: sp.csr_array | sp.csr_matrix,
    weights: np.ndarray,
    n_new: int,
    *,
    time_limit_s: float = 60.0,
    mip_rel_gap: float = 0.0,
) -> CoverSolution:
    """Weighted maximum coverage solved exactly by a MILP (HiGHS through ``scipy.optimize.milp``).

    Formulation (Church & ReVelle 1974), after merging points covered by the same sets
    (:func:`merge_points`)::

        max Σ_k w_k y_k   s.t.   y_k ≤ Σ_{j covers k} x_j,   Σ_j x_j ≤ n_new,
                                 x_j ∈ {0, 1},   0 ≤ y_k ≤ 1.

    y may stay continuous: for integral x the optimum sets y_k = min(1, Σ x_j), which is 0 or 1.

    Steps, each one skipped once the gap is closed:

    1. lazy greedy (:func:`greedy_max_coverage`) and its online bound;
    2. LP relaxation by HiGHS (``linprog``; the subgradient Lagrangian if it does not finish in
       half the time limit), a greedy among the LP's support, then best-improvement 1-swaps
       (for at most a quarter of the time limit): the best of these is the incumbent;
    3. Lagrangian variable fixing with the LP duals (:func:`_fix_by_reduced_cost`): candidates
       that cannot take part in a solution better than the incumbent are removed;
    4. the MILP on what remains. HiGHS gets no warm start (scipy's ``milp`` has none).

    At the time limit the better of HiGHS's incumbent and ours is returned with the smallest
    valid bound (HiGHS's dual bound on the reduced problem, or the incumbent, whichever is
    larger, against the LP and greedy bounds).

    Picks are returned in greedy order among the chosen sets, with their marginal gains; a chosen
    set adding nothing is dropped.

    >>> A = sp.csr_array(np.array([[1, 1, 1, 0, 0], [1, 1, 0, 0, 0], [0, 0, 1, 1, 1]], dtype=bool))
    >>> w = np.array([1.0, 1.0, 2.0, 1.0, 1.0])
    >>> greedy_max_coverage(A, w, 2).value, exact_max_coverage(A, w, 2).value
    (6.0, 6.0)
    """
    t0 = time.perf_counter()
    sets = sp.csr_array(sets)
    w = np.ascontiguousarray(weights, dtype=np.float64)
    chosen, gains, value, online = _lazy_greedy(sets, w, n_new)
    greedy = CoverSolution(_frozen(chosen), _frozen(gains), value, max(online, value), "feasible")
    if _is_closed(online, value):
        return CoverSolution(greedy.chosen, greedy.gains, value, greedy.upper_bound, "optimal")
    groups, gw = merge_points(sets, w)
    # Bound and multipliers: the LP relaxation (HiGHS) when it solves in time, else the
    # subgradient Lagrangian. The LP solution also seeds a second greedy among its support.
    lp = _lp_relaxation(groups, gw, n_new, max(0.1, 0.5 * time_limit_s))
    if lp is not None:
        x_lp, u = lp
        cm = sp.csr_array(groups.T)
        rho = _row_sums(cm.indptr, cm.indices, u)
        k = min(n_new, rho.size)
        lagrangian = float((gw - u).sum() + _top_sum(np.maximum(rho, 0.0), k))
        support = np.flatnonzero(x_lp > 1e-9)
        s_chosen, s_gains, s_value, _ = _lazy_greedy(sets[support], w, n_new)
        if s_value > value:
            chosen, gains, value = support[s_chosen], s_gains, s_value
    else:
        lagrangian, rho = _lagrangian_cover_bound(
            groups, gw, n_new, chosen, value, work=2e9, max_iterations=500
        )
    # A better incumbent makes the variable fixing below much stronger.
    if not _is_closed(min(online, lagrangian), value):
        swapped = _swap_improve(groups, gw, chosen, t0 + 0.25 * time_limit_s)
        if swapped is not None:
            s_chosen, s_gains, s_value, _ = _lazy_greedy(sets[swapped], w, swapped.size)
            if s_value > value:
                chosen, gains, value = swapped[s_chosen], s_gains, s_value
    greedy_bound = max(min(online, lagrangian), value)
    if _is_closed(greedy_bound, value):
        return CoverSolution(_frozen(chosen), _frozen(gains), value, greedy_bound, "optimal")
    greedy = CoverSolution(_frozen(chosen), _frozen(gains), value, greedy_bound, "feasible")
    lower_x, upper_x = _fix_by_reduced_cost(rho, lagrangian, n_new, value)
    keep = np.flatnonzero(upper_x > 0)
    sub_groups = sp.csr_array(groups[:, keep])
    relevant = np.flatnonzero(np.diff(sub_groups.indptr) > 0)
    sub_groups = sp.csr_array(sub_groups[relevant])
    c, a_ub, b_ub = _mclp_matrices(sub_groups, gw[relevant], n_new)
    nx = keep.size
    integrality = np.concatenate([np.ones(nx), np.zeros(relevant.size)])
    lb = np.concatenate([lower_x[keep], np.zeros(relevant.size)])
    remaining_s = max(0.1, time_limit_s - (time.perf_counter() - t0))
    res = milp(
        c,
        integrality=integrality,
        bounds=Bounds(lb, 1),
        constraints=LinearConstraint(a_ub, -np.inf, b_ub),
        options={"time_limit": remaining_s, "mip_rel_gap": mip_rel_gap, "disp": False},
    )
    best = greedy
    if res.x is not None:
        picked = keep[np.flatnonzero(res.x[:nx] > 0.5)]
        chosen, gains, value, _ = _lazy_greedy(sets[picked], w, picked.size)
        if value > best.value:
            best = CoverSolution(_frozen(picked[chosen]), _frozen(gains), value, 0.0, "feasible")
    # Candidates left out cannot beat the greedy value, so the reduced problem's bound, or the
    # greedy value, bounds the full problem.
    reduced = math.inf
    dual = getattr(res, "mip_dual_bound", None)
    if dual is not None and math.isfinite(dual):
        reduced = -float(dual)
    if res.status == 0 and res.fun is not None:
        reduced = min(reduced, -float(res.fun))
    bound = max(min(greedy.upper_bound, max(reduced, greedy.value)), best.value)
    if res.status == 0 or _is_closed(bound, best.value):
        status: Status = "optimal"
    elif res.status == 1:
        status = "time_limit"
    else:
        status = "feasible"
    return CoverSolution(best.chosen, best.gains, best.value, bound, status)


def _lp_relaxation(
    groups: sp.csr_array, gw: np.ndarray, n_new: int, time_limit_s: float
) -> tuple[np.ndarray, np.ndarray] | None:
    """LP relaxation of the merged MCLP: (x of the candidates, multipliers u of the groups).

    u_k ∈ [0, w_k] are the duals of y_k ≤ Σ_{j covers k} x_j; with them the Lagrangian bound
    L(u) equals the LP optimum. None when HiGHS does not finish in time.
    """
    g, m = groups.shape
    if g == 0:
        return None
    c, a_ub, b_ub = _mclp_matrices(groups, gw, n_new)
    res = linprog(
        c, A_ub=a_ub, b_ub=b_ub, bounds=(0, 1), method="highs",
        options={"time_limit": time_limit_s},
    )  # fmt: skip
    if res.status != 0 or res.x is None:
        return None
    u = np.clip(-res.ineqlin.marginals[:g], 0.0, gw)
    return res.x[:m], u


def _swap_improve(
    groups: sp.csr_array, gw: np.ndarray, chosen: np.ndarray, deadline: float
) -> np.ndarray | None:
    """Best-improvement 1-swaps (drop one chosen set, add one other) until none helps.

    Works on the merged instance with a coverage count per group; one pass costs one sparse
    product plus, per chosen set, the groups it alone covers. Returns the improved selection,
    or None when no swap helped.
    """
    g, m = groups.shape
    if g == 0 or chosen.size == 0 or chosen.size >= m:
        return None
    cm = sp.csr_array(groups.T)
    selected = np.zeros(m, dtype=bool)
    selected[chosen] = True
    count = _row_sums(groups.indptr, groups.indices, selected.astype(np.float64))
    tol = 1e-9 * max(1.0, float(gw.sum()))
    changed = False
    improved = True
    while improved and time.perf_counter() < deadline:
        improved = False
        base = _row_sums(cm.indptr, cm.indices, np.where(count == 0, gw, 0.0))
        for r in np.flatnonzero(selected):
            if time.perf_counter() >= deadline:
                break
            own = cm.indices[cm.indptr[r] : cm.indptr[r + 1]]
            alone = own[count[own] == 1]
            loss = float(gw[alone].sum())
            # Adding j after dropping r also regains the groups only r covered.
            sub = groups[alone]
            extra = np.bincount(
                sub.indices, weights=np.repeat(gw[alone], np.diff(sub.indptr)), minlength=m
            )
            gain = base + extra
            gain[selected] = -np.inf
            j = int(np.argmax(gain))
            if gain[j] - loss > tol:
                selected[r], selected[j] = False, True
                count[own] -= 1
                count[cm.indices[cm.indptr[j] : cm.indptr[j + 1]]] += 1
                improved = changed = True
                break
    return np.flatnonzero(selected) if changed else None


def _fix_by_reduced_cost(
    rho: np.ndarray, bound: float, n_new: int, incumbent: float
) -> tuple[np.ndarray, np.ndarray]:
    """Lagrangian variable fixing for the MCLP: bounds (lower, upper) on each x_j.

    With T the top-n_new positive ρ (the Lagrangian choice), forcing x_j = 1 for j ∉ T gives the
    bound L − ρ_(n) + ρ_j (L + ρ_j when T has a free slot), and forcing x_j = 0 for j ∈ T gives
    L − ρ_j + ρ_(n+1). When that bound cannot beat the incumbent, no solution better than the
    incumbent sets x_j that way, so x_j is fixed the other way (Beasley, "Lagrangean relaxation",
    in Modern Heuristic Techniques for Combinatorial Problems, 1993).
    """
    m = rho.size
    lower, upper = np.zeros(m), np.ones(m)
    k = min(n_new, m)
    if k == 0:
        return lower, np.zeros(m)
    order = np.argsort(-rho, kind="stable")
    top = order[:k][rho[order[:k]] > 0]
    in_top = np.zeros(m, dtype=bool)
    in_top[top] = True
    smallest_in = float(rho[top].min()) if top.size == k else 0.0
    outside = rho[~in_top]
    next_best = float(max(0.0, outside.max(initial=0.0)))
    tol = 1e-9 * max(1.0, abs(incumbent))
    if top.size == k:
        with_j = np.where(in_top, bound, bound - smallest_in + rho)
    else:  # a free slot: every positive ρ is already in T
        with_j = np.where(in_top, bound, bound + rho)
    without_j = np.where(in_top, bound - rho + next_best, bound)
    upper[with_j < incumbent - tol] = 0.0
    lower[without_j < incumbent - tol] = 1.0
    return lower, upper


# --- p-median on k nearest candidates ------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _MedianModel:
    """Sparse p-median model: each point may use its listed candidates or its fallback.

    ``cand[i, :]`` / ``dist[i, :]`` hold point i's listed candidates and distances in km, padded
    with -1 / inf. ``fallback[i]`` ≤ the true cost of point i when all its listed candidates are
    closed: min(distance to the nearest existing site, distance to the (k+1)-th candidate), inf
    when every candidate is listed and there is no existing site. Any solution's model cost is
    therefore ≤ its true cost, and the model optimum is a lower bound of the true optimum.
    """

    weights: np.ndarray  # (n,) population of the modelled points
    cand: np.ndarray  # (n, k) intp
    dist: np.ndarray  # (n, k) float, km
    fallback: np.ndarray  # (n,) km
    existing_km: np.ndarray  # (n,) distance to the nearest existing site, inf if none

    def costs(self, open_mask: np.ndarray) -> np.ndarray:
        """Per-point model cost (km) for a set of open candidates."""
        listed = np.where((self.cand >= 0) & open_mask[np.maximum(self.cand, 0)], self.dist, np.inf)
        best = listed.min(axis=1) if listed.shape[1] else np.full(self.weights.size, np.inf)
        return np.minimum(best, self.fallback)

    def total(self, open_mask: np.ndarray) -> float:
        return float(np.dot(self.weights, self.costs(open_mask)))


def _median_model(
    space: Space,
    population: Points,
    candidates: Points,
    *,
    existing_km: np.ndarray,
    k: np.ndarray,
    workers: int,
) -> _MedianModel:
    """Lists of each point's k[i] nearest candidates closer than its nearest existing site."""
    m = len(candidates)
    kmax = int(min(k.max(initial=1), m))
    tree = cKDTree(space.embed(candidates))
    q = min(kmax + 1, m)
    d, j = tree.query(space.embed(population), k=q, workers=workers)
    d = space.to_km(np.asarray(d, dtype=np.float64).reshape(len(population), q))
    j = np.asarray(j).reshape(len(population), q).astype(np.intp)
    rank = np.arange(q)[None, :]
    k_i = np.minimum(k, m)[:, None]
    # The (k+1)-th candidate's distance bounds from below the cost beyond the list.
    beyond = np.where(k_i[:, 0] < m, d[np.arange(d.shape[0]), np.minimum(k_i[:, 0], q - 1)], np.inf)
    fallback = np.minimum(existing_km, beyond)
    listed = (rank < k_i) & (d < existing_km[:, None])
    cand = np.where(listed, j, -1)[:, :kmax]
    dist = np.where(listed, d, np.inf)[:, :kmax]
    return _MedianModel(population.population, cand, dist, fallback, existing_km)


def _median_greedy_swap(model: _MedianModel, m: int, n_new: int, deadline: float) -> np.ndarray:
    """Greedy additions then single swaps (Teitz & Bart 1968); returns the open mask.

    The heuristic prices a point whose listed candidates are all closed pessimistically (its
    existing site, else twice the largest listed distance), so that it serves every point from
    its list when it can; the lower-bound fallback would make leaving points out look free.
    """
    big = 2.0 * float(model.dist[np.isfinite(model.dist)].max(initial=0.0)) + 1.0
    model = _MedianModel(
        model.weights,
        model.cand,
        model.dist,
        np.minimum(model.existing_km, big),
        model.existing_km,
    )
    w = model.weights
    cur = _costs_with(model, np.zeros(m, dtype=bool), big)
    open_mask = np.zeros(m, dtype=bool)
    flat_c = model.cand.reshape(-1)
    flat_d = model.dist.reshape(-1)
    row = np.repeat(np.arange(w.size), model.cand.shape[1])
    valid = flat_c >= 0
    flat_c, flat_d, row = flat_c[valid], flat_d[valid], row[valid]

    def add_gains(current: np.ndarray) -> np.ndarray:
        saving = w[row] * np.maximum(0.0, current[row] - flat_d)
        return np.bincount(flat_c, weights=saving, minlength=m)

    for _ in range(min(n_new, m)):
        g = add_gains(cur)
        g[open_mask] = -1.0
        j = int(np.argmax(g))
        if g[j] <= 0:
            break
        open_mask[j] = True
        cur = _costs_with(model, open_mask, big)
    # Swaps: remove r, add the best j, keep it when the model cost drops.
    improved = True
    while improved and time.perf_counter() < deadline:
        improved = False
        for r in np.flatnonzero(open_mask):
            if time.perf_counter() >= deadline:
                break
            trial = open_mask.copy()
            trial[r] = False
            base = _costs_with(model, trial, big)
            g = add_gains(base)
            g[trial] = -1.0
            g[r] = -1.0
            j = int(np.argmax(g))
            loss = float(np.dot(w, base - cur))
            if g[j] - loss > 1e-9 * max(1.0, float(np.dot(w, cur))):
                trial[j] = True
                open_mask = trial
                cur = _costs_with(model, open_mask, big)
                improved = True
    return open_mask


def _costs_with(model: _MedianModel, open_mask: np.ndarray, big: float) -> np.ndarray:
    c = model.costs(open_mask)
    return np.where(np.isfinite(c), c, big)


def _median_lagrangian_bound(
    model: _MedianModel, m: int, n_new: int, upper: float, iterations: int = 200
) -> float:
    """Lower bound on the model's Σ w d by Lagrangian relaxation of the assignment constraints.

    L(λ) = Σ_i λ_i + Σ_i min(0, w_i f_i − λ_i) + Σ_{n_new smallest} min(0, ρ_j),
    ρ_j = Σ_{i lists j} min(0, w_i d_ij − λ_i), maximised by subgradient steps (Polyak step size
    towards ``upper``; Beasley, "Lagrangean heuristics for location problems", EJOR 65, 1993).
    Every L(λ) is a valid lower bound; the best one is returned.
    """
    w = model.weights
    flat_c = model.cand.reshape(-1)
    flat_d = model.dist.reshape(-1)
    row = np.repeat(np.arange(w.size), model.cand.shape[1])
    valid = flat_c >= 0
    flat_c, flat_d, row = flat_c[valid], flat_d[valid], row[valid]
    wd = w[row] * flat_d
    wf = w * model.fallback  # inf where no fallback
    # Start from each point's cost to its nearest listed candidate (or its fallback).
    first = np.where(np.isfinite(model.dist[:, 0]), model.dist[:, 0], model.fallback)
    lam = w * np.where(np.isfinite(first), first, 0.0)
    best = -math.inf
    theta = 2.0
    stall = 0
    for _ in range(iterations):
        red = np.minimum(0.0, wd - lam[row])
        rho = np.bincount(flat_c, weights=red, minlength=m)
        k = min(n_new, m)
        opened = np.argpartition(rho, k - 1)[:k] if k > 0 else np.empty(0, np.intp)
        opened = opened[rho[opened] < 0]
        fb_term = np.where(np.isfinite(wf), np.minimum(0.0, wf - lam), 0.0)
        value = float(lam.sum() + fb_term.sum() + rho[opened].sum())
        if not math.isfinite(best) or value > best + 1e-12 * max(1.0, abs(best)):
            best, stall = value, 0
        else:
            stall += 1
            if stall >= 10:
                theta, stall = theta / 2, 0
        if theta < 1e-4 or upper - best <= 1e-9 * max(1.0, upper):
            break
        is_open = np.zeros(m, dtype=bool)
        is_open[opened] = True
        sub = np.ones(w.size)
        sub -= np.where(np.isfinite(wf), wf < lam, False)
        chosen_entry = is_open[flat_c] & (wd < lam[row])
        sub -= np.bincount(row[chosen_entry], minlength=w.size)
        norm = float(np.dot(sub, sub))
        if norm == 0:
            break
        lam = lam + theta * (upper - value) / norm * sub
        # Raising λ_i above w_i f_i cannot raise L (the fallback term cancels it): project.
        lam = np.where(np.isfinite(wf), np.minimum(lam, wf), lam)
    return best


def _median_exact(
    model: _MedianModel, m: int, n_new: int, time_limit_s: float
) -> tuple[np.ndarray | None, float, int]:
    """MILP of the model (strong p-median formulation) → (open mask, lower bound, HiGHS status).

    min Σ_i w_i (Σ_j d_ij z_ij + f_i g_i)   s.t.   Σ_j z_ij + g_i = 1,   z_ij ≤ x_j,
    Σ_j x_j ≤ n_new,   x ∈ {0, 1},   z, g ∈ [0, 1]        (ReVelle & Swain 1970).
    The objective is divided by Σ w so it reads as a mean distance in km.
    """
    w = model.weights
    n = w.size
    total_w = float(w.sum())
    flat_c = model.cand.reshape(-1)
    flat_d = model.dist.reshape(-1)
    row = np.repeat(np.arange(n), model.cand.shape[1])
    valid = flat_c >= 0
    flat_c, flat_d, row = flat_c[valid], flat_d[valid], row[valid]
    cols = np.unique(flat_c)  # candidates that appear in some list
    xcol = np.searchsorted(cols, flat_c)
    nx, nz = cols.size, flat_c.size
    has_fb = np.isfinite(model.fallback)
    fb_rows = np.flatnonzero(has_fb)
    ng = fb_rows.size
    nvar = nx + nz + ng
    c = np.concatenate([np.zeros(nx), w[row] * flat_d, w[fb_rows] * model.fallback[fb_rows]])
    c /= total_w
    z_ids = nx + np.arange(nz)
    g_ids = nx + nz + np.arange(ng)
    # Assignment rows: Σ_j z_ij + g_i = 1.
    assign = sp.csr_array(
        (np.ones(nz + ng), (np.concatenate([row, fb_rows]), np.concatenate([z_ids, g_ids]))),
        shape=(n, nvar),
    )
    # Linking rows: z_ij − x_j ≤ 0.
    link = sp.csr_array(
        (
            np.concatenate([np.ones(nz), -np.ones(nz)]),
            (np.tile(np.arange(nz), 2), np.concatenate([z_ids, xcol])),
        ),
        shape=(nz, nvar),
    )
    budget = sp.csr_array(
        (np.ones(nx), (np.zeros(nx, dtype=np.intp), np.arange(nx))), shape=(1, nvar)
    )
    constraints = [
        LinearConstraint(assign, 1.0, 1.0),
        LinearConstraint(link, -np.inf, 0.0),
        LinearConstraint(budget, -np.inf, float(n_new)),
    ]
    integrality = np.concatenate([np.ones(nx), np.zeros(nz + ng)])
    res = milp(
        c,
        integrality=integrality,
        bounds=Bounds(0, 1),
        constraints=constraints,
        options={"time_limit": max(0.1, time_limit_s), "mip_rel_gap": 0.0, "disp": False},
    )
    lower = getattr(res, "mip_dual_bound", None)
    if lower is None or not math.isfinite(lower):
        lower = float(res.fun) if res.status == 0 else -math.inf
    if res.x is None:
        return None, float(lower) * total_w, res.status
    open_mask = np.zeros(m, dtype=bool)
    open_mask[cols[res.x[:nx] > 0.5]] = True
    return open_mask, float(lower) * total_w, res.status


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
