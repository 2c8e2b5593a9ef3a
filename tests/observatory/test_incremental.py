"""Incremental recomputation: a change marks only its place-month, read from the audit log."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from maillage.audit.services import chain_pending
from maillage.observatory import services
from maillage.observatory.models import PlaceValue, StaleMonth
from maillage.observatory.periods import month_start
from tests.checkins.factories import make_checkin, make_member

from .factories import LESCAR, PAU, at, place_in

pytestmark = pytest.mark.django_db


def a_past_day() -> date:
    """Yesterday on the instance's clock: its morning hours have passed whatever the time of
    the run (today's 8 o'clock is still to come when the suite runs after midnight)."""
    return timezone.localdate() - timedelta(days=1)


@pytest.fixture
def two_places():
    first, second = place_in(PAU, "Un"), place_in(LESCAR, "Deux")
    today = a_past_day()
    for place in (first, second):
        make_checkin(place, make_member(place), at=at(today, 8), out=at(today, 9))
    # On PostgreSQL the test's transaction never commits: link its audit entries now.
    chain_pending()
    services.compute_all()
    return first, second


def test_a_new_checkin_marks_only_its_place_month(two_places):
    first, _second = two_places
    assert not StaleMonth.objects.exists()
    today = a_past_day()
    make_checkin(first, make_member(first), at=at(today, 10), out=at(today, 11))
    chain_pending()
    services.mark_from_audit()
    assert set(StaleMonth.objects.values_list("place_id", "month")) == {
        (first.pk, month_start(today))
    }


def test_recompute_stale_computes_that_place_month_and_its_quarter_and_year(
    two_places, monkeypatch
):
    first, second = two_places
    today = a_past_day()
    before = dict(PlaceValue.objects.filter(place=second).values_list("pk", "computed_at"))
    first_visits = PlaceValue.objects.get(place=first, indicator="visits", period=f"{today:%Y-%m}")
    make_checkin(first, make_member(first), at=at(today, 10), out=at(today, 11))
    chain_pending()
    windows = []
    real = services.compute_window

    def spy(window):
        windows.append(window)
        return real(window)

    monkeypatch.setattr(services, "compute_window", spy)
    report = services.recompute_stale()
    assert sorted(window.grain for window in windows) == ["month", "quarter", "year"]
    assert all(window.place_ids == frozenset({first.pk}) for window in windows)
    visits = PlaceValue.objects.get(place=first, indicator="visits", period=f"{today:%Y-%m}")
    assert visits.value == 2
    # An updated value says when it was computed again (`update_many` runs no auto_now).
    assert visits.pk == first_visits.pk and visits.computed_at > first_visits.computed_at
    assert report.places.updated >= 1
    # The other place's rows were not rewritten.
    assert dict(PlaceValue.objects.filter(place=second).values_list("pk", "computed_at")) == before
    assert not StaleMonth.objects.exists()


def test_a_checkin_dated_in_the_past_marks_its_own_month(two_places):
    first, _second = two_places
    past = date(timezone.localdate().year - 1, 3, 10)
    make_checkin(first, make_member(first), at=at(past, 10), out=at(past, 11))
    chain_pending()
    services.mark_from_audit()
    assert (first.pk, date(past.year, 3, 1)) in set(
        StaleMonth.objects.values_list("place_id", "month")
    )


def test_a_second_full_computation_writes_nothing(two_places):
    report = services.compute_all()
    assert report.places.changed == 0
    assert report.aggregates.changed == 0


def test_mark_stale_is_idempotent(two_places):
    first, _second = two_places
    services.mark_stale(place_id=first.pk, when=date(2026, 5, 17))
    services.mark_stale(place_id=first.pk, when=date(2026, 5, 3))
    assert list(StaleMonth.objects.values_list("month", flat=True)) == [date(2026, 5, 1)]
