"""Schulze's Condorcet method (« méthode de Schulze »).

Markus Schulze, "A new monotonic, clone-independent, reversal symmetric, and
Condorcet-consistent single-winner election method", Social Choice and Welfare 36 (2011).
``d[i][j]`` is the number of voters who strictly prefer i to j; a link i → j has strength
``d[i][j]`` when ``d[i][j] > d[j][i]`` (winning votes, the paper's default), else none (0);
``p[i][j]`` is the strength of the strongest path (widest path) from i to j. i is ahead of j
when ``p[i][j] > p[j][i]``; this relation is transitive (the paper's §4.1), so ranking options by
the number of options they are ahead of puts a winner (an option nobody is ahead of) first.

The widest paths are computed by Floyd–Warshall, one vectorised step per intermediate option:
O(options³) with numpy, after O(voters × options²) for the pairwise counts (in chunks of voters,
so memory stays bounded).

Weights (colleges): ``d[i][j]`` is the weighted number of voters who prefer i to j.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from maillage.tally._arrays import int_matrix, voter_weights

_CHUNK = 4096  # voters per block of the pairwise count: 4096 × 20 × 20 booleans is 1.6 MB


@dataclass(frozen=True)
class SchulzeResult:
    """The pairwise matrix, the strongest paths and the ranking, for a results page."""

    pairwise: np.ndarray  # d[i][j]: voters preferring i to j (diagonal 0)
    strongest: np.ndarray  # p[i][j]: strength of the strongest path from i to j (diagonal 0)
    ranking: list[int]  # a winner first; then by options beaten
    winners: list[int]  # every option nobody is ahead of (more than one: a tie)
    tiers: list[list[int]]  # consecutive options of the ranking neither of which is ahead


def pairwise_preferences(ranks: ArrayLike, *, weights: ArrayLike | None = None) -> np.ndarray:
    """``d[i][j]``, the number (weight) of voters ranking i strictly before j.

    ``ranks`` is an integer array (voters × options), 1 the most preferred, equal ranks
    allowed; a rank of 0 (or less) means "not ranked": after every ranked option, equal to the
    other unranked ones.

    >>> pairwise_preferences([[1, 2, 3], [2, 1, 0]]).tolist()
    [[0, 1, 2], [1, 0, 2], [0, 0, 0]]
    """
    r = int_matrix(ranks, "ranks")
    n_voters, n_options = r.shape
    w = voter_weights(weights, n_voters)
    r = np.where(r > 0, r, np.iinfo(np.int64).max)
    d = np.zeros((n_options, n_options), dtype=np.int64 if w is None else np.float64)
    for start in range(0, n_voters, _CHUNK):
        block = r[start : start + _CHUNK]
        prefers = block[:, :, None] < block[:, None, :]
        if w is None:
            d += prefers.sum(axis=0, dtype=np.int64)
        else:
            d += np.tensordot(w[start : start + _CHUNK], prefers, axes=(0, 0))
    return d


def strongest_paths(pairwise: ArrayLike) -> np.ndarray:
    """Widest-path strengths ``p[i][j]`` from a pairwise matrix (winning votes)."""
    d = np.asarray(pairwise)
    p = np.where(d > d.T, d, 0)
    np.fill_diagonal(p, 0)
    for k in range(p.shape[0]):
        np.maximum(p, np.minimum(p[:, k : k + 1], p[k : k + 1, :]), out=p)
    np.fill_diagonal(p, 0)
    return p


def schulze_details(ranks: ArrayLike, *, weights: ArrayLike | None = None) -> SchulzeResult:
    """The full Schulze count: pairwise matrix, strongest paths, ranking and winners."""
    d = pairwise_preferences(ranks, weights=weights)
    p = strongest_paths(d)
    ahead = p > p.T
    beaten = ahead.sum(axis=1)
    behind = ahead.sum(axis=0)
    n = d.shape[0]
    order = np.lexsort((np.arange(n), behind, -beaten))
    ranking = [int(i) for i in order]
    winners = [i for i in ranking if behind[i] == 0]
    tiers: list[list[int]] = []
    for option in ranking:
        if tiers and not ahead[tiers[-1][0], option]:
            tiers[-1].append(option)
        else:
            tiers.append([option])
    return SchulzeResult(d, p, ranking, winners, tiers)


def schulze(ranks: ArrayLike, *, weights: ArrayLike | None = None) -> list[int]:
    """Option indices, a Schulze winner first.

    ``ranks`` is an integer array (voters × options), 1 the most preferred, equal ranks
    allowed (0 = not ranked, see :func:`pairwise_preferences`).

    >>> schulze([[1, 2, 3], [1, 3, 2], [2, 1, 3]])
    [0, 1, 2]
    """
    return schulze_details(ranks, weights=weights).ranking
