"""Rules that hold under parallel requests, against gunicorn, on the session's database (SQLite
file or PostgreSQL): a plan's booking hours and a 10-day card, counted under the membership's
row lock, are never exceeded by simultaneous bookings of one person; staff swapping two
bookings at the same instant get answers (moved or 409), never a 500 (deadlock)."""

import re
from datetime import timedelta

import pytest

from maillage.accounts.services import create_api_token
from maillage.bookings.models import Booking, BookingStatus
from maillage.members.models import PlanPeriod
from tests.accounts.factories import UserFactory
from tests.bookings.factories import make_booking, make_resource, tomorrow_at
from tests.bookings.invariants import max_seats_in_use
from tests.concurrency import Call, send_all
from tests.members.factories import make_membership, make_plan
from tests.places.factories import make_place
from tests.territories.factories import load_reference_sample

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def territories():
    load_reference_sample()


def booking_call(resource, start, hours, token):
    body = {
        "resource_id": resource.pk,
        "start": start.isoformat(),
        "end": (start + timedelta(hours=hours)).isoformat(),
    }
    return Call("POST", "/api/v1/bookings", body, token)


def test_simultaneous_bookings_of_one_person_never_pass_the_plan_s_hours(app_server):
    place = make_place()
    plan = make_plan(place, name="Deux heures", period=PlanPeriod.DAY, booking_hours_per_period=2)
    person = UserFactory(username="pressee")
    make_membership(place, person, plan=plan)
    token = create_api_token(user=person, name="charge")[1]
    room = make_resource(place)
    first = tomorrow_at(place, 0)
    # Twelve different 2-hour slots of the same day: each alone fits the plan, any two do not.
    calls = [booking_call(room, first + timedelta(hours=2 * k), 2, token) for k in range(12)]

    responses = send_all(app_server.url, calls, clients=12)

    statuses = sorted(response.status for response in responses)
    assert statuses == [201] + [403] * 11, {r.status: r.body for r in responses}
    for response in responses:
        if response.status == 403:
            assert "2 h de réservation par journée" in response.json()["detail"]
    booked = Booking.objects.filter(user=person, status=BookingStatus.CONFIRMED)
    assert sum((b.end - b.start for b in booked), timedelta()) == timedelta(hours=2)


def test_simultaneous_bookings_never_open_an_eleventh_day_on_a_10_day_card(app_server):
    place = make_place()
    card = make_plan(place, name="Carte 10 jours", period=PlanPeriod.TEN_DAYS, price_cents=9000)
    person = UserFactory(username="carte")
    make_membership(place, person, plan=card)
    token = create_api_token(user=person, name="charge")[1]
    room = make_resource(place)
    for day in range(1, 10):  # nine days used, by staff (overriding: the card is not asked)
        start = tomorrow_at(place, 10, days=day)
        make_booking(room, person, start, start + timedelta(hours=1))
    calls = [
        booking_call(room, tomorrow_at(place, 10, days=day), 1, token) for day in range(10, 22)
    ]

    responses = send_all(app_server.url, calls, clients=12)

    statuses = sorted(response.status for response in responses)
    assert statuses == [201] + [403] * 11, {r.status: r.body for r in responses}
    for response in responses:
        if response.status == 403:
            assert "carte de 10 jours" in response.json()["detail"]
    days = {
        b.start.astimezone(place.timezone).date()
        for b in Booking.objects.filter(user=person, status=BookingStatus.CONFIRMED)
    }
    assert len(days) == 10


ROUNDS = 30


def test_staff_swapping_two_bookings_at_the_same_instant_never_get_a_500(app_server):
    place = make_place(staff=[UserFactory(username="accueil")])
    staff = place.roles.get(role="staff").user
    token = create_api_token(user=staff, name="charge")[1]
    member = UserFactory(username="membre")
    make_membership(place, member)
    room = make_resource(place)
    statuses = []
    for round_ in range(ROUNDS):
        ten = tomorrow_at(place, 10, days=1 + round_)
        eleven, noon = ten + timedelta(hours=1), ten + timedelta(hours=2)
        first = make_booking(room, member, ten, eleven)
        second = make_booking(room, member, eleven, noon)
        if round_ % 4 != 3:
            # The cross move: each into the other's time.
            moves = [(first, eleven, noon), (second, ten, eleven)]
        else:
            # A chain: the second leaves the time the first moves into.
            moves = [(first, eleven, noon), (second, noon, noon + timedelta(hours=1))]
        calls = [
            Call(
                "PATCH",
                f"/api/v1/bookings/{booking.pk}",
                {"start": start.isoformat(), "end": end.isoformat()},
                token,
            )
            for booking, start, end in moves
        ]
        responses = send_all(app_server.url, calls, clients=2)
        statuses += [response.status for response in responses]
        assert {r.status for r in responses} <= {200, 409}, [(r.status, r.body) for r in responses]
        for response in responses:
            if response.status == 409:
                assert re.search(r"de \d\d:\d\d à \d\d:\d\d", response.json()["detail"])
        assert max_seats_in_use(room) == 1
    assert 200 in statuses  # the chains move
    assert Booking.objects.filter(resource=room, status=BookingStatus.CONFIRMED).count() == (
        2 * ROUNDS
    )
