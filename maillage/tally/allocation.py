"""Allocation of shared things by preference (« attribution par préférences »).

Members rank (or score) items — desks, garden plots, workshop slots — each with a number of
places; every member gets at most one item. Each item is expanded into as many *slots* as it
has places, and the assignment of members to slots is solved exactly with
``scipy.optimize.linear_sum_assignment`` (the Hungarian method, Jonker–Volgenant variant):

- ``objective="total"``: the greatest number of members get an acceptable item, then the sum
  of the ranks obtained is the smallest (the greatest total satisfaction);
- ``objective="worst_off"``: the same number of members served, then lexicographically the
  worst rank obtained is the best possible (found by bisection on the ranks: the smallest
  threshold that still serves as many), then the total among assignments that respect it.

``preferences`` is an array (members × items). With ``kind="ranks"``: 1 the most preferred,
equal ranks allowed, 0 (or less) for an item the member does not accept. With
``kind="scores"``: higher is better, a negative score for an unacceptable item; the cost of an
item is then ``best score - score + 1`` and « rank » below means that cost.

No weights: a desk goes to one person.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from maillage.tally._arrays import int_matrix

UNASSIGNED = -1


@dataclass(frozen=True)
class AllocationResult:
    """Who gets what, and the distribution of the ranks obtained."""

    assignment: np.ndarray  # (members,) item index, or UNASSIGNED
    ranks: np.ndarray  # (members,) rank (or cost) of the item obtained, 0 when unassigned
    distribution: dict[int, int]  # rank → members who got an item of that rank
    unassigned: int
    total: int  # sum of the ranks obtained
    worst: int  # the worst rank obtained (0 when nobody got anything)


def _costs(preferences: ArrayLike, kind: str) -> tuple[np.ndarray, np.ndarray]:
    p = int_matrix(preferences, "preferences")
    if kind == "ranks":
        acceptable = p > 0
        cost = np.where(acceptable, p, 0)
    elif kind == "scores":
        acceptable = p >= 0
        best = int(p.max()) if p.size else 0
        cost = np.where(acceptable, best - p + 1, 0)
    else:
        raise ValueError('kind must be "ranks" or "scores"')
    return cost.astype(np.int64), acceptable


def _solve(cost: np.ndarray, allowed: np.ndarray, slot_item: np.ndarray) -> tuple[np.ndarray, int]:
    """Min-cost assignment using allowed entries first: (item per member, members served)."""
    # Imported here: scipy.optimize takes 0.6 s to import, a third of the start of every process
    # that counts a vote (`maillage verify_vote`), whatever its method.
    from scipy.optimize import linear_sum_assignment

    n_members = cost.shape[0]
    # a forbidden entry costs more than any assignment of allowed ones: the number served
    # comes first, the total second
    penalty = int(cost.sum()) + 1
    matrix = np.where(allowed, cost, penalty)[:, slot_item]
    rows, cols = linear_sum_assignment(matrix)
    assignment = np.full(n_members, UNASSIGNED, dtype=np.int64)
    ok = allowed[rows, slot_item[cols]]
    assignment[rows[ok]] = slot_item[cols[ok]]
    return assignment, int(ok.sum())


def _lexicographic_worst_off(
    cost: np.ndarray,
    acceptable: np.ndarray,
    slot_item: np.ndarray,
    assignment: np.ndarray,
    served: int,
) -> np.ndarray:
    """Bisect on the worst rank: the smallest threshold that still serves ``served`` members.

    ``assignment`` (the total optimum) serves them with its own worst rank, the upper end.
    At the threshold found, the min-cost assignment over allowed entries is the total optimum
    among the assignments whose worst rank is that threshold.
    """
    thresholds = np.unique(cost[acceptable])
    got = assignment >= 0
    worst = cost[np.flatnonzero(got), assignment[got]].max()
    low, high = 0, int(np.searchsorted(thresholds, worst))
    best = assignment
    while low < high:
        mid = (low + high) // 2
        trial, trial_served = _solve(cost, acceptable & (cost <= thresholds[mid]), slot_item)
        if trial_served == served:
            high, best = mid, trial
        else:
            low = mid + 1
    if best is assignment:  # the total optimum's worst rank was already the best: same result
        return assignment
    return best


def allocate(
    preferences: ArrayLike,
    capacities: ArrayLike,
    *,
    objective: Literal["total", "worst_off"] = "total",
    kind: Literal["ranks", "scores"] = "ranks",
) -> AllocationResult:
    """Assign members to items within their capacities, as the module says.

    >>> r = allocate([[1, 2], [1, 2], [2, 1]], [1, 2])
    >>> r.assignment.tolist(), r.distribution, r.total
    ([0, 1, 1], {1: 2, 2: 1}, 4)
    >>> prefs = [[1, 2, 3], [1, 3, 2], [2, 3, 1]]  # the total is 4 at best, with a rank 2
    >>> allocate(prefs, [1, 1, 1], objective="worst_off").worst
    2
    """
    if objective not in ("total", "worst_off"):
        raise ValueError('objective must be "total" or "worst_off"')
    cost, acceptable = _costs(preferences, kind)
    n_members, n_items = cost.shape
    caps = np.asarray(capacities, dtype=np.int64).reshape(-1)
    if caps.shape != (n_items,) or np.any(caps < 0):
        raise ValueError(f"capacities must be {n_items} non-negative integers")
    # no item needs more slots than there are members
    slot_item = np.repeat(np.arange(n_items), np.minimum(caps, n_members))
    if n_members == 0 or slot_item.size == 0:
        assignment = np.full(n_members, UNASSIGNED, dtype=np.int64)
    else:
        assignment, served = _solve(cost, acceptable, slot_item)
        if objective == "worst_off" and served:
            assignment = _lexicographic_worst_off(cost, acceptable, slot_item, assignment, served)
    got = assignment >= 0
    ranks = np.zeros(n_members, dtype=np.int64)
    ranks[got] = cost[np.flatnonzero(got), assignment[got]]
    values, counts = np.unique(ranks[got], return_counts=True)
    return AllocationResult(
        assignment=assignment,
        ranks=ranks,
        distribution={int(v): int(k) for v, k in zip(values, counts, strict=True)},
        unassigned=int((~got).sum()),
        total=int(ranks.sum()),
        worst=int(ranks.max()) if got.any() else 0,
    )
