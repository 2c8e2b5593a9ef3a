"""Quorum (« quorum »): the minimum participation without which a vote fails and says so."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class QuorumCheck:
    """Participation against the quorum, both as a number of voters (or a weight)."""

    participation: float
    electorate: float
    required: float  # the participation needed
    met: bool

    @property
    def share(self) -> float:
        """Participation as a share of the electorate (0 for an empty electorate)."""
        return self.participation / self.electorate if self.electorate else 0.0


def check_quorum(
    participation: float, electorate: float, *, share: float | None = None, count: int | None = None
) -> QuorumCheck:
    """Is the quorum met? Give a ``share`` of the electorate, or a ``count`` of voters, or both.

    With a share, the voters required are rounded up: a quorum of half of 7 voters is 4. With
    both, both must be met. Participation and electorate may be weights (colleges); then the
    share applies to the weights and the count to the voters' weight too.

    >>> check_quorum(4, 7, share=0.5).met, check_quorum(3, 7, share=0.5).required
    (True, 4)
    >>> check_quorum(10, 100, count=10).met
    True
    """
    if share is None and count is None:
        return QuorumCheck(participation, electorate, 0, True)
    if share is not None and not 0 <= share <= 1:
        raise ValueError("share must lie in [0, 1]")
    required: float = 0
    if share is not None:
        needed = share * electorate
        # integers in, an integer out; a whisker of rounding (0.1 * 30) must not add one voter
        required = math.ceil(round(needed, 9)) if float(electorate).is_integer() else needed
    if count is not None:
        required = max(required, count)
    return QuorumCheck(participation, electorate, required, participation >= required)
