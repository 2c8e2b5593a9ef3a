"""Consent (« décision par consentement »): each voter agrees, abstains, objects or blocks.

The body's :class:`ConsentRule` says when a proposal is adopted: at most ``max_blocks``
blocks, and objections below ``objection_threshold`` of the expressed responses (agree, object,
block: an abstention stands aside and is not counted in the share), and at least one agreement.

Weights (colleges): agreements and objections count their voter's weight in the share; a
block is a person's veto, so blocks are counted in people whatever their weight.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np
from numpy.typing import ArrayLike

from maillage.tally._arrays import voter_weights


class Response(IntEnum):
    """A voter's response; the integer codes are those of the ``responses`` array."""

    AGREE = 0
    ABSTAIN = 1
    OBJECT = 2
    BLOCK = 3


@dataclass(frozen=True)
class ConsentRule:
    """Adopted when blocks ≤ ``max_blocks`` and objections' share < ``objection_threshold``."""

    max_blocks: int = 0
    objection_threshold: float = 0.5

    def __post_init__(self) -> None:
        if self.max_blocks < 0:
            raise ValueError("max_blocks must not be negative")
        if not 0 < self.objection_threshold <= 1:
            raise ValueError("objection_threshold must lie in (0, 1]")


@dataclass(frozen=True)
class ConsentResult:
    """Counts per response, the share of objections, and the decision with its reason."""

    counts: dict[Response, float]  # per response (weighted when weighted)
    blocks: int  # people who blocked (never weighted)
    objection_share: float  # objections / (agree + object + block), 0 when none expressed
    adopted: bool
    reason: str  # "adopted", "blocked", "objections" or "no_agreement"


def consent(
    responses: ArrayLike, rule: ConsentRule | None = None, *, weights: ArrayLike | None = None
) -> ConsentResult:
    """Decide by consent: ``responses`` is an integer array (voters,) of :class:`Response` codes.

    >>> r = consent([0, 0, 0, 2, 1])
    >>> r.adopted, r.objection_share
    (True, 0.25)
    >>> consent([0, 0, 3]).reason
    'blocked'
    >>> consent([0, 0, 3], ConsentRule(max_blocks=1)).adopted
    True
    """
    rule = rule or ConsentRule()
    codes = np.asarray(responses, dtype=np.int64).reshape(-1)
    if codes.size and (codes.min() < 0 or codes.max() > Response.BLOCK):
        raise ValueError("responses must be codes 0 (agree), 1 (abstain), 2 (object), 3 (block)")
    w = voter_weights(weights, codes.size)
    raw = np.bincount(codes, weights=w, minlength=4)
    people = np.bincount(codes, minlength=4)
    counts = {r: (int(raw[r]) if w is None else float(raw[r])) for r in Response}
    blocks = int(people[Response.BLOCK])
    expressed = raw[Response.AGREE] + raw[Response.OBJECT] + raw[Response.BLOCK]
    share = float(raw[Response.OBJECT] / expressed) if expressed > 0 else 0.0
    if blocks > rule.max_blocks:
        reason = "blocked"
    elif share >= rule.objection_threshold:
        reason = "objections"
    elif raw[Response.AGREE] <= 0:
        reason = "no_agreement"
    else:
        reason = "adopted"
    return ConsentResult(counts, blocks, share, reason == "adopted", reason)
