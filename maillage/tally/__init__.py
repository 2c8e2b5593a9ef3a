"""Maillage's tally module: pure functions that count the votes of every method governance offers.

Pure numpy/scipy, like :mod:`maillage.analysis`: it imports nothing from Django or from the
apps (a test and the import contract check it), so anyone can recompute a published result
from the anonymised ballots with this module alone. Every method takes plain arrays, one row per
voter (voters × options), documented in its docstring; a separate ``*_details`` function or a
result dataclass gives what a results page shows. Per-voter ``weights`` combine colleges
(:mod:`maillage.tally.colleges` says how for each method).

>>> from maillage.tally import majority_judgement, schulze
>>> majority_judgement([[6, 3], [4, 4], [1, 5]])  # grades, 0 the worst
[1, 0]
>>> schulze([[1, 2], [2, 1], [1, 2]])  # ranks, 1 the most preferred
[0, 1]
"""

from maillage.tally.allocation import UNASSIGNED, AllocationResult, allocate
from maillage.tally.approval import ApprovalResult, approval
from maillage.tally.budgeting import (
    BudgetResult,
    GroupOutcome,
    equal_shares,
    outcome_by_group,
    pb_greedy,
)
from maillage.tally.colleges import college_voter_weights
from maillage.tally.consent import ConsentResult, ConsentRule, Response, consent
from maillage.tally.date_poll import IF_NEED_BE, NO, YES, DatePollResult, date_poll
from maillage.tally.majority_judgement import (
    MeritProfile,
    majority_judgement,
    majority_judgement_details,
    majority_value,
    merit_profiles,
    profile_details,
    rank_profiles,
)
from maillage.tally.plurality import BLANK, PluralityResult, plurality
from maillage.tally.quorum import QuorumCheck, check_quorum
from maillage.tally.schulze import (
    SchulzeResult,
    pairwise_preferences,
    schulze,
    schulze_details,
    strongest_paths,
)
from maillage.tally.score import ScoreResult, score_voting

__all__ = [
    "BLANK",
    "IF_NEED_BE",
    "NO",
    "UNASSIGNED",
    "YES",
    "AllocationResult",
    "ApprovalResult",
    "BudgetResult",
    "ConsentResult",
    "ConsentRule",
    "DatePollResult",
    "GroupOutcome",
    "MeritProfile",
    "PluralityResult",
    "QuorumCheck",
    "Response",
    "SchulzeResult",
    "ScoreResult",
    "allocate",
    "approval",
    "check_quorum",
    "college_voter_weights",
    "consent",
    "date_poll",
    "equal_shares",
    "majority_judgement",
    "majority_judgement_details",
    "majority_value",
    "merit_profiles",
    "outcome_by_group",
    "pairwise_preferences",
    "pb_greedy",
    "plurality",
    "profile_details",
    "rank_profiles",
    "schulze",
    "schulze_details",
    "score_voting",
    "strongest_paths",
]
