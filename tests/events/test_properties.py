"""Property: whatever sequence of registrations (members, staff for someone, guests and their
confirmations), cancellations and capacity changes, compared step by step with a plain model of
seats and a first-in-first-out waiting list:

- the event's `taken` counter equals its confirmed registrations and never exceeds capacity;
- nobody waits while a seat is free;
- the confirmed and waiting people, and the waiting list's order, are the model's.
"""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from maillage.common.actors import SYSTEM
from maillage.common.errors import Conflict
from maillage.events import services
from maillage.events.models import Event, Registration, RegistrationStatus
from tests.events.factories import make_event
from tests.places.factories import make_place

pytestmark = pytest.mark.django_db

operation = st.one_of(
    st.tuples(st.just("register"), st.integers(0, 7)),
    st.tuples(st.just("guest"), st.integers(0, 7)),
    st.tuples(st.just("confirm"), st.integers(0, 7)),
    st.tuples(st.just("cancel"), st.integers(0, 7)),
    st.tuples(st.just("capacity"), st.integers(1, 5)),
)


@pytest.fixture
def place():
    return make_place()


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(capacity=st.integers(1, 3), operations=st.lists(operation, max_size=25))
def test_seats_and_the_waiting_list_follow_the_model(place, capacity, operations):
    event = make_event(place, capacity=capacity)
    confirmed: list[str] = []
    waiting: list[str] = []
    pending: set[str] = set()
    model_capacity = capacity

    def person(n):
        return f"p{n}@example.org"

    def active(address):
        return (
            Registration.objects.filter(event=event, email=address)
            .exclude(status=RegistrationStatus.CANCELLED)
            .first()
        )

    def seat_or_wait(address):
        (confirmed if len(confirmed) < model_capacity else waiting).append(address)

    for action, value in operations:
        address = person(value)
        if action == "register":  # staff register someone: confirmed or waiting at once
            known = address in confirmed or address in waiting or address in pending
            try:
                services.register(actor=SYSTEM, event=event, name="X", email=address)
            except Conflict:
                assert known
            else:
                assert not known
                seat_or_wait(address)
        elif action == "guest":
            services.register_guest(event=event, name="X", email=address)
            if address not in confirmed and address not in waiting:
                pending.add(address)
        elif action == "confirm":
            registration = active(address)
            if registration is not None:
                services.confirm_guest(registration)
                if address in pending:
                    pending.discard(address)
                    seat_or_wait(address)
        elif action == "cancel":
            registration = active(address)
            if registration is None:
                continue
            services.cancel_registration(actor=SYSTEM, registration=registration)
            pending.discard(address)
            if address in waiting:
                waiting.remove(address)
            elif address in confirmed:
                confirmed.remove(address)
                if waiting:
                    confirmed.append(waiting.pop(0))
        else:
            try:
                services.update_event(actor=SYSTEM, event=event, data={"capacity": value})
            except Conflict:
                assert value < len(confirmed)
            else:
                model_capacity = value
                while waiting and len(confirmed) < model_capacity:
                    confirmed.append(waiting.pop(0))

        fresh = Event.objects.get(pk=event.pk)
        rows = Registration.objects.filter(event=event).order_by("pk")
        db_confirmed = {r.email for r in rows if r.status == RegistrationStatus.CONFIRMED}
        # The waiting list's order is the order of arrival on it, as the app reads it (a guest
        # who confirms late joins behind those already waiting, whatever their row ids).
        db_waiting = [
            r.email
            for r in rows.order_by("waiting_since", "pk")
            if r.status == RegistrationStatus.WAITING
        ]
        assert fresh.taken == len(db_confirmed) <= fresh.capacity
        assert not db_waiting or fresh.taken == fresh.capacity
        assert db_confirmed == set(confirmed)
        assert db_waiting == waiting
