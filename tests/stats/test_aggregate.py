"""How place values aggregate (maillage.stats.aggregate)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from maillage.stats.aggregate import Aggregation, aggregate


def test_each_method():
    values = [10.0, None, 2.0, 6.0]
    assert aggregate(Aggregation.SUM, values) == 18.0
    assert aggregate("mean", values) == 6.0
    assert aggregate("median", values) == 6.0
    assert aggregate("median", [1, 2, 3, 10]) == 2.5
    # Occupancy: 30 h booked of 60 bookable and 10 of 40 -> 40 %, not the mean of 50 % and 25 %.
    assert aggregate("weighted_mean", [30, 10], [60, 40]) == pytest.approx(0.4)


def test_nothing_to_aggregate():
    assert aggregate("sum", []) == 0.0
    assert aggregate("mean", [None]) is None
    assert aggregate("median", []) is None
    assert aggregate("weighted_mean", [0, 0], [0, 0]) is None
    assert aggregate("weighted_mean", [5, None], [None, 3]) is None


def test_weighted_mean_needs_its_denominators():
    with pytest.raises(ValueError, match="weights"):
        aggregate("weighted_mean", [1, 2])
    with pytest.raises(ValueError, match="same length"):
        aggregate("weighted_mean", [1, 2], [1])
    with pytest.raises(ValueError):
        aggregate("total", [1])


def test_the_codes_are_the_api_ones():
    assert [a.value for a in Aggregation] == ["sum", "mean", "weighted_mean", "median"]


@given(st.lists(st.integers(0, 10**6).map(float), min_size=1, max_size=50))
def test_the_mean_and_median_lie_between_the_extremes(values):
    for method in ("mean", "median"):
        result = aggregate(method, values)
        assert min(values) - 1e-6 <= result <= max(values) + 1e-6
    assert aggregate("weighted_mean", values, [1.0] * len(values)) == pytest.approx(
        aggregate("mean", values)
    )
