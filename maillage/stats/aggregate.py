"""How the places' values of an indicator make a territory's (or a network's) value.

* ``sum`` — counts and volumes (members, desk-days, hours booked): Σ values;
* ``mean`` — the mean of the places' values, each place counting once (opening hours per week);
* ``weighted_mean`` — rates: Σ numerators / Σ denominators (occupancy = booked hours / bookable
  hours), so that a large place weighs by its size and a rate of rates is never averaged;
* ``median`` — the median of the places' values (robust to one very large place).

Missing values (None) are left out: a place that has not given a figure does not count as 0.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from enum import StrEnum


class Aggregation(StrEnum):
    SUM = "sum"
    MEAN = "mean"
    WEIGHTED_MEAN = "weighted_mean"
    MEDIAN = "median"


def aggregate(
    method: Aggregation | str,
    values: Sequence[float | None],
    weights: Sequence[float | None] | None = None,
) -> float | None:
    """The territory value of ``values`` (one per place) by ``method``.

    For ``weighted_mean``, ``values`` are the numerators and ``weights`` the denominators; a
    place missing either is left out. None when nothing is left to aggregate (for ``sum``: 0.0,
    the total of no place), or when the denominators add up to 0.

    >>> aggregate("weighted_mean", [30, 10], [60, 40])
    0.4
    >>> aggregate("median", [1, None, 5, 3])
    3.0
    """
    method = Aggregation(method)
    if method is Aggregation.WEIGHTED_MEAN:
        if weights is None:
            raise ValueError("weighted_mean needs weights (the denominators)")
        if len(weights) != len(values):
            raise ValueError("values and weights must have the same length")
        pairs = [
            (float(v), float(w))
            for v, w in zip(values, weights, strict=True)
            if v is not None and w is not None
        ]
        denominator = sum(w for _, w in pairs)
        if not pairs or denominator == 0:
            return None
        return sum(v for v, _ in pairs) / denominator
    present = [float(v) for v in values if v is not None]
    if method is Aggregation.SUM:
        return float(sum(present))
    if not present:
        return None
    if method is Aggregation.MEAN:
        return statistics.fmean(present)
    return float(statistics.median(present))
