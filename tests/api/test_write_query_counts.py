"""The SQL queries of the API's three hot writes (the benchmarks of issues 8, 9 and 10): a
booking, an event registration, a ballot. Each is held to its exact count, so that a query
added to the shared write path (token, rules, audit, queued email) fails here, not only in
`make bench`.

The counts differ by database: on PostgreSQL a slot is inserted in a savepoint (the exclusion
constraint decides) and the audit entry is linked at commit by a trigger; on SQLite the slot is
checked by a query and the entry linked by `record` (it reads the chain's head). The test's own
transaction turns every `atomic` of the services into a savepoint, counted too.
"""

import json

import pytest
from django.db import connection

from maillage.accounts.services import create_api_token
from maillage.bookings.models import Booking
from maillage.events.models import Registration
from maillage.governance.models import Participation
from tests.accounts.factories import UserFactory
from tests.bookings.factories import make_resource, tomorrow_at
from tests.events.factories import make_event
from tests.governance.factories import make_body, make_vote
from tests.members.factories import make_membership
from tests.places.factories import make_place

pytestmark = pytest.mark.django_db

# {vendor: queries} of one request, token authentication included (with the UPDATE of its
# last use: a new token). Before 2026-12-01's work on the write path, on PostgreSQL: 13, 13, and
# 20 (a public vote) or 19 (a secret one); before 2026-12-03's (one membership read per booking,
# no savepoint around a registration's or a ballot's insert, the elector read once): 13, 12
# and 15.
BOOKING_QUERIES = {"postgresql": 12, "sqlite": 12}
REGISTRATION_QUERIES = {"postgresql": 10, "sqlite": 11}
BALLOT_QUERIES = {"postgresql": 12, "sqlite": 13}


def _headers(user) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_api_token(user=user, name='test')[1]}"}


@pytest.fixture
def place():
    return make_place()


@pytest.fixture
def member(place):
    person = UserFactory()
    make_membership(place, person)
    return person


def test_a_booking_post_runs_a_fixed_number_of_queries(
    client, place, member, django_assert_num_queries
):
    room = make_resource(place)
    headers = _headers(member)
    start = tomorrow_at(place, 10)
    body = {"resource_id": room.pk, "start": start.isoformat()}
    body["end"] = start.replace(hour=start.hour + 1).isoformat()
    with django_assert_num_queries(BOOKING_QUERIES[connection.vendor]):
        answer = client.post(
            "/api/v1/bookings", json.dumps(body), content_type="application/json", headers=headers
        )
    assert answer.status_code == 201, answer.content
    assert Booking.objects.filter(user=member, status="confirmed").count() == 1


def test_a_registration_post_runs_a_fixed_number_of_queries(
    client, place, member, django_assert_num_queries
):
    event = make_event(place, capacity=3)
    headers = _headers(member)
    with django_assert_num_queries(REGISTRATION_QUERIES[connection.vendor]):
        answer = client.post(
            f"/api/v1/events/{event.pk}/registrations",
            content_type="application/json",
            headers=headers,
        )
    assert answer.status_code == 201, answer.content
    assert answer.json()["status"] == "confirmed"
    assert Registration.objects.filter(event=event, user=member).count() == 1


@pytest.mark.parametrize("secret", [False, True])
def test_a_ballot_put_runs_a_fixed_number_of_queries(client, secret, django_assert_num_queries):
    body, [voter] = make_body(members=1)
    vote = make_vote(body, secret=secret)
    headers = _headers(voter)
    content = json.dumps({"content": {"grades": [6, 3, 0]}})
    with django_assert_num_queries(BALLOT_QUERIES[connection.vendor]):
        answer = client.put(
            f"/api/v1/votes/{vote.pk}/ballot",
            content,
            content_type="application/json",
            headers=headers,
        )
    assert answer.status_code == 201, answer.content
    participation = Participation.objects.get(vote=vote)
    # A public vote's participation names its ballot, a secret one's never does.
    assert (participation.ballot_id is None) == secret
