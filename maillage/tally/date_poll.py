"""Date poll (« sondage de date »): each voter answers yes / if need be / no for every slot.

The best slot has the most « oui », then the most « si besoin »; equal slots keep their order.
Weights (colleges): each answer counts its voter's weight.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from maillage.tally._arrays import int_matrix, ranking_by, tied_groups, voter_weights

NO, IF_NEED_BE, YES = 0, 1, 2


@dataclass(frozen=True)
class DatePollResult:
    """Answers per slot and the slots ranked best first."""

    yes: np.ndarray  # (slots,)
    if_need_be: np.ndarray
    no: np.ndarray
    ranking: list[int]  # by yes, then if need be
    tiers: list[list[int]]  # slots equal on both counts
    best: list[int]  # the first tier ([] when there is no slot or no voter)


def date_poll(answers: ArrayLike, *, weights: ArrayLike | None = None) -> DatePollResult:
    """``answers``: an integer array (voters × slots), 2 yes, 1 if need be, 0 no.

    >>> r = date_poll([[2, 1, 0], [2, 2, 1], [0, 2, 1]])
    >>> r.yes.tolist(), r.if_need_be.tolist(), r.ranking
    ([2, 2, 0], [0, 1, 2], [1, 0, 2])
    """
    a = int_matrix(answers, "answers")
    if a.size and (a.min() < NO or a.max() > YES):
        raise ValueError("answers must be 0 (no), 1 (if need be) or 2 (yes)")
    w = voter_weights(weights, a.shape[0])
    per = [(a == code) for code in (YES, IF_NEED_BE, NO)]
    yes, maybe, no = (p.sum(axis=0) if w is None else w @ p.astype(np.float64) for p in per)
    ranking = ranking_by([yes, maybe])
    tiers = tied_groups(ranking, yes, maybe)
    best = tiers[0] if a.shape[1] and a.shape[0] else []
    return DatePollResult(yes, maybe, no, ranking, tiers, best)
