"""Visits, unique visitors and desk-days, on small literal data."""

from datetime import date, timedelta

import pytest

from maillage.checkins.models import VisitorKind
from maillage.checkins.services import count_visitors
from maillage.common.actors import SYSTEM
from maillage.observatory import compute
from tests.checkins.factories import make_checkin, make_member

from .factories import PAU, at, month, place_in, quarter

pytestmark = pytest.mark.django_db

MARCH = date(2026, 3, 2)


@pytest.fixture
def place():
    return place_in(PAU, "La Fabrique")


def test_visits_count_checkins_and_counted_visitors(place):
    """Two check-ins in March, one in April, three counted visitors in March: March has 5."""
    ada = make_member(place)
    make_checkin(place, ada, at=at(MARCH, 9), out=at(MARCH, 10))
    make_checkin(
        place, ada, at=at(MARCH + timedelta(days=1), 9), out=at(MARCH + timedelta(days=1), 10)
    )
    make_checkin(place, ada, at=at(date(2026, 4, 1), 9), out=at(date(2026, 4, 1), 10))
    count_visitors(actor=SYSTEM, place=place, kind=VisitorKind.VISIT, count=3, day=MARCH)
    results = compute.checkins(month(2026, 3))
    assert results["visits"] == {(place.pk, date(2026, 3, 1)): (5.0, None)}


def test_unique_visitors_count_each_person_once_per_period(place):
    """Ada comes twice in March and once in April, Ben once in April: March 1, April 2, and the
    quarter 2 (distinct over the quarter, not 1 + 2)."""
    ada, ben = make_member(place), make_member(place)
    make_checkin(place, ada, at=at(MARCH, 9), out=at(MARCH, 10))
    make_checkin(place, ada, at=at(MARCH, 14), out=at(MARCH, 15))
    make_checkin(place, ada, at=at(date(2026, 4, 2), 9), out=at(date(2026, 4, 2), 10))
    make_checkin(place, ben, at=at(date(2026, 4, 3), 9), out=at(date(2026, 4, 3), 10))
    march = compute.checkins(month(2026, 3))["unique_visitors"]
    april = compute.checkins(month(2026, 4))["unique_visitors"]
    assert march[(place.pk, date(2026, 3, 1))][0] == 1
    assert april[(place.pk, date(2026, 4, 1))][0] == 2
    q2 = compute.checkins(quarter(2026, 2))["unique_visitors"]
    assert q2[(place.pk, date(2026, 4, 1))][0] == 2
    q1_q2 = compute.Window("year", date(2026, 1, 1), date(2027, 1, 1))
    assert compute.checkins(q1_q2)["unique_visitors"][(place.pk, date(2026, 1, 1))][0] == 2


def test_desk_days_half_under_four_hours_plus_day_passes(place):
    """Ada stays 5 h (1 day), Ben 2 h (½ day), and two day passes: 3.5 desk-days."""
    ada, ben = make_member(place), make_member(place)
    make_checkin(place, ada, at=at(MARCH, 9), out=at(MARCH, 14))
    make_checkin(place, ben, at=at(MARCH, 9), out=at(MARCH, 11))
    count_visitors(actor=SYSTEM, place=place, kind=VisitorKind.DAY_PASS, count=2, day=MARCH)
    results = compute.checkins(month(2026, 3))
    assert results["desk_days"] == {(place.pk, date(2026, 3, 1)): (3.5, None)}


def test_a_window_of_places_reads_only_those_places(place):
    other = place_in(PAU, "L'Autre")
    make_checkin(other, make_member(other), at=at(MARCH), out=at(MARCH, 12))
    make_checkin(place, make_member(place), at=at(MARCH), out=at(MARCH, 12))
    results = compute.checkins(month(2026, 3, [place.pk]))
    assert set(results["visits"]) == {(place.pk, date(2026, 3, 1))}


def test_a_visit_counts_in_the_month_of_the_instances_clock(place):
    """Half an hour after midnight on 1 April in Paris is still 31 March in UTC (and in the
    database): the visit is April's, as are the bookings and events grouped the same way. Over
    a window of three months, each visit lands in its own month."""
    ada = make_member(place)
    make_checkin(place, ada, at=at(date(2026, 3, 31), 23, 30), out=at(date(2026, 4, 1), 1))
    make_checkin(place, ada, at=at(date(2026, 4, 1), 0, 30), out=at(date(2026, 4, 1), 2))
    make_checkin(place, ada, at=at(date(2026, 5, 31), 23, 59), out=at(date(2026, 6, 1), 1))
    window = compute.Window("month", date(2026, 3, 1), date(2026, 6, 1))
    assert compute.checkins(window)["visits"] == {
        (place.pk, date(2026, 3, 1)): (1.0, None),
        (place.pk, date(2026, 4, 1)): (1.0, None),
        (place.pk, date(2026, 5, 1)): (1.0, None),
    }
