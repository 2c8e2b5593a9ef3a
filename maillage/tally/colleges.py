"""Colleges (« collèges de vote »): a SCIC's members vote in colleges, each with a weight.

The results are computed per college and combined by weight. Every method here does this in
one pass with per-voter weights: each college's weight is shared equally among the voters of
that college who took part, so a college's ballots together weigh its weight, whatever its size.
Each method says in its docstring how weights enter it; in short:

- counts (single choice, approval, date poll, greedy budget, consent): weighted counts — the
  same as each college's shares of the votes combined by weight;
- score voting: weighted means and distributions;
- majority judgement: weighted merit profiles (the grade distributions of the colleges
  combined by weight), then the majority grade and the tie-break on those;
- Schulze: weighted pairwise counts d[i][j];
- equal shares: the budget is shared in proportion to the weights instead of equally;
- consent: blocks stay a count of people (a veto is a person's);
- allocation by preference takes no weights: a desk goes to one person.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


def college_voter_weights(colleges: ArrayLike, college_weights: ArrayLike) -> np.ndarray:
    """Per-voter weights from each voter's college index and the colleges' weights.

    ``colleges`` is an integer array (voters,) of college indices; ``college_weights`` gives
    each college's weight (any scale: shares like 0.2 or percentages like 20). The weights of
    the colleges with at least one voter are scaled to sum to 1 and each is split equally among
    its voters; a college without voters has no ballot to carry its weight, which goes to the
    others in proportion (the statutes decide whether such a vote stands: a quorum per college is
    checked by the caller). The result sums to 1 (to 0 with no voter).

    >>> college_voter_weights([0, 0, 1], [0.5, 0.5]).tolist()
    [0.25, 0.25, 0.5]
    """
    labels = np.asarray(colleges, dtype=np.int64).reshape(-1)
    weights = np.asarray(college_weights, dtype=np.float64).reshape(-1)
    if np.any(weights < 0) or not np.all(np.isfinite(weights)):
        raise ValueError("college weights must be finite and non-negative")
    if labels.size and (labels.min() < 0 or labels.max() >= weights.size):
        raise ValueError(f"colleges must be indices in [0, {weights.size})")
    if labels.size == 0:
        return np.zeros(0)
    sizes = np.bincount(labels, minlength=weights.size)
    present = weights * (sizes > 0)
    total = present.sum()
    if total <= 0:
        raise ValueError("the colleges that voted have no weight")
    per_voter = np.divide(present / total, sizes, out=np.zeros(weights.size), where=sizes > 0)
    return per_voter[labels]
