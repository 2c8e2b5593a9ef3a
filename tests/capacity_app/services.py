"""The write paths a product app would have, reduced to the capacity calls."""

from django.db import transaction

from maillage.common.capacity import hold_slot, release_seat, run_retrying, take_seat
from maillage.common.timeranges import TimeRange

from .models import Holder, Seat, Slot


def book_seat(*, holder_id: int) -> Seat:
    with transaction.atomic():
        take_seat(Holder.objects.all(), pk=holder_id)
        return Seat.objects.create(holder_id=holder_id)


def cancel_seat(*, seat: Seat) -> None:
    with transaction.atomic():
        release_seat(Holder.objects.all(), pk=seat.holder_id)
        seat.delete()


def book_slot(*, resource_id: int, during: TimeRange) -> Slot:
    # Retried as bookings.services does: on PostgreSQL, overlapping inserts checked by the
    # exclusion constraint at the same instant can wait on each other, and one is aborted.
    def book() -> Slot:
        with transaction.atomic():
            return hold_slot(Slot, resource="resource", resource_id=resource_id, during=during)

    return run_retrying(book)
