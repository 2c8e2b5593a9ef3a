"""Commuting avoided per place and month: the arithmetic on literal coordinates, desk-days
counted as the check-ins count them, the instance's assumptions."""

from datetime import UTC, date, datetime

import pytest

from maillage.declarations.commuting import assumptions, commuting_avoided, method_note
from maillage.organisations.services import declare_commuting
from maillage.places.models import Place
from maillage.territories.models import Territory
from tests.checkins.factories import make_checkin, make_member
from tests.places.factories import make_place

pytestmark = pytest.mark.django_db

# One degree of longitude on the equator, on the sphere of radius 6371.0088 km.
DEGREE_KM = 111.19508372419141


@pytest.fixture
def place():
    place = make_place(name="La Gare")
    # Literal coordinates on the equator: home at 0°, employer at 1° east, the place at 0.1°.
    Place.objects.filter(pk=place.pk).update(latitude=0.0, longitude=0.1)
    Territory.objects.filter(level="commune", code="64348").update(latitude=0.0, longitude=0.0)
    Territory.objects.filter(level="commune", code="64102").update(latitude=0.0, longitude=1.0)
    return Place.objects.get(pk=place.pk)


def _stay(place, user, day, hours):
    start = datetime(2026, day[0], day[1], 8, tzinfo=UTC)
    make_checkin(place, user, at=start, out=start.replace(hour=8 + hours))


def test_each_desk_day_avoids_the_round_trip_to_the_employer_less_the_one_to_the_place(place):
    member = make_member(place)
    declare_commuting(
        actor=member,
        home_commune="64348",
        teleworks=True,
        employer_commune="64102",
        transport_mode="car",
    )
    # January: two full days and a half day; February: one full day.
    _stay(place, member, (1, 5), 5)
    _stay(place, member, (1, 6), 6)
    _stay(place, member, (1, 7), 2)
    _stay(place, member, (2, 2), 8)
    # Someone who declared no employer avoids nothing.
    other = make_member(place)
    declare_commuting(actor=other, home_commune="64348")
    _stay(place, other, (1, 5), 8)

    result = commuting_avoided(places=[place], start=date(2026, 1, 1), end=date(2026, 2, 28))

    per_day_km = 2 * 1.3 * (DEGREE_KM - 0.1 * DEGREE_KM)
    january, february = result.months
    assert (january.month, january.desk_days, january.commuters) == (date(2026, 1, 1), 2.5, 1)
    assert january.km_avoided == pytest.approx(2.5 * per_day_km)
    assert january.kg_co2e_avoided == pytest.approx(2.5 * per_day_km * 0.193)
    assert february.km_avoided == pytest.approx(per_day_km)
    assert february.kg_co2e_avoided == pytest.approx(per_day_km * 0.193)


def test_the_instance_sets_its_own_detour_and_factors(place, settings):
    settings.OBSERVATORY_DETOUR_COEFFICIENT = 1.0
    settings.OBSERVATORY_EMISSION_FACTORS = {"train": 0.05}
    member = make_member(place)
    declare_commuting(
        actor=member,
        home_commune="64348",
        teleworks=True,
        employer_commune="64102",
        transport_mode="train",
    )
    _stay(place, member, (3, 3), 8)
    (march,) = commuting_avoided(
        places=[place], start=date(2026, 3, 1), end=date(2026, 3, 31)
    ).months
    assert march.km_avoided == pytest.approx(2 * 0.9 * DEGREE_KM)
    assert march.kg_co2e_avoided == pytest.approx(2 * 0.9 * DEGREE_KM * 0.05)
    rules = assumptions()
    assert rules.detour == 1.0
    assert rules.factors["car"] == 0.193
    note = method_note(rules)
    assert "coefficient de détour de 1" in note
    assert "train, TER 0,05" in note


def test_a_place_farther_than_the_employer_counts_negative(place):
    Place.objects.filter(pk=place.pk).update(latitude=0.0, longitude=-2.0)
    member = make_member(place)
    declare_commuting(
        actor=member,
        home_commune="64348",
        teleworks=True,
        employer_commune="64102",
        transport_mode="car",
    )
    _stay(place, member, (4, 1), 8)
    (april,) = commuting_avoided(
        places=[Place.objects.get(pk=place.pk)], start=date(2026, 4, 1), end=date(2026, 4, 30)
    ).months
    assert april.km_avoided == pytest.approx(2 * 1.3 * (DEGREE_KM - 2 * DEGREE_KM), rel=1e-3)


def test_nothing_is_read_when_nobody_declared(place, django_assert_max_num_queries):
    make_checkin(place, make_member(place), at=datetime(2026, 1, 5, 8, tzinfo=UTC))
    with django_assert_max_num_queries(1):
        result = commuting_avoided(places=[place], start=date(2026, 1, 1), end=date(2026, 1, 31))
    assert result.months == []
