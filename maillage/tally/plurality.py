"""Single choice (« scrutin majoritaire à un tour »): each voter names at most one option.

Weights (colleges): each ballot counts its voter's weight; the counts are weighted counts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from maillage.tally._arrays import ranking_by, tied_groups, voter_weights

BLANK = -1


@dataclass(frozen=True)
class PluralityResult:
    """Counts per option, blank ballots, and the ranking with its ties.

    ``winners`` lists every option with the highest count: more than one means a tie, which
    the caller reports (this module never breaks a tie by chance).
    """

    counts: np.ndarray  # (options,) votes per option (float when weighted)
    blank: float  # blank ballots (BLANK), weighted when weighted
    ballots: float  # every ballot, blank included
    ranking: list[int]  # options, most votes first; equal counts keep index order
    tiers: list[list[int]]  # the ranking in groups of equal counts
    winners: list[int]  # the first tier when anyone voted, else []


def plurality(
    choices: ArrayLike, n_options: int, *, weights: ArrayLike | None = None
) -> PluralityResult:
    """Count single-choice ballots.

    ``choices`` is an integer array (voters,): the index of the option each voter chose, or
    ``BLANK`` (-1) for a blank ballot. Counts sum to the ballots.

    >>> r = plurality([0, 2, 2, -1, 1, 2], 3)
    >>> r.counts.tolist(), r.blank, r.winners
    ([1, 1, 3], 1, [2])
    >>> plurality([0, 1], 2).winners  # a tie is reported, not broken
    [0, 1]
    """
    picks = np.asarray(choices, dtype=np.int64).reshape(-1)
    if picks.size and (picks.min() < BLANK or picks.max() >= n_options):
        raise ValueError(f"choices must be option indices in [0, {n_options}) or {BLANK} (blank)")
    w = voter_weights(weights, picks.size)
    voted = picks >= 0
    if w is None:
        counts = np.bincount(picks[voted], minlength=n_options)
        blank: float = int((~voted).sum())
        ballots: float = int(picks.size)
    else:
        counts = np.bincount(picks[voted], weights=w[voted], minlength=n_options)
        blank = float(w[~voted].sum())
        ballots = float(w.sum())
    ranking = ranking_by([counts])
    tiers = tied_groups(ranking, counts)
    winners = tiers[0] if n_options and counts.sum() > 0 else []
    return PluralityResult(counts, blank, ballots, ranking, tiers, winners)
