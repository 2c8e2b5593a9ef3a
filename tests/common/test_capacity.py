"""The capacity pattern (maillage.common.capacity) on the test-only models of tests/capacity_app:
counted seats and exclusive time slots, alone, as random sequences, and under real parallel
clients against gunicorn (tests/concurrency.py), on SQLite and on PostgreSQL.
"""

from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from maillage.common.capacity import (
    CapacityReached,
    NoSeatTaken,
    SlotTaken,
    hold_slot,
    release_seat,
    take_seat,
)
from maillage.common.timeranges import TimeRange
from tests.capacity_app.models import Holder, Resource, Seat, Slot
from tests.capacity_app.services import book_seat, book_slot, cancel_seat
from tests.concurrency import Call, send_all

NINE = datetime(2026, 12, 1, 9, tzinfo=ZoneInfo("Europe/Paris"))


def hours(start_h: float, end_h: float) -> TimeRange:
    return TimeRange(NINE + timedelta(hours=start_h), NINE + timedelta(hours=end_h))


# --- counted seats ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_seats_are_taken_until_the_capacity_then_refused():
    holder = Holder.objects.create(capacity=2)
    book_seat(holder_id=holder.pk)
    book_seat(holder_id=holder.pk)
    with pytest.raises(CapacityReached):
        book_seat(holder_id=holder.pk)
    holder.refresh_from_db()
    assert (holder.taken, holder.seats.count()) == (2, 2)


@pytest.mark.django_db
def test_a_released_seat_can_be_taken_again():
    holder = Holder.objects.create(capacity=1)
    seat = book_seat(holder_id=holder.pk)
    cancel_seat(seat=seat)
    holder.refresh_from_db()
    assert (holder.taken, holder.seats.count()) == (0, 0)
    book_seat(holder_id=holder.pk)
    holder.refresh_from_db()
    assert holder.taken == 1


@pytest.mark.django_db
def test_several_seats_at_once_are_all_or_nothing():
    holder = Holder.objects.create(capacity=5)
    with transaction.atomic():
        take_seat(Holder.objects.all(), pk=holder.pk, count=4)
    with pytest.raises(CapacityReached), transaction.atomic():
        take_seat(Holder.objects.all(), pk=holder.pk, count=2)
    holder.refresh_from_db()
    assert holder.taken == 4
    with pytest.raises(NoSeatTaken), transaction.atomic():
        release_seat(Holder.objects.all(), pk=holder.pk, count=5)
    with pytest.raises(ValueError, match="at least 1"), transaction.atomic():
        take_seat(Holder.objects.all(), pk=holder.pk, count=0)


@pytest.mark.django_db
def test_releasing_a_seat_nobody_took_is_refused():
    holder = Holder.objects.create(capacity=3)
    with pytest.raises(NoSeatTaken), transaction.atomic():
        release_seat(Holder.objects.all(), pk=holder.pk)


@pytest.mark.django_db
def test_a_holder_outside_the_callers_scope_does_not_exist_for_them():
    holder = Holder.objects.create(capacity=3)
    with pytest.raises(Holder.DoesNotExist), transaction.atomic():
        take_seat(Holder.objects.exclude(pk=holder.pk), pk=holder.pk)
    with pytest.raises(Holder.DoesNotExist), transaction.atomic():
        release_seat(Holder.objects.exclude(pk=holder.pk), pk=holder.pk)


@pytest.mark.django_db(transaction=True)  # the `db` fixture would wrap the test in one
def test_the_capacity_calls_refuse_to_run_outside_a_transaction():
    holder = Holder.objects.create(capacity=3)
    resource = Resource.objects.create(name="salle")
    with pytest.raises(RuntimeError, match="atomic"):
        take_seat(Holder.objects.all(), pk=holder.pk)
    with pytest.raises(RuntimeError, match="atomic"):
        release_seat(Holder.objects.all(), pk=holder.pk)
    with pytest.raises(RuntimeError, match="atomic"):
        hold_slot(Slot, resource="resource", resource_id=resource.pk, during=hours(0, 1))


@pytest.mark.django_db
@pytest.mark.parametrize(("capacity", "taken"), [(1, 2), (0, 1)])
def test_the_database_refuses_more_seats_taken_than_the_capacity(capacity, taken):
    with pytest.raises(IntegrityError), transaction.atomic():
        Holder.objects.create(capacity=capacity, taken=taken)


@pytest.mark.django_db
def test_the_database_refuses_a_capacity_lowered_under_the_seats_taken():
    holder = Holder.objects.create(capacity=3, taken=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        Holder.objects.filter(pk=holder.pk).update(capacity=1)


@pytest.mark.django_db
def test_the_database_refuses_a_negative_count_of_seats_taken():
    holder = Holder.objects.create(capacity=3)
    with pytest.raises(IntegrityError), transaction.atomic():
        Holder.objects.filter(pk=holder.pk).update(taken=-1)


@pytest.mark.django_db
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    capacity=st.integers(min_value=0, max_value=4),
    moves=st.lists(st.sampled_from(["take", "release"]), max_size=25),
)
def test_random_takes_and_releases_follow_a_counter_and_never_exceed_the_capacity(capacity, moves):
    """Model-based: a plain counter predicts every refusal and the final count."""
    holder = Holder.objects.create(capacity=capacity)
    expected = 0
    for move in moves:
        if move == "take":
            try:
                book_seat(holder_id=holder.pk)
            except CapacityReached:
                assert expected == capacity
            else:
                assert expected < capacity
                expected += 1
        else:
            seat = holder.seats.first()
            if seat is None:
                with pytest.raises(NoSeatTaken), transaction.atomic():
                    release_seat(Holder.objects.all(), pk=holder.pk)
            else:
                cancel_seat(seat=seat)
                expected -= 1
        holder.refresh_from_db()
        assert holder.taken == expected == holder.seats.count()
        assert 0 <= holder.taken <= capacity


# --- exclusive time slots -----------------------------------------------------------------------


@pytest.mark.django_db
def test_an_overlapping_slot_of_the_same_resource_is_refused():
    room = Resource.objects.create(name="salle")
    book_slot(resource_id=room.pk, during=hours(0, 2))
    for during in [hours(1, 3), hours(-1, 1), hours(0.5, 1), hours(-1, 3), hours(0, 2)]:
        with pytest.raises(SlotTaken):
            book_slot(resource_id=room.pk, during=during)
    assert room.slots.count() == 1


@pytest.mark.django_db
def test_adjacent_half_open_slots_and_other_resources_fit():
    room, printer = Resource.objects.create(name="salle"), Resource.objects.create(name="3D")
    book_slot(resource_id=room.pk, during=hours(0, 1))
    book_slot(resource_id=room.pk, during=hours(1, 2))
    book_slot(resource_id=room.pk, during=hours(-1, 0))
    book_slot(resource_id=printer.pk, during=hours(0, 2))
    assert (room.slots.count(), printer.slots.count()) == (3, 1)


@pytest.mark.django_db
def test_slots_are_compared_as_instants_whatever_their_time_zone():
    room = Resource.objects.create(name="salle")
    book_slot(resource_id=room.pk, during=hours(0, 1))
    reunion = ZoneInfo("Indian/Reunion")  # three hours ahead of Paris in December
    with pytest.raises(SlotTaken):
        book_slot(
            resource_id=room.pk,
            during=TimeRange(
                datetime(2026, 12, 1, 12, 30, tzinfo=reunion), NINE + timedelta(hours=2)
            ),
        )
    book_slot(
        resource_id=room.pk,
        during=TimeRange(datetime(2026, 12, 1, 13, tzinfo=reunion), NINE + timedelta(hours=2)),
    )


@pytest.mark.django_db
def test_a_refused_slot_leaves_the_callers_transaction_usable():
    room = Resource.objects.create(name="salle")
    with transaction.atomic():
        book_slot(resource_id=room.pk, during=hours(0, 1))
        with pytest.raises(SlotTaken):
            hold_slot(Slot, resource="resource", resource_id=room.pk, during=hours(0, 1))
        book_slot(resource_id=room.pk, during=hours(1, 2))
    assert room.slots.count() == 2


@pytest.mark.django_db
def test_the_exclusion_constraint_exists_on_postgresql_only():
    """On PostgreSQL the database refuses an overlap written past `hold_slot`; SQLite has no
    exclusion constraint, `hold_slot` checks there inside its IMMEDIATE transaction.
    """
    room = Resource.objects.create(name="salle")
    Slot.objects.create(resource=room, start=NINE, end=NINE + timedelta(hours=1))
    overlapping = {"resource": room, "start": NINE, "end": NINE + timedelta(hours=2)}
    if connection.vendor == "postgresql":
        with pytest.raises(IntegrityError, match="slot_no_overlap"), transaction.atomic():
            Slot.objects.create(**overlapping)
        assert room.slots.count() == 1
    else:
        Slot.objects.create(**overlapping)
        assert room.slots.count() == 2


@pytest.mark.django_db
def test_another_integrity_error_is_not_taken_for_a_slot_taken():
    room = Resource.objects.create(name="salle")
    slot = book_slot(resource_id=room.pk, during=hours(0, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        hold_slot(Slot, resource="resource", resource_id=room.pk, during=hours(5, 6), id=slot.pk)


@pytest.mark.django_db
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.tuples(st.integers(0, 20), st.integers(1, 6)), max_size=15))
def test_random_slots_are_held_exactly_when_they_overlap_no_held_one(requests):
    """Model-based: a list of held ranges predicts each answer; held slots never overlap."""
    room = Resource.objects.create(name="salle")
    held: list[TimeRange] = []
    for start_h, length_h in requests:
        during = hours(start_h, start_h + length_h)
        free = not any(during.overlaps(other) for other in held)
        try:
            book_slot(resource_id=room.pk, during=during)
        except SlotTaken:
            assert not free
        else:
            assert free
            held.append(during)
    stored = [TimeRange(slot.start, slot.end) for slot in room.slots.all()]
    assert sorted(stored, key=lambda r: r.start) == sorted(held, key=lambda r: r.start)


# --- real parallel clients ----------------------------------------------------------------------

server_test = pytest.mark.django_db(transaction=True)


def slot_call(resource: Resource, during: TimeRange) -> Call:
    body = {"start": during.start.isoformat(), "end": during.end.isoformat()}
    return Call("POST", f"/test-capacity/resources/{resource.pk}/slots", body)


@server_test
def test_fifty_parallel_takes_of_three_seats_give_three_seats(app_server):
    holder = Holder.objects.create(capacity=3)
    calls = [Call("POST", f"/test-capacity/holders/{holder.pk}/seats")] * 50
    responses = send_all(app_server.url, calls, clients=50)
    assert Counter(response.status for response in responses) == {201: 3, 409: 47}
    holder.refresh_from_db()
    assert (holder.taken, Seat.objects.filter(holder=holder).count()) == (3, 3)


@server_test
def test_twenty_parallel_holds_of_overlapping_slots_give_one(app_server):
    room = Resource.objects.create(name="salle")
    # Each starts a minute after the previous and lasts an hour: every two overlap.
    calls = [
        slot_call(room, TimeRange(NINE + timedelta(minutes=n), NINE + timedelta(minutes=n + 60)))
        for n in range(20)
    ]
    responses = send_all(app_server.url, calls, clients=20)
    assert Counter(response.status for response in responses) == {201: 1, 409: 19}
    assert Slot.objects.filter(resource=room).count() == 1


@server_test
def test_parallel_holds_of_separate_or_adjacent_slots_all_succeed(app_server):
    room, printer = Resource.objects.create(name="salle"), Resource.objects.create(name="3D")
    separate = [slot_call(room, hours(2 * n, 2 * n + 1)) for n in range(10)]
    adjacent = [slot_call(printer, hours(n, n + 1)) for n in range(10)]
    responses = send_all(app_server.url, separate + adjacent, clients=20)
    assert Counter(response.status for response in responses) == {201: 20}
    assert (room.slots.count(), printer.slots.count()) == (10, 10)
    held = [TimeRange(slot.start, slot.end) for slot in Slot.objects.filter(resource=room)]
    assert all(not a.overlaps(b) for a in held for b in held if a is not b)
    assert sorted(held, key=lambda r: r.start)[0].start == NINE.astimezone(UTC)
