"""Participatory budgeting: the greedy rule and the Method of Equal Shares."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from maillage.tally import equal_shares, outcome_by_group, pb_greedy


def red_and_blue():
    """equalshares.net's motivating example: 51 % of voters like ten red projects, 49 % ten blue
    ones; every project costs 1 and the budget is 10."""
    marks = np.zeros((100, 20), dtype=int)
    marks[:51, :10] = 1
    marks[51:, 10:] = 1
    return marks, np.ones(20), 10


def test_greedy_gives_everything_to_the_majority():
    marks, costs, budget = red_and_blue()
    assert pb_greedy(marks, costs, budget).selected == list(range(10))


def test_equal_shares_is_proportional():
    marks, costs, budget = red_and_blue()
    result = equal_shares(marks, costs, budget)
    assert sorted(result.selected) == [0, 1, 2, 3, 4, 10, 11, 12, 13, 14]
    assert result.cost == 10
    red, blue = outcome_by_group(marks, result, costs)
    assert (red.voters, len(red.funded)) == (51, 5)
    assert (blue.voters, len(blue.funded)) == (49, 5)
    # each group paid for what it got, from its own shares
    assert red.paid == pytest.approx(5) and blue.paid == pytest.approx(5)


def test_equal_shares_splits_a_cost_as_evenly_as_the_money_allows():
    """Peters & Skowron's rule: ρ is the largest payment, those with less pay all they have.

    Budget 30 among 3 voters (10 each). Project 0 (cost 24) is approved by all three (ρ = 8),
    project 1 (cost 6) by voters 0 and 1 (ρ = 3): project 1 comes first, voters 0 and 1 have 7
    left. Project 0 then costs ρ = 10: voters 0 and 1 pay their last 7, voter 2 pays 10.
    """
    result = equal_shares([[1, 1], [1, 1], [1, 0]], [24, 6], 30, complete=False)
    assert result.selected == [1, 0]
    assert result.payments.tolist() == pytest.approx([10, 10, 10])


def test_a_project_its_supporters_cannot_pay_is_left_to_the_completion():
    """Voter 0 alone wants project 0 (cost 9) but has 7 left after sharing project 1: equal
    shares stops; the completion raises the shares, and at 9/7 of them voter 0 can pay it."""
    marks = [[1, 1], [0, 1], [0, 1]]
    plain = equal_shares(marks, [9, 9], 30, complete=False)
    assert (plain.selected, plain.cost) == ([1], 9)
    completed = equal_shares(marks, [9, 9], 30)
    assert sorted(completed.selected) == [0, 1]
    assert completed.funded_by == {1: "equal_shares", 0: "equal_shares"}
    assert completed.share_factor > 1


def test_weights_share_the_budget_in_proportion():
    """Two colleges of 50 %: the single voter of the first has half the budget."""
    marks = np.array([[1, 0], [0, 1], [0, 1], [0, 1]])
    flat = equal_shares(marks, [5, 5], 10, complete=False)
    assert flat.selected == [1]  # one voter's share (2.5) cannot pay 5
    weighted = equal_shares(marks, [5, 5], 10, weights=[0.5, 1 / 6, 1 / 6, 1 / 6], complete=False)
    assert sorted(weighted.selected) == [0, 1]


def test_inputs_are_checked():
    with pytest.raises(ValueError, match="one value per project"):
        pb_greedy([[1, 0]], [1], 5)
    with pytest.raises(ValueError, match="only 0 and 1"):
        equal_shares([[2, 0]], [1, 1], 5)


def test_groups_given_by_the_caller():
    marks = [[1, 0], [0, 1], [1, 1]]
    result = pb_greedy(marks, [3, 3], 3)
    groups = outcome_by_group(marks, result, [3, 3], groups=[7, 3, 7])
    assert [(g.voters, g.approved, g.funded) for g in groups] == [(2, [0, 1], [0]), (1, [1], [])]


instances = st.integers(1, 12).flatmap(
    lambda voters: st.integers(1, 8).flatmap(
        lambda projects: st.tuples(
            st.lists(
                st.lists(st.integers(0, 1), min_size=projects, max_size=projects),
                min_size=voters,
                max_size=voters,
            ),
            st.lists(st.integers(1, 50), min_size=projects, max_size=projects),
            st.integers(0, 150),
        )
    )
)


@settings(max_examples=300, deadline=None)
@given(instances)
def test_never_over_the_budget(instance):
    marks, costs, budget = instance
    for result in (
        pb_greedy(marks, costs, budget),
        equal_shares(marks, costs, budget),
        equal_shares(marks, costs, budget, complete=False),
    ):
        assert result.cost <= budget + 1e-9
        assert len(set(result.selected)) == len(result.selected)
        assert result.cost == pytest.approx(sum(costs[p] for p in result.selected))
        approved = np.asarray(marks, dtype=bool).any(axis=0)
        assert all(approved[p] for p in result.selected)  # nobody's money funds the unwanted


@settings(max_examples=200, deadline=None)
@given(instances)
def test_plain_equal_shares_spends_each_voter_share_at_most(instance):
    marks, costs, budget = instance
    result = equal_shares(marks, costs, budget, complete=False)
    share = budget / len(marks)
    assert np.all(result.payments <= share + 1e-9)
    assert result.payments.sum() == pytest.approx(result.cost)


@settings(max_examples=200, deadline=None)
@given(instances)
def test_the_completion_is_exhaustive(instance):
    """After the completion, no approved project left out still fits in the money left."""
    marks, costs, budget = instance
    result = equal_shares(marks, costs, budget)
    approved = np.asarray(marks, dtype=bool).any(axis=0)
    left = budget - result.cost
    assert not any(
        approved[p] and costs[p] <= left for p in range(len(costs)) if p not in result.selected
    )


def test_greedy_skips_what_does_not_fit_and_goes_on():
    marks = [[1, 1, 1], [1, 1, 0], [1, 0, 0]]
    assert pb_greedy(marks, [8, 5, 2], 10).selected == [0, 2]
    assert pb_greedy(marks, [8, 5, 2], 0).selected == []
