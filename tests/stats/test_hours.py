"""Opening hours per week (maillage.stats.hours)."""

import pytest

from maillage.stats.hours import REFERENCE_WEEK_START, opening_hours_per_week


@pytest.mark.parametrize(
    ("expression", "hours"),
    [
        ("Mo-Fr 09:00-18:00", 45.0),
        ("24/7", 168.0),
        ("Mo-Fr 09:00-12:30,14:00-18:00; Sa 10:00-17:00", 7.5 * 5 + 7),
        ("Mo-Fr 09:00-18:00; We off", 36.0),
        ("Mo-Sa 09:00-18:00; Sa off", 45.0),
        ("Tu,Th 18:00-22:00", 8.0),
        ("Mo-Fr 09:00-18:00; PH off", 45.0),  # the reference week has no public holiday
        ("Fr 20:00-02:00", 6.0),  # past midnight counts on Saturday's side
        ("off", 0.0),
    ],
)
def test_literal_hours(expression, hours):
    assert opening_hours_per_week(expression) == pytest.approx(hours)


@pytest.mark.parametrize(
    "expression", ["", "   ", "lundi 9h-18h", "Mo-Fr 9-18:00:00", "Mo-Fr 25:99"]
)
def test_empty_or_invalid_is_none(expression):
    assert opening_hours_per_week(expression) is None


def test_the_reference_week_starts_on_a_monday():
    assert REFERENCE_WEEK_START.weekday() == 0
