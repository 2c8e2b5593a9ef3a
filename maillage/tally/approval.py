"""Approval voting: each voter approves any number of options; most approvals wins.

Weights (colleges): each approval counts its voter's weight.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from maillage.tally._arrays import (
    bool_matrix,
    ranking_by,
    tied_groups,
    voter_weights,
    weighted_column_sums,
)


@dataclass(frozen=True)
class ApprovalResult:
    """Approvals per option, their share of the ballots, and the ranking with its ties."""

    counts: np.ndarray  # (options,) approvals (float when weighted)
    ballots: float  # ballots cast (weighted when weighted); an empty ballot is a ballot
    shares: np.ndarray  # counts / ballots (0 when no ballot)
    ranking: list[int]
    tiers: list[list[int]]
    winners: list[int]


def approval(approvals: ArrayLike, *, weights: ArrayLike | None = None) -> ApprovalResult:
    """Count approval ballots: ``approvals`` is a 0/1 array (voters × options), 1 = approved.

    >>> r = approval([[1, 1, 0], [0, 1, 0], [1, 0, 1]])
    >>> r.counts.tolist(), r.winners
    ([2, 2, 1], [0, 1])
    """
    marks = bool_matrix(approvals, "approvals")
    w = voter_weights(weights, marks.shape[0])
    counts = weighted_column_sums(marks, w)
    ballots: float = int(marks.shape[0]) if w is None else float(w.sum())
    shares = counts / ballots if ballots else np.zeros(marks.shape[1])
    ranking = ranking_by([counts])
    tiers = tied_groups(ranking, counts)
    winners = tiers[0] if marks.shape[1] and counts.sum() > 0 else []
    return ApprovalResult(counts, ballots, shares, ranking, tiers, winners)
