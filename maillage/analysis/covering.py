"""The maximal covering location problem (MCLP) on sparse coverage sets.

Church & ReVelle, "The maximal covering location problem", Papers of the Regional Science
Association 32, 1974: choose N candidates maximising the weight within a radius of an open site.
Coverage sets are a CSR matrix (candidates × points) built from k-d tree ball queries, never a
dense population × candidate matrix. Two solvers: lazy greedy with a data-dependent upper bound
(:func:`greedy_max_coverage`), and a MILP solved by HiGHS with points merged when the same
candidates cover them (:func:`exact_max_coverage`). :func:`maillage.analysis.planning.plan` is the
entry point that turns places and population into these arrays.
"""

from __future__ import annotations

import heapq
import math
import time
from dataclasses import dataclass
from typing import Literal

import numpy as np
import scipy.sparse as sp

from maillage.analysis.points import (
    Points,
    Space,
    _frozen,
    common_space,
    radius_join,
)

Method = Literal["greedy", "exact"]
Objective = Literal["coverage", "distance"]
Status = Literal["optimal", "time_limit", "feasible"]

_CHUNK_NNZ = 4_000_000  # entries gathered at once when summing rows (bounds temporaries)
_BOUND_EVERY_STEP_MAX = 20_000  # candidates up to which the greedy bound is refreshed each pick
_HASH_SEED = 20240601  # fixed: merging must be deterministic
_LAGRANGIAN_WORK = 1.5e8  # nonzeros visited by the greedy's Lagrangian bound (iteration budget)
_LAGRANGIAN_MIN_STEPS = 20


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
    work: float | None = None,
    max_iterations: int = 300,
) -> tuple[float, np.ndarray]:
    """Best L(u) over subgradient steps (see :func:`greedy_max_coverage`); ``lower`` ≤ OPT.

    Returns ``(bound, rho)`` with ρ_j = Σ_{k ∈ A_j} u_k at the best multipliers.

    Multipliers are scaled, u_k = w_k v_k with v_k ∈ [0, 1], so heavy and light groups move at
    the same relative pace. Step θ (L − lower) / ‖s‖² with θ halved after 10 steps without
    improvement. The number of steps is work / nonzeros, clipped to [_LAGRANGIAN_MIN_STEPS,
    max_iterations]: the cost is bounded (about 1.5·10⁸ nonzeros visited by default, a second or
    so at France scale) and the result deterministic. Every step gives a valid bound, so
    stopping early only leaves the reported gap larger.
    """
    g, m = groups.shape
    if g == 0:
        return 0.0, np.zeros(m)
    cm = sp.csr_array(groups.T)  # candidate-major
    # ρ = A u as a float sparse product: one pass over the nonzeros in C, summed in the same
    # order as _row_sums (row by row, in column order), so the same bits.
    cm_float = sp.csr_array((np.ones(cm.nnz), cm.indices, cm.indptr), shape=cm.shape)
    picked = np.zeros(m, dtype=bool)
    picked[chosen] = True
    covered = _row_sums(groups.indptr, groups.indices, picked.astype(np.float64)) > 0
    v = np.where(covered, 0.0, 1.0)  # L(u⁰) is the online bound at the final greedy state
    k = min(n_new, m)
    work = _LAGRANGIAN_WORK if work is None else work
    iterations = int(
        np.clip(
            work / max(1, groups.nnz), min(_LAGRANGIAN_MIN_STEPS, max_iterations), max_iterations
        )
    )
    best = math.inf
    best_rho = np.zeros(m)
    theta, stall = 2.0, 0
    for _ in range(iterations):
        u = gw * v
        rho = cm_float @ u
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
    # h = Aᵀ (r1, r2), chunk by chunk: a sparse product adds, for each point, the reals of its
    # sets in set order, exactly as the sums are defined (1.0 × r is exact).
    r12 = np.column_stack([r1, r2])
    h12 = np.zeros((n, 2))
    for a, b in _row_chunks(indptr):
        lo, hi = int(indptr[a]), int(indptr[b])
        chunk = sp.csr_array(
            (np.ones(hi - lo), indices[lo:hi], indptr[a : b + 1] - lo), shape=(b - a, n)
        )
        h12 += chunk.T @ r12[a:b]
    h1, h2 = np.ascontiguousarray(h12[:, 0]), np.ascontiguousarray(h12[:, 1])
    del h12
    kept = np.flatnonzero((counts > 0) & (w > 0))
    if kept.size == 0:
        return sp.csr_array((0, m), dtype=bool), np.empty(0)
    ks, new = _group_equal_keys(kept, counts, h1, h2)
    sorted_group = np.cumsum(new) - 1
    first = np.minimum.reduceat(ks, np.flatnonzero(new))  # smallest point index of each group
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


def _group_equal_keys(
    kept: np.ndarray, counts: np.ndarray, h1: np.ndarray, h2: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``kept`` reordered so that equal keys (counts, h1, h2) are adjacent, and the run starts.

    One unstable sort on h1 alone (three times cheaper than a stable sort on the three keys):
    distinct keys with the same h1 essentially never happen, and when they do the three-key
    sort runs instead, so the runs are always exactly the groups of equal keys.
    """
    h1k = h1[kept]
    order = np.argsort(h1k)
    ks = kept[order]
    a, c, b = h1k[order], counts[ks], h2[ks]
    same_a = a[1:] == a[:-1]
    other = (c[1:] != c[:-1]) | (b[1:] != b[:-1])
    if (same_a & other).any():
        ks = kept[np.lexsort((h2[kept], h1k, counts[kept]))]
        a, c, b = h1[ks], counts[ks], h2[ks]
        same_a = a[1:] == a[:-1]
        other = (c[1:] != c[:-1]) | (b[1:] != b[:-1])
    new = np.ones(ks.size, dtype=bool)
    new[1:] = ~same_a | other
    return ks, new


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
    # scipy.optimize (about 0.1 s to import) only here: a coverage or a greedy plan needs none.
    from scipy.optimize import Bounds, LinearConstraint, milp

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
    from scipy.optimize import linprog

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
