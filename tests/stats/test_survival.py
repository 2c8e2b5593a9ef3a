"""Kaplan–Meier survival of hosted organisations (maillage.stats.survival)."""

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from maillage.stats.survival import (
    DAYS_PER_YEAR,
    kaplan_meier,
    number_at_risk,
    survival_at,
    survival_table,
)

# Freireich et al. (1963), 6-MP arm: weeks in remission, "*" censored. The textbook example of
# Kaplan–Meier (Kleinbaum & Klein, *Survival Analysis*, 3rd ed., 2012, ch. 2; Cox & Oakes 1984).
GEHAN = "6 6 6 6* 7 9* 10 10* 11* 13 16 17* 19* 20* 22 23 25* 32* 32* 34* 35*"


def parse(text):
    durations = [float(t.rstrip("*")) for t in text.split()]
    observed = [not t.endswith("*") for t in text.split()]
    return durations, observed


def test_the_textbook_example():
    durations, observed = parse(GEHAN)
    steps = kaplan_meier(durations, observed)
    assert [t for t, _ in steps] == [0, 6, 7, 10, 13, 16, 22, 23]
    expected = [1.0, 18 / 21]
    for at_risk, events in [(17, 1), (15, 1), (12, 1), (11, 1), (7, 1), (6, 1)]:
        expected.append(expected[-1] * (1 - events / at_risk))
    assert [s for _, s in steps] == pytest.approx(expected)
    # The published figures, rounded to 4 decimals.
    assert [round(s, 4) for _, s in steps][1:] == [
        0.8571,
        0.8067,
        0.7529,
        0.6902,
        0.6275,
        0.5378,
        0.4482,
    ]
    table = {step.time: step for step in survival_table(durations, observed)}
    assert (table[6].at_risk, table[6].events, table[6].censored) == (21, 3, 1)
    assert (table[10].at_risk, table[10].events, table[10].censored) == (15, 1, 1)
    assert number_at_risk(durations, 13) == 12


def test_survival_at_years():
    year = DAYS_PER_YEAR
    durations = [0.5 * year, 2 * year, 4 * year, 6 * year, 1.5 * year]
    observed = [True, True, False, False, False]
    result = survival_at(durations, observed)
    assert result[1] == pytest.approx(4 / 5)
    assert result[3] == pytest.approx(4 / 5 * 2 / 3)
    assert result[5] == pytest.approx(4 / 5 * 2 / 3)  # one still hosted after 6 years
    assert survival_at(durations, observed, at_years=(7,)) == {7: None}  # nobody followed 7 years


def test_everyone_gone_is_zero_not_unknown():
    assert survival_at([100, 200], [True, True], at_years=(1,)) == {1: 0.0}
    assert survival_at([], [], at_years=(1, 3)) == {1: None, 3: None}


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="same length"):
        kaplan_meier([1, 2], [True])
    with pytest.raises(ValueError, match="non-negative"):
        kaplan_meier([-1], [True])


periods = st.lists(
    st.tuples(st.integers(0, 3000).map(float), st.booleans()), min_size=1, max_size=60
)


@given(periods)
def test_survival_is_a_non_increasing_probability(data):
    durations, observed = zip(*data, strict=True)
    steps = kaplan_meier(durations, observed)
    values = [s for _, s in steps]
    assert all(0.0 <= s <= 1.0 for s in values)
    assert all(a >= b for a, b in itertools.pairwise(values))
    assert [t for t, _ in steps] == sorted({t for t, _ in steps})


@given(st.lists(st.integers(0, 3000).map(float), min_size=1, max_size=60), st.integers(0, 3000))
def test_without_censoring_it_is_the_empirical_survival(durations, t):
    steps = kaplan_meier(durations, [True] * len(durations))
    survival = next(s for time, s in reversed(steps) if time <= t)
    assert survival == pytest.approx(sum(d > t for d in durations) / len(durations))
