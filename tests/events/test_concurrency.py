"""50 parallel registrations for the last 3 seats, against gunicorn: the database decides.

Runs on the database of the test session (SQLite file or PostgreSQL): exactly 3 confirmed,
the 47 others waiting with the positions 1…47 in the order of their rows, the counter equal
to the confirmed rows; then parallel cancellations each promote exactly one person waiting.
"""

import pytest

from maillage.accounts.services import create_api_token
from maillage.events import services
from maillage.events.models import Event, Registration, RegistrationStatus
from tests.accounts.factories import UserFactory
from tests.concurrency import Call, send_all
from tests.events.factories import make_event
from tests.members.factories import make_membership
from tests.places.factories import make_place
from tests.territories.factories import load_reference_sample

pytestmark = pytest.mark.django_db(transaction=True)
REQUESTS = 50


@pytest.fixture(autouse=True)
def territories():
    load_reference_sample()


def people_with_tokens(place, count, prefix="membre"):
    people = []
    for n in range(count):
        person = UserFactory(username=f"{prefix}-{n}")
        make_membership(place, person)
        people.append((person, create_api_token(user=person, name="ruée")[1]))
    return people


def test_fifty_registrations_for_the_last_three_seats(app_server):
    place = make_place()
    event = make_event(place, capacity=10)
    for person, _token in people_with_tokens(place, 7, prefix="avant"):
        services.register(actor=person, event=event)
    people = people_with_tokens(place, REQUESTS)
    calls = [
        Call("POST", f"/api/v1/events/{event.pk}/registrations", None, token)
        for _person, token in people
    ]

    responses = send_all(app_server.url, calls, clients=REQUESTS)

    assert {r.status for r in responses} == {201}, {r.status: r.body for r in responses}
    bodies = [r.json() for r in responses]
    statuses = sorted(body["status"] for body in bodies)
    assert statuses == ["confirmed"] * 3 + ["waiting"] * (REQUESTS - 3)
    assert Event.objects.get(pk=event.pk).taken == 10
    confirmed = Registration.objects.filter(event=event, status=RegistrationStatus.CONFIRMED)
    assert confirmed.count() == 10
    # The waiting list, in the order of its rows, is numbered 1…47 with no gap or repeat.
    waiting = list(
        Registration.objects.filter(event=event, status=RegistrationStatus.WAITING).order_by("pk")
    )
    assert [services.waiting_position(r) for r in waiting] == list(range(1, REQUESTS - 2))
    answered = {body["id"]: body["position"] for body in bodies if body["status"] == "waiting"}
    assert sorted(answered.values()) == list(range(1, REQUESTS - 2))

    # Five confirmed people cancel at once: five promotions, in order, never more seats.
    cancellers = list(confirmed.select_related("user")[:5])
    tokens = {r.pk: create_api_token(user=r.user, name="annulation")[1] for r in cancellers}
    calls = [Call("DELETE", f"/api/v1/registrations/{pk}", None, tokens[pk]) for pk in tokens]
    responses = send_all(app_server.url, calls, clients=5)
    assert {r.status for r in responses} == {200}, [r.body for r in responses]
    assert Event.objects.get(pk=event.pk).taken == 10
    assert (
        Registration.objects.filter(event=event, status=RegistrationStatus.CONFIRMED).count() == 10
    )
    promoted = [Registration.objects.get(pk=r.pk).status for r in waiting[:6]]
    assert promoted == ["confirmed"] * 5 + ["waiting"]
    assert services.waiting_position(Registration.objects.get(pk=waiting[5].pk)) == 1
