"""The counting methods: single choice, approval, score, consent, date poll, quorum, colleges."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from maillage.tally import (
    BLANK,
    ConsentRule,
    Response,
    approval,
    check_quorum,
    college_voter_weights,
    consent,
    date_poll,
    plurality,
    score_voting,
)


def test_plurality_counts_blanks_apart_and_reports_ties():
    result = plurality([0, 1, 1, BLANK, 0, 2], 4)
    assert result.counts.tolist() == [2, 2, 1, 0]
    assert (result.blank, result.ballots) == (1, 6)
    assert result.winners == [0, 1]
    assert result.tiers == [[0, 1], [2], [3]]


def test_plurality_without_votes_has_no_winner():
    assert plurality([BLANK, BLANK], 2).winners == []
    with pytest.raises(ValueError, match="option indices"):
        plurality([3], 2)


def test_weighted_plurality_combines_colleges():
    """Two colleges at 50 %: one founder outweighs three users."""
    weights = college_voter_weights([0, 1, 1, 1], [50, 50])
    result = plurality([0, 1, 1, 1], 2, weights=weights)
    assert result.counts.tolist() == pytest.approx([0.5, 0.5])
    assert result.winners == [0, 1]


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 6).flatmap(lambda n: st.tuples(st.just(n), st.lists(st.integers(-1, n - 1)))))
def test_plurality_counts_sum_to_the_ballots(case):
    n_options, choices = case
    result = plurality(choices, n_options)
    assert result.counts.sum() + result.blank == result.ballots == len(choices)


approval_ballots = st.integers(1, 6).flatmap(
    lambda n: st.lists(st.lists(st.integers(0, 1), min_size=n, max_size=n), max_size=20)
)


@settings(max_examples=200, deadline=None)
@given(approval_ballots)
def test_approval_counts_sum_to_the_marks(ballots):
    marks = np.asarray(ballots, dtype=int).reshape(len(ballots), -1 if ballots else 1)
    result = approval(marks)
    assert result.counts.sum() == marks.sum()
    assert result.ballots == len(ballots)
    assert all(0 <= share <= 1 for share in result.shares)


def test_approval_ranks_by_approvals():
    result = approval([[1, 0, 1], [1, 1, 0], [0, 0, 1], [1, 0, 1]])
    assert result.counts.tolist() == [3, 1, 3]
    assert result.ranking == [0, 2, 1]
    assert result.winners == [0, 2]
    assert result.shares.tolist() == [0.75, 0.25, 0.75]


def test_score_voting_mean_and_distribution():
    result = score_voting([[5, 0, 2], [3, 1, 2], [4, 5, 2]])
    assert result.means.tolist() == [4.0, 2.0, 2.0]
    assert result.distribution[0].tolist() == [0, 0, 0, 1, 1, 1]
    assert result.ranking == [0, 1, 2]
    assert result.tiers == [[0], [1, 2]]
    with pytest.raises(ValueError, match=r"scores must lie in \[1, 3\]"):
        score_voting([[0]], min_score=1, max_score=3)


def test_score_voting_on_another_range():
    result = score_voting([[1, 10], [2, 10]], min_score=1, max_score=10)
    assert result.distribution.shape == (2, 10)
    assert result.winners == [1]


def test_consent_adopted_blocked_or_objected():
    agree, abstain, object_, block = (int(r) for r in Response)
    adopted = consent([agree, agree, agree, object_, abstain])
    assert (adopted.adopted, adopted.reason, adopted.objection_share) == (True, "adopted", 0.25)
    assert adopted.counts[Response.ABSTAIN] == 1
    blocked = consent([agree, agree, block])
    assert (blocked.adopted, blocked.reason, blocked.blocks) == (False, "blocked", 1)
    assert consent([agree, agree, block], ConsentRule(max_blocks=1)).adopted
    objected = consent([agree, object_], ConsentRule(objection_threshold=0.5))
    assert (objected.adopted, objected.reason) == (False, "objections")
    strict = ConsentRule(objection_threshold=0.2)
    assert consent([agree, agree, agree, object_], strict).reason == "objections"
    assert consent([abstain, abstain]).reason == "no_agreement"


def test_consent_rule_is_checked():
    with pytest.raises(ValueError, match="objection_threshold"):
        ConsentRule(objection_threshold=0)
    with pytest.raises(ValueError, match="codes"):
        consent([4])


def test_weighted_consent_counts_blocks_in_people():
    result = consent([0, 2, 3], ConsentRule(max_blocks=1), weights=[0.1, 0.8, 0.1])
    assert result.blocks == 1
    assert result.objection_share == pytest.approx(0.8)
    assert result.reason == "objections"


def test_date_poll_best_by_yes_then_if_need_be():
    yes, maybe, no = 2, 1, 0
    answers = [
        [yes, yes, maybe, no],
        [yes, maybe, yes, no],
        [no, yes, yes, maybe],
    ]
    result = date_poll(answers)
    assert result.yes.tolist() == [2, 2, 2, 0]
    assert result.if_need_be.tolist() == [0, 1, 1, 1]
    assert result.ranking == [1, 2, 0, 3]
    assert result.best == [1, 2]
    assert result.tiers[0] == [1, 2]


def test_quorum():
    assert check_quorum(4, 7, share=0.5).met
    assert not check_quorum(3, 7, share=0.5).met
    assert check_quorum(3, 30, share=0.1).required == 3  # 0.1 × 30, not 4
    assert not check_quorum(5, 10, share=0.5, count=6).met
    assert check_quorum(0, 10).met
    assert check_quorum(5, 10, share=0.5).share == 0.5
    with pytest.raises(ValueError, match="share"):
        check_quorum(1, 2, share=2)


def test_college_weights_sum_to_one_and_skip_empty_colleges():
    weights = college_voter_weights([0, 0, 2], [0.2, 0.3, 0.5])
    assert weights.tolist() == pytest.approx([0.2 / 0.7 / 2, 0.2 / 0.7 / 2, 0.5 / 0.7])
    assert weights.sum() == pytest.approx(1)
    with pytest.raises(ValueError, match="indices"):
        college_voter_weights([3], [1, 1])
