"""Half-open time ranges and the time zone of each French territory."""

import doctest
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from maillage.common import timeranges
from maillage.common.timeranges import TimeRange, territory_timezone

ZONES = st.sampled_from(
    [ZoneInfo(key) for key in ("UTC", "Europe/Paris", "Indian/Reunion", "Pacific/Tahiti")]
)
MOMENTS = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2040, 1, 1), timezones=ZONES
)
DURATIONS = st.timedeltas(min_value=timedelta(microseconds=1), max_value=timedelta(days=30))


def later(moment: datetime, duration: timedelta) -> datetime:
    """`duration` of elapsed time after `moment`, in its zone (`+` alone adds wall-clock time)."""
    return (moment.astimezone(UTC) + duration).astimezone(moment.tzinfo)


@st.composite
def ranges(draw):
    start = draw(MOMENTS)
    return TimeRange(start, later(start, draw(DURATIONS)))


def test_docstring_examples():
    result = doctest.testmod(timeranges, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 10
    assert result.failed == 0


def test_naive_datetimes_are_refused():
    aware = datetime(2026, 1, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match="naive"):
        TimeRange(aware, datetime(2026, 1, 2))
    with pytest.raises(ValueError, match="naive"):
        TimeRange(datetime(2025, 12, 31), aware)
    with pytest.raises(ValueError, match="naive"):
        TimeRange(aware, aware + timedelta(days=1)).contains(datetime(2026, 1, 1, 12))


def test_empty_and_reversed_ranges_are_refused():
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match="after start"):
        TimeRange(moment, moment)
    with pytest.raises(ValueError, match="after start"):
        TimeRange(moment, moment - timedelta(seconds=1))


def test_a_range_is_immutable():
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    period = TimeRange(moment, moment + timedelta(hours=1))
    with pytest.raises(AttributeError):
        period.end = moment  # type: ignore[misc]


def test_the_repeated_hour_of_autumn_is_an_hour_long():
    """02:30 before and after clocks go back are an hour apart, though Python calls them equal."""
    paris = ZoneInfo("Europe/Paris")
    first = datetime(2026, 10, 25, 2, 30, tzinfo=paris)
    second = first.replace(fold=1)
    assert TimeRange(first, second).duration == timedelta(hours=1)
    with pytest.raises(ValueError, match="after start"):
        TimeRange(second, first)


def test_the_night_clocks_go_forward_lasts_an_hour_less():
    paris = ZoneInfo("Europe/Paris")
    night = TimeRange(
        datetime(2026, 3, 28, 22, tzinfo=paris), datetime(2026, 3, 29, 8, tzinfo=paris)
    )
    assert night.duration == timedelta(hours=9)


def test_same_instants_in_two_zones_are_the_same_range():
    paris, reunion = ZoneInfo("Europe/Paris"), ZoneInfo("Indian/Reunion")
    in_paris = TimeRange(
        datetime(2026, 12, 1, 9, tzinfo=paris), datetime(2026, 12, 1, 10, tzinfo=paris)
    )
    in_reunion = TimeRange(
        datetime(2026, 12, 1, 12, tzinfo=reunion), datetime(2026, 12, 1, 13, tzinfo=reunion)
    )
    assert in_paris == in_reunion
    assert len({in_paris, in_reunion}) == 1


@given(ranges(), ranges())
def test_overlap_is_symmetric(a, b):
    assert a.overlaps(b) == b.overlaps(a)


@given(ranges())
def test_a_range_contains_its_start_not_its_end(period):
    assert period.contains(period.start)
    assert not period.contains(period.end)
    assert period.contains(period)
    assert period.overlaps(period)


@given(MOMENTS, DURATIONS, DURATIONS)
def test_adjacent_ranges_do_not_overlap(start, first, second):
    before = TimeRange(start, later(start, first))
    after = TimeRange(before.end, later(before.end, second))
    assert not before.overlaps(after)
    assert before.intersection(after) is None
    assert TimeRange(before.start, after.end).duration == before.duration + after.duration


@given(ranges(), ranges())
def test_intersection_is_the_common_part(a, b):
    common = a.intersection(b)
    assert (common is not None) == a.overlaps(b)
    if common is not None:
        assert a.contains(common)
        assert b.contains(common)
        assert common == b.intersection(a)
        assert common.duration <= min(a.duration, b.duration)


@given(ranges(), MOMENTS)
def test_contains_matches_the_bounds(period, moment):
    start, end = period.start.astimezone(UTC), period.end.astimezone(UTC)
    assert period.contains(moment) == (start <= moment.astimezone(UTC) < end)


@given(ranges(), ranges())
def test_containment_implies_overlap(a, b):
    if a.contains(b):
        assert a.overlaps(b)
        assert a.intersection(b) == b


@pytest.mark.parametrize(
    ("codes", "zone"),
    [
        ({"departement_code": "971"}, "America/Guadeloupe"),
        ({"departement_code": "972"}, "America/Martinique"),
        ({"departement_code": "973"}, "America/Cayenne"),
        ({"departement_code": "974"}, "Indian/Reunion"),
        ({"departement_code": "975"}, "America/Miquelon"),
        ({"departement_code": "976"}, "Indian/Mayotte"),
        ({"departement_code": "977"}, "America/St_Barthelemy"),
        ({"departement_code": "978"}, "America/Marigot"),
        ({"departement_code": "986"}, "Pacific/Wallis"),
        ({"departement_code": "987"}, "Pacific/Tahiti"),
        ({"departement_code": "988"}, "Pacific/Noumea"),
        ({"region_code": "04"}, "Indian/Reunion"),
        ({"region_code": "06"}, "Indian/Mayotte"),
        ({"region_code": "987"}, "Pacific/Tahiti"),
        ({"departement_code": "01", "region_code": "84"}, "Europe/Paris"),
        ({"departement_code": "2A"}, "Europe/Paris"),
        ({}, "Europe/Paris"),
    ],
)
def test_territory_timezone(codes, zone):
    assert territory_timezone(**codes) == ZoneInfo(zone)


def test_every_overseas_code_of_the_territory_file_has_its_zone():
    """The shipped file's overseas départements and régions all map away from Paris."""
    import csv
    import gzip
    from pathlib import Path

    import maillage

    path = Path(maillage.__file__).parent / "territories/data/territories.csv.gz"
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        rows = [row for row in csv.DictReader(handle) if row["level"] == "departement"]
    overseas = {row["code"]: row["region"] for row in rows if row["code"] >= "97"}
    assert set(overseas) == set(timeranges.OVERSEAS_ZONES)
    for departement, region in overseas.items():
        zone = territory_timezone(region_code=region)
        assert zone == territory_timezone(departement_code=departement) != ZoneInfo("Europe/Paris")
