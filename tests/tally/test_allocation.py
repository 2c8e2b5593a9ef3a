"""Allocation by preference: exact assignments, checked against brute force."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from maillage.tally import UNASSIGNED, allocate


def brute_force(preferences, capacities):
    """Every way to give each member one acceptable item or nothing, within capacities.

    Returns the best (served, total) and the best (served, worst, total), as numbers to compare.
    """
    prefs = np.asarray(preferences)
    n_members, n_items = prefs.shape
    best_total = best_worst = None
    for choice in itertools.product(range(-1, n_items), repeat=n_members):
        if any(c >= 0 and prefs[m, c] <= 0 for m, c in enumerate(choice)):
            continue
        if any(choice.count(i) > capacities[i] for i in range(n_items)):
            continue
        ranks = [int(prefs[m, c]) for m, c in enumerate(choice) if c >= 0]
        served = len(ranks)
        total_key = (-served, sum(ranks))
        worst_key = (-served, max(ranks, default=0), sum(ranks))
        best_total = total_key if best_total is None else min(best_total, total_key)
        best_worst = worst_key if best_worst is None else min(best_worst, worst_key)
    return best_total, best_worst


def test_total_and_worst_off_differ():
    """Four members rank four desks A–D (1 the best), one place each.

    Greatest total satisfaction: 0 → B (1), 1 → C (1), 2 → A (3), 3 → D (1): ranks sum to 6,
    but member 2 gets their third choice. Worst-off first: 0 → C (2), 1 → A (2), 2 → D (1),
    3 → B (2): nobody below their second choice, for a total of 7. Brute force agrees.
    """
    prefs = [[4, 1, 2, 3], [2, 4, 1, 3], [3, 2, 4, 1], [4, 2, 3, 1]]
    caps = [1, 1, 1, 1]
    by_total = allocate(prefs, caps)
    by_worst = allocate(prefs, caps, objective="worst_off")
    assert by_total.assignment.tolist() == [1, 2, 0, 3]
    assert (by_total.total, by_total.worst, by_total.distribution) == (6, 3, {1: 3, 3: 1})
    assert by_worst.assignment.tolist() == [2, 0, 3, 1]
    assert (by_worst.total, by_worst.worst, by_worst.distribution) == (7, 2, {1: 1, 2: 3})
    (_, total), (_, worst, worst_total) = brute_force(prefs, caps)
    assert (total, worst, worst_total) == (6, 2, 7)


def test_capacities_and_unacceptable_items():
    """An item with two places takes two members; rank 0 means "not for me"."""
    prefs = [[1, 0], [1, 2], [1, 2], [0, 1]]
    result = allocate(prefs, [2, 1])
    assert np.bincount(result.assignment[result.assignment >= 0], minlength=2).tolist() == [2, 1]
    assert result.unassigned == 1
    # member 0 takes only desk 0 and member 3 only desk 1; one of members 1 and 2 goes without
    assert (result.assignment[0], result.assignment[3]) == (0, 1)
    assert sorted(result.assignment[1:3].tolist()) == [UNASSIGNED, 0]
    assert result.distribution == {1: 3}


def test_scores_are_turned_into_costs():
    """With scores, higher is better: the member who scores the desk 5 gets it."""
    result = allocate([[5, 1], [3, 2]], [1, 1], kind="scores")
    assert result.assignment.tolist() == [0, 1]
    assert result.ranks.tolist() == [1, 4]  # best score 5: costs 5 - 5 + 1 and 5 - 2 + 1


def test_inputs_are_checked():
    with pytest.raises(ValueError, match="capacities"):
        allocate([[1, 2]], [1])
    with pytest.raises(ValueError, match="objective"):
        allocate([[1, 2]], [1, 1], objective="fair")


def test_no_member_or_no_place():
    assert allocate(np.zeros((0, 2), dtype=int), [1, 1]).assignment.tolist() == []
    assert allocate([[1, 2]], [0, 0]).unassigned == 1


instances = st.integers(1, 5).flatmap(
    lambda members: st.integers(1, 4).flatmap(
        lambda items: st.tuples(
            st.lists(
                st.lists(st.integers(0, items), min_size=items, max_size=items),
                min_size=members,
                max_size=members,
            ),
            st.lists(st.integers(0, 3), min_size=items, max_size=items),
        )
    )
)


@settings(max_examples=250, deadline=None)
@given(instances)
def test_the_result_equals_brute_force_and_respects_capacities(instance):
    prefs, caps = instance
    (neg_served, total), (_, worst, worst_total) = brute_force(prefs, caps)
    for objective in ("total", "worst_off"):
        result = allocate(prefs, caps, objective=objective)
        got = result.assignment[result.assignment >= 0]
        assert np.all(np.bincount(got, minlength=len(caps)) <= caps)
        members = np.flatnonzero(result.assignment >= 0)
        assert all(prefs[m][result.assignment[m]] > 0 for m in members)
        assert len(prefs) - result.unassigned == -neg_served
        assert sum(result.distribution.values()) == -neg_served
        if objective == "total":
            assert result.total == total
        else:
            assert (result.worst, result.total) == (worst, worst_total)
