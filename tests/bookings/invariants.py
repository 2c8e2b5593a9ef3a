"""What the database holds, checked against capacity from the rows themselves."""

from itertools import pairwise

from maillage.bookings.models import Booking, BookingStatus


def max_seats_in_use(resource) -> int:
    """The most seats held at one instant by the confirmed bookings of `resource` (a sweep over
    their starts and ends, read back from the database)."""
    events: dict = {}
    rows = Booking.objects.filter(resource=resource, status=BookingStatus.CONFIRMED).values_list(
        "start", "end", "seats"
    )
    for start, end, seats in rows:
        events[start] = events.get(start, 0) + seats
        events[end] = events.get(end, 0) - seats
    in_use = peak = 0
    for moment, _following in pairwise([*sorted(events), None]):
        in_use += events[moment]
        peak = max(peak, in_use)
    return peak
