"""`daily_counts`: visits, people and desk-days per day of a place, in one query, on the
place's own clock, equal to a naive recomputation."""

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from maillage.checkins import selectors, services
from maillage.checkins.models import CheckIn
from maillage.checkins.selectors import DailyCount, daily_counts
from maillage.common.actors import SYSTEM
from tests.accounts.factories import UserFactory
from tests.checkins.factories import make_checkin, make_member, make_reunion_place
from tests.places.factories import make_place

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


def at(day, hour, minute=0, zone=PARIS):
    return datetime(2026, 3, day, hour, minute, tzinfo=zone)


def test_counts_visits_people_and_desk_days_per_day_in_one_query(django_assert_num_queries):
    place = make_place()
    ada, bob = make_member(place), make_member(place)
    make_checkin(place, ada, at=at(2, 9), out=at(2, 12))  # 3 h
    make_checkin(place, ada, at=at(2, 14), out=at(2, 16))  # + 2 h: 5 h that day → 1
    make_checkin(place, bob, at=at(2, 9), out=at(2, 11))  # 2 h → 0.5
    make_checkin(place, bob, at=at(3, 8), out=at(3, 13))  # 5 h → 1
    third, fourth = date(2026, 3, 3), date(2026, 3, 4)
    services.count_visitors(actor=SYSTEM, place=place, kind="day_pass", count=2, day=third)
    services.count_visitors(actor=SYSTEM, place=place, kind="visit", count=4, day=fourth)
    with django_assert_num_queries(1):
        counts = daily_counts(place, date(2026, 3, 1), date(2026, 3, 4))
    assert counts == [
        DailyCount(date(2026, 3, 1), 0, 0, 0.0, 0, 0),
        DailyCount(date(2026, 3, 2), 3, 2, 1.5, 0, 0),
        DailyCount(date(2026, 3, 3), 1, 1, 3.0, 2, 0),
        DailyCount(date(2026, 3, 4), 0, 0, 0.0, 0, 4),
    ]
    assert daily_counts(place, date(2026, 3, 4), date(2026, 3, 1)) == []


def test_a_day_is_the_place_s_own_day():
    """23:30 UTC on 1 March is 03:30 on 2 March in La Réunion, 00:30 in Paris."""
    reunion, pau = make_reunion_place(), make_place()
    for place in (reunion, pau):
        make_checkin(
            place,
            make_member(place),
            at=datetime(2026, 3, 1, 23, 30, tzinfo=UTC),
            out=datetime(2026, 3, 2, 4, 0, tzinfo=UTC),
        )
    for place in (reunion, pau):
        counts = daily_counts(place, date(2026, 3, 1), date(2026, 3, 2))
        assert [count.visits for count in counts] == [0, 1]
        assert counts[1].desk_days == 1.0


def test_an_erased_person_s_stays_still_count_one_person_each():
    place = make_place()
    person = make_member(place)
    make_checkin(place, person, at=at(2, 9), out=at(2, 10))
    make_checkin(place, person, at=at(2, 11), out=at(2, 12))
    CheckIn.objects.update(user=None)
    [day] = daily_counts(place, date(2026, 3, 2), date(2026, 3, 2))
    assert (day.visits, day.people, day.desk_days) == (2, 2, 1.0)


def test_the_counts_of_another_place_are_not_mixed_in():
    place, other = make_place(name="Un"), make_place(name="Deux")
    make_checkin(other, make_member(other), at=at(2, 9), out=at(2, 17))
    assert daily_counts(place, date(2026, 3, 2), date(2026, 3, 2))[0].visits == 0


def naive_counts(stays, visitors, start, end):
    """The definition, written out: per person and day of arrival (Paris), the total time."""
    per_person = defaultdict(timedelta)
    visits = defaultdict(int)
    for number, (person, arrival, leaving) in enumerate(stays):
        day = arrival.astimezone(PARIS).date()
        # An anonymous stay is a person of its own.
        per_person[day, person if person is not None else f"anonymous {number}"] += (
            leaving - arrival
        )
        visits[day] += 1
    result = []
    day = start
    while day <= end:
        people = [total for (d, _), total in per_person.items() if d == day]
        passes = sum(count for d, kind, count in visitors if d == day and kind == "day_pass")
        anonymous = sum(count for d, kind, count in visitors if d == day and kind == "visit")
        desk = sum(1.0 if total >= timedelta(hours=4) else 0.5 for total in people) + passes
        result.append(DailyCount(day, visits[day], len(people), desk, passes, anonymous))
        day += timedelta(days=1)
    return result


stay = st.tuples(
    st.integers(min_value=0, max_value=2),  # person
    st.integers(min_value=0, max_value=4 * 24 * 4 - 1),  # arrival, in quarters of an hour
    st.integers(min_value=0, max_value=40),  # duration, in quarters of an hour
    st.booleans(),  # the person erased their account afterwards: an anonymous stay
)
visitor = st.tuples(
    st.integers(min_value=0, max_value=3),
    st.sampled_from(["day_pass", "visit"]),
    st.integers(min_value=1, max_value=5),
)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(stays=st.lists(stay, max_size=12), visitors=st.lists(visitor, max_size=4))
def test_the_counts_equal_a_naive_recomputation(stays, visitors):
    place = make_place(name="Hypothèse")
    people = [make_member(place) for _ in range(3)]
    start = datetime(2026, 3, 2, tzinfo=PARIS)
    for person, quarter, length, erased in sorted(stays, key=lambda item: item[1]):
        arrival = start + timedelta(minutes=15 * quarter)
        leaving = arrival + timedelta(minutes=15 * length)
        checkin = make_checkin(place, people[person], at=arrival, out=leaving)
        if erased:
            CheckIn.objects.filter(pk=checkin.pk).update(user=None)
    for offset, kind, count in visitors:
        services.count_visitors(
            actor=SYSTEM, place=place, kind=kind, count=count, day=date(2026, 3, 2 + offset)
        )
    rows = CheckIn.objects.filter(place=place).values_list(
        "user_id", "checked_in_at", "checked_out_at"
    )
    expected = naive_counts(
        list(rows),
        [(date(2026, 3, 2 + offset), kind, count) for offset, kind, count in visitors],
        date(2026, 3, 1),
        date(2026, 3, 7),
    )
    assert daily_counts(place, date(2026, 3, 1), date(2026, 3, 7)) == expected
    CheckIn.objects.all().delete()
    place.delete()
    for person in people:
        person.delete()


def test_open_stays_count_until_now():
    place = make_place()
    person = make_member(place)
    arrival = datetime.now(UTC) - timedelta(hours=5)
    make_checkin(place, person, at=arrival)
    day = arrival.astimezone(PARIS).date()
    [count] = daily_counts(place, day, day)
    assert (count.visits, count.desk_days) == (1, 1.0)
    assert selectors.open_checkin_of(person) is not None
    UserFactory()
