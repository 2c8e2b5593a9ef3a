"""50 parallel requests for the last seat, against gunicorn: the database decides.

Runs on the database of the test session (SQLite file or PostgreSQL): exactly the capacity is
accepted, every other answer is a 409 naming the taken range, and no two confirmed bookings
overlap beyond capacity afterwards.
"""

from datetime import timedelta

import pytest

from maillage.accounts.services import create_api_token
from maillage.bookings import services
from maillage.bookings.models import Booking, BookingStatus, ResourceKind
from tests.bookings.factories import make_resource, tomorrow_at
from tests.bookings.invariants import max_seats_in_use
from tests.concurrency import Call, send_all
from tests.factories import UserFactory, load_reference_sample, make_place
from tests.members.factories import make_membership

pytestmark = pytest.mark.django_db(transaction=True)
REQUESTS = 50


@pytest.fixture(autouse=True)
def territories():
    # A transactional test starts from the flushed database: the communes the places need.
    load_reference_sample()


def members_with_tokens(place, count):
    tokens = []
    for n in range(count):
        person = UserFactory(username=f"membre-{n}")
        make_membership(place, person)
        tokens.append(create_api_token(user=person, name="charge")[1])
    return tokens


def race(app_server, resource, start, end, tokens):
    body = {"resource_id": resource.pk, "start": start.isoformat(), "end": end.isoformat()}
    calls = [Call("POST", "/api/v1/bookings", body, token) for token in tokens]
    return send_all(app_server.url, calls, clients=REQUESTS)


def test_fifty_requests_for_one_room_book_it_once(app_server):
    place = make_place()
    room = make_resource(place)
    start = tomorrow_at(place, 10)
    end = start + timedelta(hours=1)
    responses = race(app_server, room, start, end, members_with_tokens(place, REQUESTS))

    statuses = sorted(response.status for response in responses)
    assert statuses == [201] + [409] * (REQUESTS - 1), {r.status: r.body for r in responses}
    for response in responses:
        if response.status == 409:
            assert "de 10:00 à 11:00" in response.json()["detail"]
    assert Booking.objects.filter(resource=room, status=BookingStatus.CONFIRMED).count() == 1
    assert max_seats_in_use(room) == 1


def test_fifty_requests_for_the_last_desk_of_an_open_space_take_it_once(app_server):
    place = make_place()
    space = make_resource(place, name="Open space", kind=ResourceKind.DESK, capacity=6)
    start = tomorrow_at(place, 9)
    end = start + timedelta(hours=3)
    owner = UserFactory(username="premier")
    make_membership(place, owner)
    services.book(actor=owner, resource=space, start=start, end=end, seats=5)

    responses = race(app_server, space, start, end, members_with_tokens(place, REQUESTS))

    statuses = sorted(response.status for response in responses)
    assert statuses == [201] + [409] * (REQUESTS - 1), {r.status: r.body for r in responses}
    for response in responses:
        if response.status == 409:
            assert "de 09:00 à 12:00" in response.json()["detail"]
    assert max_seats_in_use(space) == 6
