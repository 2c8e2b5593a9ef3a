"""Score voting (« vote par notes »): each voter gives every option a score; highest mean wins.

Weights (colleges): the mean is the weighted mean, the distribution holds weighted counts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from maillage.tally._arrays import int_matrix, ranking_by, tied_groups, voter_weights


@dataclass(frozen=True)
class ScoreResult:
    """Mean score and distribution per option, and the ranking by mean with its ties."""

    min_score: int
    max_score: int
    means: np.ndarray  # (options,) mean score, nan when nobody voted
    distribution: np.ndarray  # (options, max_score - min_score + 1) ballots per score, lowest first
    ranking: list[int]  # highest mean first; equal means keep index order
    tiers: list[list[int]]
    winners: list[int]


def score_voting(
    scores: ArrayLike, *, min_score: int = 0, max_score: int = 5, weights: ArrayLike | None = None
) -> ScoreResult:
    """Tally score ballots: ``scores`` is an integer array (voters × options) in [min, max].

    >>> r = score_voting([[5, 3], [4, 3], [0, 3]])
    >>> r.means.round(2).tolist(), r.winners, r.distribution[1].tolist()
    ([3.0, 3.0], [0, 1], [0, 0, 0, 3, 0, 0])
    """
    if max_score < min_score:
        raise ValueError("max_score must not be below min_score")
    s = int_matrix(scores, "scores")
    if s.size and (s.min() < min_score or s.max() > max_score):
        raise ValueError(f"scores must lie in [{min_score}, {max_score}]")
    n_voters, n_options = s.shape
    w = voter_weights(weights, n_voters)
    levels = max_score - min_score + 1
    flat = (s - min_score) + levels * np.arange(n_options)
    counts = np.bincount(
        flat.ravel(),
        weights=None if w is None else np.repeat(w, n_options),
        minlength=levels * n_options,
    ).reshape(n_options, levels)
    total = counts.sum(axis=1)
    sums = counts @ np.arange(min_score, max_score + 1, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(total > 0, sums / np.where(total > 0, total, 1), np.nan)
    # exact ties compare equal: compare on sums (integers when unweighted) rather than on means
    ranking = ranking_by([np.nan_to_num(sums, nan=-np.inf)])
    tiers = tied_groups(ranking, sums)
    winners = tiers[0] if n_options and n_voters else []
    return ScoreResult(min_score, max_score, means, counts, ranking, tiers, winners)
