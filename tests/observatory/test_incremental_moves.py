"""Incremental recomputation of deletions and moved dates: both the old and the new month are
marked, and a deleted object is placed and dated from its own audit entries."""

from datetime import date, datetime, timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from maillage.audit.services import chain_pending, record
from maillage.bookings import services as bookings
from maillage.common.actors import SYSTEM
from maillage.events import services as events
from maillage.observatory import services
from maillage.observatory.models import PlaceValue, StaleMonth
from maillage.observatory.periods import add_months, month_start
from maillage.sharing import services as sharing
from tests.accounts.factories import UserFactory
from tests.bookings.factories import make_booking, make_resource
from tests.checkins.factories import make_checkin, make_member
from tests.events.factories import make_event
from tests.sharing.factories import make_item

from .factories import LESCAR, PAU, at, place_in

pytestmark = pytest.mark.django_db

TODAY = date(2026, 6, 15)  # when the changes are recorded
MARCH, JUNE, SEPTEMBER = date(2026, 3, 1), date(2026, 6, 1), date(2026, 9, 1)


@pytest.fixture
def places():
    return place_in(PAU, "Un"), place_in(LESCAR, "Deux")


def _moment(place, day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=place.timezone)


def _marks() -> set[tuple[int, date]]:
    chain_pending()
    services.mark_from_audit()
    return set(StaleMonth.objects.values_list("place_id", "month"))


def _settle() -> None:
    """Read what the fixtures wrote, then start from no marks."""
    chain_pending()
    services.mark_from_audit()
    StaleMonth.objects.all().delete()


def _delete(obj, action: str, changes: dict) -> None:
    """A deletion as a writer records it: the entry with the object's last state, then the row."""
    with transaction.atomic():
        record(actor=SYSTEM, action=action, target=obj, changes=changes)
        obj.delete()


def _recorded_today(monkeypatch):
    """The entries of the change are dated TODAY (June), not the objects' months."""
    moment = timezone.make_aware(datetime(TODAY.year, TODAY.month, TODAY.day, 12))
    monkeypatch.setattr("maillage.audit.services.timezone.now", lambda: moment)


def test_a_moved_booking_marks_its_old_and_new_months(places, monkeypatch):
    first, _second = places
    resource = make_resource(first)
    person = make_member(first)
    march_10 = date(2026, 3, 10)
    start, end = _moment(first, march_10, 9), _moment(first, march_10, 11)
    booking = make_booking(resource, person, start, end)
    _settle()
    _recorded_today(monkeypatch)
    bookings.change_booking(
        actor=SYSTEM,
        booking=booking,
        start=_moment(first, date(2026, 9, 10), 9),
        end=_moment(first, date(2026, 9, 10), 11),
        override_reason="déplacée",
    )
    assert _marks() == {(first.pk, MARCH), (first.pk, JUNE), (first.pk, SEPTEMBER)}


def test_a_deleted_booking_marks_its_month_from_its_entries(places, monkeypatch):
    first, _second = places
    resource = make_resource(first)
    booking = make_booking(
        resource,
        make_member(first),
        _moment(first, date(2026, 3, 10), 9),
        _moment(first, date(2026, 3, 10), 11),
    )
    _settle()
    _recorded_today(monkeypatch)
    # Even a deletion that records nothing is placed by the booking's creation entry.
    _delete(booking, "booking.delete", {})
    assert _marks() == {(first.pk, MARCH)}


def test_a_deleted_checkin_marks_its_month(places, monkeypatch):
    first, second = places
    day = date(2026, 3, 10)
    checkin = make_checkin(first, make_member(first), at=at(day, 9), out=at(day, 10))
    make_checkin(second, make_member(second), at=at(day, 9), out=at(day, 10))
    _settle()
    _recorded_today(monkeypatch)
    _delete(
        checkin,
        "checkin.delete",
        {"place": [first.pk, None], "checked_in_at": [at(day, 9), None]},
    )
    assert _marks() == {(first.pk, MARCH)}


def test_a_moved_event_marks_both_months_and_a_deleted_one_its_month(places, monkeypatch):
    first, _second = places
    moved = make_event(first, start=_moment(first, date(2026, 3, 12), 18))
    gone = make_event(first, start=_moment(first, date(2026, 4, 2), 18))
    _settle()
    _recorded_today(monkeypatch)
    events.update_event(
        actor=SYSTEM,
        event=moved,
        data={
            "start": _moment(first, date(2026, 9, 12), 18),
            "end": _moment(first, date(2026, 9, 12), 20),
        },
    )
    # The event's creation does not name its place: the deletion's entry does.
    _delete(gone, "event.delete", {"place": [first.pk, None], "start": [gone.start, None]})
    assert _marks() == {
        (first.pk, MARCH),
        (first.pk, date(2026, 4, 1)),
        (first.pk, JUNE),
        (first.pk, SEPTEMBER),
    }


def test_a_deleted_registration_marks_its_events_month(places, monkeypatch):
    first, _second = places
    event = make_event(first, start=timezone.now() + timedelta(days=3))
    registration = events.register(actor=SYSTEM, event=event, user=UserFactory())
    _settle()
    _recorded_today(monkeypatch)
    _delete(registration, "registration.delete", {})
    event_month = month_start(timezone.localdate(event.start))
    assert _marks() == {(first.pk, event_month)}


def test_a_deleted_loan_marks_its_month(places):
    """A loan's entries hold no date: it counts at its creation, the first entry's day."""
    first, _second = places
    loan = sharing.check_out(
        actor=SYSTEM, item=make_item(first), borrower=make_member(first), deposit_paid=True
    )
    lent = month_start(timezone.localdate(loan.checked_out_at))
    _settle()
    _delete(loan, "loan.delete", {"place": [first.pk, None]})
    assert _marks() == {(first.pk, lent)}


def test_a_deleted_checkin_is_recomputed_incrementally(places):
    first, second = places
    today = timezone.localdate()
    last_month = add_months(month_start(today), -1)
    kept = make_checkin(first, make_member(first), at=at(last_month, 9), out=at(last_month, 10))
    gone = make_checkin(first, make_member(first), at=at(last_month, 9), out=at(last_month, 10))
    make_checkin(second, make_member(second), at=at(last_month, 9), out=at(last_month, 10))
    chain_pending()
    services.compute_all()
    period = f"{last_month:%Y-%m}"
    assert PlaceValue.objects.get(place=first, indicator="visits", period=period).value == 2
    untouched = dict(PlaceValue.objects.filter(place=second).values_list("pk", "computed_at"))
    _delete(gone, "checkin.delete", {})
    chain_pending()
    services.recompute_stale()
    assert kept.pk
    assert PlaceValue.objects.get(place=first, indicator="visits", period=period).value == 1
    assert (
        dict(PlaceValue.objects.filter(place=second).values_list("pk", "computed_at")) == untouched
    )
