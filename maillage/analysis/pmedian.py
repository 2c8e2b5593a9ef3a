"""The p-median problem on each point's k nearest candidates.

Hakimi 1964; ReVelle & Swain 1970: choose N candidates minimising the population-weighted mean
distance to the nearest open site. The model lists each point's k nearest candidates, with a
fallback cost that keeps every model value a valid lower bound; a greedy-and-swap heuristic, a
Lagrangian lower bound and a HiGHS MILP solve it. :func:`maillage.analysis.planning.plan` calls
these with ``objective="distance"``.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.spatial import cKDTree

from maillage.analysis.points import (
    Points,
    Space,
)

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
    # scipy.optimize (about 0.1 s to import) only here: the greedy and a coverage need none.
    from scipy.optimize import Bounds, LinearConstraint, milp

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
