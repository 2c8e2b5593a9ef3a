"""Bookings on the place's clock: the nights clocks change in Paris, and La Réunion's own time."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from maillage.bookings import selectors, services
from maillage.common.errors import ValidationFailed
from maillage.common.text import fold
from maillage.territories.models import Territory
from tests.bookings.factories import make_resource, tomorrow_at
from tests.factories import UserFactory, make_place
from tests.members.factories import make_membership

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
REUNION = ZoneInfo("Indian/Reunion")
# The last Sundays of March and October 2027: clocks go forward at 02:00, back at 03:00.
SPRING = date(2027, 3, 28)
AUTUMN = date(2027, 10, 31)


def at(day: date, hour: int, zone=PARIS) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=zone)


@pytest.fixture
def member():
    return UserFactory()


@pytest.fixture
def room(member):
    place = make_place()
    make_membership(place, member)
    # Every hour, a year ahead: only the clock is under test.
    return make_resource(place, max_advance_days=400, max_duration_minutes=600)


@pytest.mark.parametrize(("day", "hours"), [(SPRING, 2), (AUTUMN, 4)])
def test_a_night_booking_across_the_change_lasts_its_real_length(room, member, day, hours):
    booking = services.book(actor=member, resource=room, start=at(day, 1), end=at(day, 4))
    booking.refresh_from_db()
    assert booking.end - booking.start == timedelta(hours=hours)
    assert booking.start.astimezone(PARIS).hour == 1 and booking.end.astimezone(PARIS).hour == 4


@pytest.mark.parametrize(("day", "day_hours"), [(SPRING, 23), (AUTUMN, 25)])
def test_availability_covers_the_short_and_the_long_day(room, member, day, day_hours):
    services.book(actor=member, resource=room, start=at(day, 1), end=at(day, 4))
    # Instants subtracted in UTC: Python subtracts two times of one zone on their wall clock.
    midnight = at(day, 0).astimezone(UTC)
    following = at(day + timedelta(days=1), 0).astimezone(UTC)
    assert following - midnight == timedelta(hours=day_hours)
    free = selectors.availability(room, midnight, following, for_user=member)
    assert [(f.start.astimezone(PARIS).hour, f.end.astimezone(PARIS).hour) for f in free] == [
        (0, 1),
        (4, 0),
    ]
    booked = at(day, 4).astimezone(UTC) - at(day, 1).astimezone(UTC)
    lengths = (f.end.astimezone(UTC) - f.start.astimezone(UTC) for f in free)
    assert sum(lengths, timedelta()) + booked == timedelta(hours=day_hours)


def test_a_weekly_series_keeps_its_wall_clock_time_across_the_change(room, member):
    first = at(SPRING - timedelta(days=7), 10)
    result = services.book_series(
        actor=member,
        resource=room,
        start=first,
        end=first + timedelta(hours=1),
        interval_weeks=1,
        until=SPRING + timedelta(days=7),
    )
    assert [b.start.astimezone(PARIS).hour for b in result.booked] == [10, 10, 10]
    offsets = [b.start.astimezone(PARIS).utcoffset() for b in result.booked]
    assert offsets == [timedelta(hours=1), timedelta(hours=2), timedelta(hours=2)]


@pytest.fixture
def reunion_place():
    for level, code, name, dep, region in (
        ("region", "04", "La Réunion", "", ""),
        ("departement", "974", "La Réunion", "", "04"),
        ("commune", "97411", "Saint-Denis", "974", "04"),
    ):
        Territory.objects.create(
            level=level,
            code=code,
            name=name,
            search_name=fold(name),
            population=150000,
            latitude=-20.8823,
            longitude=55.4504,
            location_precision="geonames",
            departement_code=dep,
            region_code=region,
            postal_codes="97400" if level == "commune" else "",
        )
    return make_place(
        name="Case numérique",
        kinds=["coworking"],
        insee_code="97411",
        latitude=-20.8823,
        longitude=55.4504,
        opening_hours="Mo-Su 09:00-18:00",
    )


def test_a_place_in_la_reunion_books_on_reunion_time(reunion_place, member):
    make_membership(reunion_place, member)
    room = make_resource(reunion_place, opening_hours="")
    assert reunion_place.timezone == REUNION
    start = tomorrow_at(reunion_place, 9)
    assert start.tzinfo == REUNION
    booking = services.book(
        actor=member, resource=room, start=start, end=start + timedelta(hours=1)
    )
    booking.refresh_from_db()
    assert booking.start.astimezone(UTC).hour == 5  # 09:00 in Saint-Denis is 05:00 UTC
    # 08:00 in Saint-Denis is 05:00 in Paris: before the place's hours there.
    early = tomorrow_at(reunion_place, 8)
    with pytest.raises(ValidationFailed, match="horaires"):
        services.book(actor=member, resource=room, start=early, end=early + timedelta(hours=1))
    free = selectors.availability(
        room, tomorrow_at(reunion_place, 0), tomorrow_at(reunion_place, 23), for_user=member
    )
    assert [(f.start.hour, f.end.hour) for f in free] == [(10, 18)]
    assert all(f.start.tzinfo == REUNION for f in free)
