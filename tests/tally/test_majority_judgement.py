"""Majority judgement: the lower median, then Balinski & Laraki's majority value.

The rule is checked against a literal transcription of its definition (Balinski & Laraki,
"A theory of measuring, electing, and ranking", PNAS 104(21), 2007, "majority value": remove
one median grade of each tied option and compare again), on hand-worked profiles and on random
ones; the published Orsay example is in `test_majority_judgement_orsay.py`.

Monotonicity for a new voter. Issue 10 asked for the property « adding a voter who grades A
above B never makes B overtake A ». **That is false for majority judgement** (and for every
median rule: it is the "participation" property they fail). Counter-example, 7 grades
(0 À rejeter … 6 Excellent), four voters:

    A: Insuffisant, Assez bien, Insuffisant, Passable  → majority grade Insuffisant (1)
    B: Bien, À rejeter, Bien, À rejeter                 → majority grade À rejeter (0)

A is ahead. A fifth voter grades A Bien (4) and B Assez bien (3) — A above B — and now A's
majority grade is Passable (2), B's Assez bien (3): B overtakes A
(`test_a_new_voter_grading_a_above_b_can_still_lift_b_over_a`).

The property that holds, and is tested here (Hypothesis on random profiles, and exhaustively
on every profile of two options, up to five voters and four grades): **if A is ranked ahead of
B, a new ballot that grades A at or above A's majority grade and B at or below B's majority
grade never lets B overtake A.** The issue's wording is the special case where the new voter
gives A the best grade and B the worst.
"""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from maillage.tally import (
    majority_judgement,
    majority_judgement_details,
    majority_value,
    merit_profiles,
    profile_details,
    rank_profiles,
)

# the scale of the French ballots: 0 À rejeter … 6 Excellent
A_REJETER, INSUFFISANT, PASSABLE, ASSEZ_BIEN, BIEN, TRES_BIEN, EXCELLENT = range(7)


def naive_majority_value(column):
    """The definition, literally: sort, take the lower median, remove it, again."""
    remaining = sorted(column)
    sequence = []
    while remaining:
        median = remaining[(len(remaining) - 1) // 2]
        sequence.append(median)
        remaining.remove(median)
    return sequence


def naive_ranking(grades):
    grades = np.asarray(grades)
    values = [naive_majority_value(grades[:, j].tolist()) for j in range(grades.shape[1])]
    return sorted(range(grades.shape[1]), key=lambda j: [-g for g in values[j]])


def test_the_removal_order_of_the_definition():
    """n = 4 sorted grades are reached at positions 1, 2, 0, 3; n = 5 at 2, 1, 3, 0, 4."""
    assert majority_value([0, 4], 4) == [1, 1, 1, 1]  # counts: four grades 1
    four = [0, 1, 2, 3]  # one grade of each: sorted positions hold their own index
    assert majority_value(np.bincount(four, minlength=4), 4) == [1, 2, 0, 3]
    assert majority_value(np.bincount([0, 1, 2, 3, 4], minlength=5), 5) == [2, 1, 3, 0, 4]
    assert majority_value([0, 1, 0], 10) == [1]  # never longer than the grades


def test_a_tie_on_the_majority_grade_is_broken_by_the_majority_value():
    """Both options are « Bien » for a majority; A keeps « Bien » longer than B.

    A: Excellent, Bien, Bien, Bien, Passable  → majority value Bien, Bien, Bien, Passable, Excellent
    B: Très bien, Très bien, Bien, Insuffisant, Insuffisant → Bien, Insuffisant, Très bien, …
    """
    a = [EXCELLENT, BIEN, BIEN, BIEN, PASSABLE]
    b = [TRES_BIEN, TRES_BIEN, BIEN, INSUFFISANT, INSUFFISANT]
    grades = np.array([a, b]).T
    assert majority_judgement(grades, 7) == [0, 1]
    assert majority_judgement(grades[:, ::-1], 7) == [1, 0]
    details = majority_judgement_details(grades, 7)
    assert [d.majority_grade for d in details] == [BIEN, BIEN]
    assert details[0].counts.tolist() == [0, 0, 1, 0, 3, 0, 1]
    assert details[0].separated_after == 1  # differ once one « Bien » is removed
    assert details[1].separated_after is None  # the last
    assert majority_value(details[0].counts, 5) == [BIEN, BIEN, BIEN, PASSABLE, EXCELLENT]
    # what the results page shows: the terms up to the one that separates them
    assert details[0].tiebreak == (BIEN, BIEN) and details[1].tiebreak == (BIEN, INSUFFISANT)
    assert majority_value(details[1].counts, 3) == [BIEN, INSUFFISANT, TRES_BIEN]


def test_the_majority_gauge():
    """Balinski & Laraki's gauge: the majority grade with « + » when more grades lie above it."""
    grades = np.array(
        [[BIEN, INSUFFISANT], [BIEN, PASSABLE], [TRES_BIEN, PASSABLE], [EXCELLENT, PASSABLE]]
    )
    first, second = majority_judgement_details(grades, 7)
    assert (first.majority_grade, first.gauge, first.share_above, first.share_below) == (
        BIEN,
        "+",
        0.5,
        0.0,
    )
    assert (second.majority_grade, second.gauge, second.share_below) == (PASSABLE, "-", 0.25)
    assert majority_judgement(grades, 7) == [0, 1]


def test_the_lower_median_on_an_even_number_of_voters():
    """Two voters, grades 1 and 5: the majority grade is 1 (the lower median), not 3."""
    (detail,) = majority_judgement_details([[1], [5]], 7)
    assert detail.majority_grade == 1


def test_identical_profiles_are_a_true_tie_kept_in_index_order():
    grades = [[3, 2, 3], [1, 4, 1], [5, 5, 5]]
    # options 0 and 2 both have grades 3, 1, 5 (majority grade 3); option 1 has 2, 4, 5 (4)
    assert majority_judgement(grades) == [1, 0, 2]
    details = majority_judgement_details(grades)
    ranking = sorted(range(3), key=lambda o: details[o].rank)
    assert ranking == majority_judgement(grades)
    tied = [d for d in details if d.tied_with_next]
    assert [d.option for d in tied] == [0]  # 0 and 2 share the same merit profile
    assert details[0].separated_after is None


def test_grades_outside_the_scale_are_refused():
    with pytest.raises(ValueError, match="grades must lie"):
        majority_judgement([[0, 7]], 7)
    with pytest.raises(ValueError, match="2-D"):
        majority_judgement([1, 2, 3])


def test_weighted_profiles_combine_the_colleges_distributions():
    """Two colleges of 50 % each: one voter in the first outweighs three in the second."""
    grades = np.array([[EXCELLENT, PASSABLE], [PASSABLE, BIEN], [PASSABLE, BIEN], [PASSABLE, BIEN]])
    weights = [0.5, 0.5 / 3, 0.5 / 3, 0.5 / 3]
    profiles = merit_profiles(grades, 7, weights=weights)
    assert profiles[0, EXCELLENT] == pytest.approx(0.5)
    assert profiles[1, BIEN] == pytest.approx(0.5)
    # unweighted, B wins on its median; weighted, both medians are Passable (lower median
    # of a 50/50 split), and A's other half is higher up
    assert majority_judgement(grades, 7) == [1, 0]
    details = majority_judgement_details(grades, 7, weights=weights)
    assert [d.majority_grade for d in details] == [PASSABLE, PASSABLE]
    assert majority_judgement(grades, 7, weights=weights) == [0, 1]


def test_weights_of_one_give_the_unweighted_ranking():
    rng = np.random.default_rng(7)
    grades = rng.integers(0, 7, size=(31, 6))
    assert majority_judgement(grades, 7, weights=np.ones(31)) == majority_judgement(grades, 7)


grade_matrices = st.integers(1, 9).flatmap(
    lambda voters: st.integers(1, 5).flatmap(
        lambda options: st.lists(
            st.lists(st.integers(0, 4), min_size=options, max_size=options),
            min_size=voters,
            max_size=voters,
        )
    )
)


@settings(max_examples=300, deadline=None)
@given(grade_matrices)
def test_the_ranking_is_the_definitions(grades):
    """On random profiles, the profile-based comparison ranks exactly as the literal removal."""
    assert majority_judgement(grades, 5) == naive_ranking(grades)


def _a_ahead_of_b(grades, n_options, data):
    a, b = data.draw(st.lists(st.integers(0, n_options - 1), min_size=2, max_size=2, unique=True))
    ranking = majority_judgement(grades, 5)
    return a, b, ranking.index(a) < ranking.index(b)


@settings(max_examples=400, deadline=None)
@given(grade_matrices, st.data())
def test_a_voter_grading_a_above_b_never_makes_b_overtake_a(grades, data):
    """If A is ahead of B, a new ballot grading A at or above A's majority grade and B at or
    below B's majority grade keeps A ahead (the true form of the issue's property; see the
    module's docstring). The best grade for A and the worst for B is the extreme case."""
    grades = np.asarray(grades)
    n_options = grades.shape[1]
    if n_options < 2:
        return
    a, b, ahead = _a_ahead_of_b(grades, n_options, data)
    if not ahead:
        return
    details = majority_judgement_details(grades, 5)
    high = data.draw(st.integers(max(details[a].majority_grade, 1), 4))
    low = data.draw(st.integers(0, min(details[b].majority_grade, high - 1)))
    ballot = data.draw(st.lists(st.integers(0, 4), min_size=n_options, max_size=n_options))
    ballot[a], ballot[b] = high, low
    after = majority_judgement(np.vstack([grades, ballot]), 5)
    assert after.index(a) < after.index(b)


def test_a_new_voter_grading_a_above_b_can_still_lift_b_over_a():
    """The issue's wording, « adding a voter who grades A above B never makes B overtake A »,
    is false: a ballot with A above B, both above their majority grades, can raise B's
    majority grade more than A's. Majority judgement, like every median rule, fails this
    "participation" property; the guarantee above is the one it keeps.

    A: Insuffisant ×2, Passable, Assez bien (majority grade Insuffisant);
    B: À rejeter ×2, Bien ×2 (À rejeter). A new ballot A = Bien, B = Assez bien makes A
    Passable and B Assez bien.
    """
    grades = np.array([[1, 4], [3, 0], [1, 4], [2, 0]])
    assert majority_judgement(grades, 7) == [0, 1]
    details = majority_judgement_details(grades, 7)
    assert [d.majority_grade for d in details] == [INSUFFISANT, A_REJETER]
    after = np.vstack([grades, [BIEN, ASSEZ_BIEN]])
    assert [d.majority_grade for d in majority_judgement_details(after, 7)] == [
        PASSABLE,
        ASSEZ_BIEN,
    ]
    assert majority_judgement(after, 7) == [1, 0]


def test_the_true_property_on_every_small_profile():
    """Exhaustively, for two options, one to five voters and four grades: A ahead of B, and a
    new ballot grading A at or above A's majority grade and B at or below B's, leaves A ahead.
    (Majority judgement reads only each option's profile, so sorted columns cover every case.)"""
    grades_count = 4
    checked = 0
    for voters in range(1, 6):
        columns = list(itertools.combinations_with_replacement(range(grades_count), voters))
        for column_a, column_b in itertools.product(columns, repeat=2):
            grades = np.array([column_a, column_b]).T
            if majority_judgement(grades, grades_count) != [0, 1]:
                continue
            a, b = majority_judgement_details(grades, grades_count)
            for high in range(a.majority_grade, grades_count):
                for low in range(b.majority_grade + 1):
                    after = np.vstack([grades, [high, low]])
                    assert majority_judgement(after, grades_count) == [0, 1], (grades, high, low)
                    checked += 1
    assert checked > 5000


def test_details_from_precomputed_profiles_match():
    grades = np.array([[0, 3, 4], [2, 3, 1], [4, 0, 4], [1, 1, 3]])
    counts = merit_profiles(grades, 5)
    assert rank_profiles(counts) == majority_judgement(grades, 5)
    assert [d.rank for d in profile_details(counts)] == [
        d.rank for d in majority_judgement_details(grades, 5)
    ]


@settings(max_examples=200, deadline=None)
@given(grade_matrices, st.data())
def test_a_weight_of_k_is_k_identical_ballots(grades, data):
    """The weighted rule on real-valued profiles agrees with the counting rule on copies."""
    grades = np.asarray(grades)
    k = data.draw(st.lists(st.integers(1, 3), min_size=len(grades), max_size=len(grades)))
    copies = np.repeat(grades, k, axis=0)
    scale = data.draw(st.sampled_from([1.0, 0.1, 1 / 3]))  # weights need not be integers
    weights = np.asarray(k, dtype=float) * scale
    assert majority_judgement(grades, 5, weights=weights) == majority_judgement(copies, 5)


@settings(max_examples=200, deadline=None)
@given(grade_matrices)
def test_separated_after_points_at_the_first_differing_term(grades):
    """Consecutive options share their first ``separated_after`` majority-value terms and the
    one ahead has the higher grade at the next term."""
    details = majority_judgement_details(grades, 5)
    ranking = sorted(details, key=lambda d: d.rank)
    for here, after in itertools.pairwise(ranking):
        if here.tied_with_next:
            assert here.counts.tolist() == after.counts.tolist()
            continue
        step = int(here.separated_after)
        mine, theirs = majority_value(here.counts, step + 1), majority_value(after.counts, step + 1)
        assert mine[:step] == theirs[:step]
        assert mine[step] > theirs[step]
        assert here.tiebreak[: step + 1] == tuple(mine)
