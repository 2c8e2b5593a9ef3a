"""Coverage: who lives within reach of a site, how far the others are, where the white zones are.

A population point is *covered* at radius r when its nearest site lies at a distance ≤ r
(great-circle on latitude/longitude, Euclidean on EPSG:3035 metres; see :mod:`.points`).
Distances to the nearest site are summarised with population weights: the mean, and the weighted
median and 90th percentile defined by :func:`weighted_quantile`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from maillage.analysis.points import Points, Space, _frozen, common_space, nearest

SiteKinds = Sequence[str | Iterable[str]] | Mapping[str, ArrayLike]


def weighted_quantile(values: ArrayLike, weights: ArrayLike, q: float) -> float:
    """The smallest value v such that the points at ≤ v carry at least a share q of the weight.

    This is the inverse of the weighted empirical distribution function (numpy's
    ``method="inverted_cdf"`` with weights; Hyndman & Fan 1996, definition 1)::

        Q(q) = min { v_k : Σ_{j : v_j ≤ v_k} w_j ≥ q Σ_j w_j }

    so the weighted median is a distance that at least half of the population does not exceed,
    and that is actually observed (no interpolation between two places). Points of zero weight
    are ignored; with no weight at all the result is NaN.

    >>> weighted_quantile([1.0, 2.0, 3.0], [1, 1, 2], 0.5)
    2.0
    >>> weighted_quantile([1.0, 2.0, 3.0], [1, 1, 2], 0.9)
    3.0
    """
    v = np.asarray(values, dtype=np.float64).reshape(-1)
    w = np.asarray(weights, dtype=np.float64).reshape(-1)
    keep = w > 0
    return float(weighted_quantiles(v[keep], w[keep], [q])[0])


_SORT_BELOW = 4096  # below this many values a full sort is as fast as the histogram
_VALUES_PER_BIN = 16


def weighted_quantiles(
    values: ArrayLike, weights: ArrayLike, qs: Sequence[float], *, sort_below: int = _SORT_BELOW
) -> np.ndarray:
    """:func:`weighted_quantile` at each q of ``qs``, for positive ``weights``, without a full sort.

    The values are spread over about n / 16 equal-width bins between their minimum and maximum
    (small inputs, or inputs with an infinite value, are simply sorted). The bin index is a
    monotone function of the value, so every value of a bin is ≤ every value of the next: the
    weight below a bin is the sum of the bins before it, and only the one bin holding the
    quantile is sorted to find the exact value. Cost O(n) plus a sort of one bin, where a full
    sort is O(n log n).

    The partial sums are accumulated bin by bin rather than in sorted order, so when the weights
    are not exactly representable sums (integer or half-integer inhabitants are) the answer can
    differ from a full sort only where a partial sum lies within rounding of q·Σw.

    >>> weighted_quantiles(np.array([3.0, 1.0, 2.0]), np.array([2.0, 1.0, 1.0]), [0.5, 0.9])
    array([2., 3.])
    """
    v = np.asarray(values, dtype=np.float64).reshape(-1)
    w = np.asarray(weights, dtype=np.float64).reshape(-1)
    q = np.asarray(qs, dtype=np.float64).reshape(-1)
    n = v.size
    if n == 0:
        return np.full(q.size, math.nan)
    n_bins = max(1, min(n // _VALUES_PER_BIN, 1 << 22))
    lo, scale = 0.0, math.nan
    if n >= sort_below:
        lo, hi = float(v.min()), float(v.max())
        span = hi - lo
        if math.isfinite(span):
            scale = n_bins / span if span > 0 else 0.0  # inf when the span is subnormal
    if not math.isfinite(scale):  # small inputs, infinite or NaN values, subnormal span: sort
        order = np.argsort(v, kind="stable")
        cum = np.cumsum(w[order])
        ks = np.minimum(np.searchsorted(cum, q * cum[-1], side="left"), n - 1)
        return v[order[ks]]
    # Value → bin is monotone (a difference and a product by a positive number are), so every
    # value of a bin is ≤ every value of the next.
    bins = np.minimum((v - lo) * scale, n_bins - 1).astype(np.intp)
    per_bin = np.bincount(bins, weights=w, minlength=n_bins)
    cum_bins = np.cumsum(per_bin)
    nonempty = np.flatnonzero(per_bin > 0)
    out = np.empty(q.size)
    for t, target in enumerate(q * cum_bins[-1]):
        b = int(nonempty[min(int(np.searchsorted(cum_bins[nonempty], target)), nonempty.size - 1)])
        members = np.flatnonzero(bins == b)
        vb = v[members]
        order = np.argsort(vb, kind="stable")
        cum = (cum_bins[b - 1] if b else 0.0) + np.cumsum(w[members][order])
        k = min(int(np.searchsorted(cum, target, side="left")), vb.size - 1)
        out[t] = vb[order[k]]
    return out


@dataclass(frozen=True)
class DistanceSummary:
    """Population-weighted distribution of the distance to the nearest site, in km.

    ``mean_km`` is Σ wᵢ dᵢ / Σ wᵢ; ``median_km`` and ``p90_km`` are :func:`weighted_quantile` at
    0.5 and 0.9. Infinite when some inhabited point has no site at all; NaN without population.
    """

    mean_km: float
    median_km: float
    p90_km: float

    @classmethod
    def from_distances(cls, distance_km: np.ndarray, population: np.ndarray) -> DistanceSummary:
        w = population
        keep = w > 0
        if not keep.any():
            return cls(math.nan, math.nan, math.nan)
        d, w = distance_km[keep], w[keep]
        # A single far point makes the mean infinite; avoid inf * 0 and summing infinities.
        mean = math.inf if np.isinf(d).any() else float(np.dot(d, w) / w.sum())
        median, p90 = (float(x) for x in weighted_quantiles(d, w, [0.5, 0.9]))
        return cls(mean, median, p90)

    def to_dict(self) -> dict[str, float | None]:
        """``{"mean": …, "median": …, "p90": …}`` in km; None for infinite or undefined values."""
        return {
            "mean": _finite_or_none(self.mean_km),
            "median": _finite_or_none(self.median_km),
            "p90": _finite_or_none(self.p90_km),
        }


@dataclass(frozen=True, eq=False)
class CoverageResult:
    """Coverage of a population by a set of sites at one radius.

    Attributes:
        radius_km: the radius.
        population_total: Σ population.
        population_covered: population of the points whose nearest site is at ≤ radius_km.
        share_covered: population_covered / population_total (NaN without population).
        distance_km: weighted mean, median and p90 of the distance to the nearest site.
        nearest_site: (n,) index of each point's nearest site in ``sites`` (-1: no site).
        nearest_distance_km: (n,) distance to that site (inf: no site).
        covered: (n,) bool, nearest_distance_km ≤ radius_km.
        population: (n,) the population of each point (a view of the input).
        by_kind: the same result for the sites of each kind (their ``nearest_site`` still
            indexes the full ``sites``); empty when no kinds were given.
    """

    radius_km: float
    population_total: float
    population_covered: float
    share_covered: float
    distance_km: DistanceSummary
    nearest_site: np.ndarray
    nearest_distance_km: np.ndarray
    covered: np.ndarray
    population: np.ndarray
    by_kind: Mapping[str, CoverageResult] = field(default_factory=dict)

    @property
    def population_uncovered(self) -> float:
        return self.population_total - self.population_covered

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of ``maillage coverage`` (without white zones); NaN/inf become None."""
        out: dict[str, Any] = {
            "radius_km": self.radius_km,
            "population_total": self.population_total,
            "population_covered": self.population_covered,
            "share_covered": _finite_or_none(self.share_covered),
            "distance_km": self.distance_km.to_dict(),
        }
        if self.by_kind:
            out["by_kind"] = {
                kind: {k: v for k, v in res.to_dict().items() if k != "radius_km"}
                for kind, res in self.by_kind.items()
            }
        return out


def _finite_or_none(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def kind_masks(site_kinds: SiteKinds | None, n_sites: int) -> dict[str, np.ndarray]:
    """Boolean site masks per kind, from one entry per site or from a kind → sites mapping.

    A site entry is a kind code or an iterable of kind codes (a place can have several kinds).
    A mapping gives, for each kind, a boolean mask or an index array of its sites. Kinds come out
    sorted.

    >>> {k: m.tolist() for k, m in kind_masks(["fablab", ("fablab", "coworking")], 2).items()}
    {'coworking': [False, True], 'fablab': [True, True]}
    """
    if site_kinds is None:
        return {}
    masks: dict[str, np.ndarray] = {}
    if isinstance(site_kinds, Mapping):
        for kind, selector in site_kinds.items():
            sel = np.asarray(selector)
            mask = np.zeros(n_sites, dtype=bool)
            mask[sel if sel.dtype == bool else sel.astype(np.intp)] = True
            masks[str(kind)] = mask
        return dict(sorted(masks.items()))
    if len(site_kinds) != n_sites:
        raise ValueError(f"site_kinds has {len(site_kinds)} entries for {n_sites} sites")
    for i, kinds in enumerate(site_kinds):
        for kind in (kinds,) if isinstance(kinds, str) else kinds:
            masks.setdefault(kind, np.zeros(n_sites, dtype=bool))[i] = True
    return dict(sorted(masks.items()))


@dataclass(frozen=True, eq=False)
class _Nearest:
    """Nearest-site search done once, thresholded at as many radii as needed."""

    space: Space
    index: np.ndarray
    tree_distance: np.ndarray
    distance_km: np.ndarray
    summary: DistanceSummary

    @classmethod
    def compute(cls, population: Points, sites: Points, space: Space, workers: int) -> _Nearest:
        index, tree_distance = nearest(space, population, sites, workers=workers)
        distance_km = space.to_km(tree_distance)
        summary = DistanceSummary.from_distances(distance_km, population.population)
        return cls(space, index, tree_distance, distance_km, summary)

    def result(
        self, population: Points, radius_km: float, by_kind: Mapping[str, CoverageResult]
    ) -> CoverageResult:
        # Compare in tree units, as the planning radius queries do, so both agree on the edge.
        covered = self.tree_distance <= self.space.query_radius(radius_km)
        total = float(population.population.sum())
        covered_pop = float(population.population[covered].sum())
        return CoverageResult(
            radius_km=float(radius_km),
            population_total=total,
            population_covered=covered_pop,
            share_covered=covered_pop / total if total > 0 else math.nan,
            distance_km=self.summary,
            nearest_site=_frozen(self.index),
            nearest_distance_km=_frozen(self.distance_km),
            covered=_frozen(covered),
            population=population.population,
            by_kind=by_kind,
        )


def _check_radius(radius_km: float) -> float:
    radius_km = float(radius_km)
    if not (math.isfinite(radius_km) and radius_km >= 0):
        raise ValueError(f"radius_km must be finite and non-negative, not {radius_km}")
    return radius_km


def coverage_by_radius(
    population: Points,
    sites: Points,
    radii_km: Iterable[float],
    site_kinds: SiteKinds | None = None,
    *,
    workers: int = -1,
) -> dict[float, CoverageResult]:
    """:func:`coverage` at several radii, searching the nearest sites only once (per kind).

    >>> pop = Points.from_latlon([0.0, 0.0], [0.0, 0.2], population=[10, 30])
    >>> res = coverage_by_radius(pop, Points.from_latlon([0.0], [0.0]), [5, 25])
    >>> [r.population_covered for r in res.values()]
    [10.0, 40.0]
    """
    radii = [_check_radius(r) for r in radii_km]
    space = common_space(population, sites)
    masks = kind_masks(site_kinds, len(sites))
    overall = _Nearest.compute(population, sites, space, workers)
    per_kind: dict[str, _Nearest] = {}
    for kind, mask in masks.items():
        site_index = np.flatnonzero(mask)
        sub = _Nearest.compute(population, sites.subset(site_index), space, workers)
        # Report indices into the full list of sites.
        index = np.where(sub.index >= 0, site_index[np.maximum(sub.index, 0)], -1)
        per_kind[kind] = _Nearest(space, index, sub.tree_distance, sub.distance_km, sub.summary)
    out = {}
    for r in radii:
        by_kind = {kind: near.result(population, r, {}) for kind, near in per_kind.items()}
        out[r] = overall.result(population, r, by_kind)
    return out


def coverage(
    population: Points,
    sites: Points,
    radius_km: float,
    site_kinds: SiteKinds | None = None,
    *,
    workers: int = -1,
) -> CoverageResult:
    """Population within ``radius_km`` of a site, and the distance to the nearest site.

    Args:
        population: population points (communes, grid cells), weights = inhabitants.
        sites: the places (their population is ignored).
        radius_km: coverage radius (inclusive: a point at exactly radius_km is covered).
        site_kinds: optional kinds of each site (see :func:`kind_masks`); the result then has a
            :class:`CoverageResult` per kind in ``by_kind``.
        workers: threads for the k-d tree queries (-1: all cores).

    Cost: one k-d tree nearest-neighbour query per point, O(n log m), per kind.

    Example — two villages 0.2° of longitude apart on the equator (22.24 km), one site:

    >>> pop = Points.from_latlon([0.0, 0.0], [0.0, 0.2], population=[10, 30])
    >>> res = coverage(pop, Points.from_latlon([0.0], [0.0]), radius_km=10)
    >>> res.population_covered, res.share_covered, res.nearest_site.tolist()
    (10.0, 0.25, [0, 0])
    >>> round(res.distance_km.mean_km, 3), round(res.distance_km.median_km, 3)
    (16.679, 22.239)

    Empty inputs are fine: no population gives zeros and NaN shares; no sites covers nobody.

    >>> coverage(pop, Points.empty(), 10).distance_km.mean_km
    inf
    """
    radius_km = _check_radius(radius_km)
    return coverage_by_radius(population, sites, [radius_km], site_kinds, workers=workers)[
        radius_km
    ]


@dataclass(frozen=True, eq=False)
class WhiteZones:
    """Uncovered population per group (commune, grid cell), largest first.

    Attributes:
        codes: (g,) group codes, only groups with uncovered population > 0.
        population_uncovered: (g,) uncovered population of each group, descending.
        population_total: (g,) total population of each group.
    """

    codes: np.ndarray
    population_uncovered: np.ndarray
    population_total: np.ndarray

    def __len__(self) -> int:
        return self.codes.size

    def records(self, limit: int | None = None) -> list[dict[str, Any]]:
        """``[{"code", "population_uncovered", "population_total"}, …]``, largest first."""
        n = len(self) if limit is None else min(limit, len(self))
        return [
            {
                "code": _plain(self.codes[i]),
                "population_uncovered": float(self.population_uncovered[i]),
                "population_total": float(self.population_total[i]),
            }
            for i in range(n)
        ]


def _plain(code: Any) -> Any:
    if isinstance(code, bytes):
        return code.decode("ascii", "replace")
    return code.item() if isinstance(code, np.generic) else code


def white_zones(result: CoverageResult, group_ids: ArrayLike) -> WhiteZones:
    """Aggregate the uncovered population of ``result`` per group, sorted by descending size.

    ``group_ids`` gives each population point's group: its commune code, or its own id to list
    points (grid cells) one by one. Ties keep the order of the codes.

    >>> pop = Points.from_latlon([0, 0, 0, 0], [0, 1, 1.01, 2], population=[5, 1, 2, 4])
    >>> res = coverage(pop, Points.from_latlon([0], [0]), radius_km=10)
    >>> white_zones(res, ["a", "b", "b", "c"]).records()[0]
    {'code': 'c', 'population_uncovered': 4.0, 'population_total': 4.0}
    """
    groups = np.asarray(group_ids)
    if groups.shape != result.covered.shape:
        raise ValueError(f"group_ids has shape {groups.shape}, expected {result.covered.shape}")
    population = result.population
    uncovered = ~result.covered & (population > 0)
    if not uncovered.any():
        empty = np.empty(0)
        return WhiteZones(_frozen(groups[:0]), _frozen(empty), _frozen(empty.copy()))
    # Only groups with someone uncovered matter: restrict to them before the (costly) unique.
    hot = np.unique(groups[uncovered])
    pos = np.searchsorted(hot, groups)
    pos_clipped = np.minimum(pos, hot.size - 1)
    member = hot[pos_clipped] == groups
    g_unc = np.bincount(pos_clipped[uncovered], weights=population[uncovered], minlength=hot.size)
    g_tot = np.bincount(pos_clipped[member], weights=population[member], minlength=hot.size)
    order = np.argsort(-g_unc, kind="stable")
    order = order[g_unc[order] > 0]
    return WhiteZones(_frozen(hot[order]), _frozen(g_unc[order]), _frozen(g_tot[order]))
