"""Property: whatever sequence of book, change and cancel, the confirmed seats at any instant
never exceed capacity, read back from the database after every step; and what the database
holds for capacity (slots, seat counters) matches the confirmed bookings."""

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from maillage.bookings import services
from maillage.bookings.models import Booking, BookingSlot, BookingStatus, ResourceKind, SeatStep
from maillage.common.actors import SYSTEM
from maillage.common.errors import Conflict
from tests.bookings.factories import make_resource, tomorrow_at
from tests.bookings.invariants import max_seats_in_use
from tests.factories import UserFactory, make_place

pytestmark = pytest.mark.django_db
REASON = "séquence aléatoire"

# Half-hour positions within one day, lengths of 1 to 6 half-hours.
times = st.tuples(st.integers(0, 40), st.integers(1, 6))
operation = st.one_of(
    st.tuples(st.just("book"), times, st.integers(1, 3)),
    st.tuples(st.just("change"), st.integers(0, 30), times),
    st.tuples(st.just("cancel"), st.integers(0, 30)),
)


@pytest.fixture
def world():
    place = make_place()
    return {"place": place, "person": UserFactory(), "count": 0}


def held_seats_match(resource) -> None:
    confirmed = Booking.objects.filter(resource=resource, status=BookingStatus.CONFIRMED)
    if resource.capacity == 1:
        assert BookingSlot.objects.filter(resource=resource).count() == confirmed.count()
        return
    for step in SeatStep.objects.filter(resource=resource):
        expected = sum(
            seats
            for seats in confirmed.filter(
                start__lt=step.start + services.SEAT_GRID, end__gt=step.start
            ).values_list("seats", flat=True)
        )
        assert step.taken == expected, step


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(capacity=st.sampled_from([1, 3]), operations=st.lists(operation, max_size=25))
def test_confirmed_seats_never_exceed_capacity(world, capacity, operations):
    world["count"] += 1
    resource = make_resource(
        world["place"],
        name=f"Ressource {world['count']}",
        kind=ResourceKind.DESK if capacity > 1 else ResourceKind.MEETING_ROOM,
        capacity=capacity,
    )
    day = tomorrow_at(world["place"], 6)
    made: list[Booking] = []

    def when(position, length):
        start = day + timedelta(minutes=30 * position)
        return start, start + timedelta(minutes=30 * length)

    for op in operations:
        try:
            if op[0] == "book":
                start, end = when(*op[1])
                made.append(
                    services.book(
                        actor=SYSTEM,
                        resource=resource,
                        user=world["person"],
                        start=start,
                        end=end,
                        seats=min(op[2], capacity),
                        override_reason=REASON,
                    )
                )
            elif op[0] == "change" and made:
                start, end = when(*op[2])
                booking = made[op[1] % len(made)]
                booking.refresh_from_db()
                services.change_booking(
                    actor=SYSTEM, booking=booking, start=start, end=end, override_reason=REASON
                )
            elif op[0] == "cancel" and made:
                booking = made[op[1] % len(made)]
                booking.refresh_from_db()
                services.cancel_booking(actor=SYSTEM, booking=booking, override_reason=REASON)
        except Conflict:
            pass
        assert max_seats_in_use(resource) <= capacity
        held_seats_match(resource)
