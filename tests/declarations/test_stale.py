"""A yearly declaration marks its year's place-months stale: the next incremental run of the
observatory recomputes the declared values of that place, and only those."""

from datetime import date

import pytest

from maillage.audit.services import chain_pending
from maillage.observatory import services
from maillage.observatory.models import PlaceValue, StaleMonth
from tests.observatory.factories import LESCAR, PAU, place_in

from .factories import make_declaration

pytestmark = pytest.mark.django_db

YEAR = 2025
TODAY = date(2026, 6, 15)


@pytest.fixture
def places():
    first, second = place_in(PAU, "Un"), place_in(LESCAR, "Deux")
    make_declaration(second, year=YEAR, revenue_eur=80_000)
    chain_pending()
    services.compute_all(since=date(YEAR, 1, 1), today=TODAY)
    return first, second


def _revenue(place) -> float | None:
    row = PlaceValue.objects.filter(
        place=place, indicator="declared_revenue_eur", period=str(YEAR)
    ).first()
    return row.value if row else None


def test_a_declaration_marks_every_month_of_its_year(places):
    first, _second = places
    make_declaration(first, year=YEAR)
    chain_pending()
    services.mark_from_audit()
    assert set(StaleMonth.objects.values_list("place_id", "month")) == {
        (first.pk, date(YEAR, month, 1)) for month in range(1, 13)
    }


def test_declare_then_an_incremental_run_updates_only_that_place(places):
    first, second = places
    assert _revenue(first) is None
    untouched = dict(PlaceValue.objects.filter(place=second).values_list("pk", "computed_at"))
    make_declaration(first, year=YEAR, revenue_eur=120_000)
    chain_pending()
    services.recompute_stale(today=TODAY)
    assert _revenue(first) == 120_000
    assert not StaleMonth.objects.exists()
    # The other place's rows were not rewritten.
    after = dict(PlaceValue.objects.filter(place=second).values_list("pk", "computed_at"))
    assert after == untouched


def test_a_corrected_declaration_is_recomputed(places):
    _first, second = places
    assert _revenue(second) == 80_000
    make_declaration(second, year=YEAR, revenue_eur=95_000)
    chain_pending()
    services.recompute_stale(today=TODAY)
    assert _revenue(second) == 95_000
