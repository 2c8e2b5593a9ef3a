"""Aggregates per territory and network: grouped queries (a constant count), contributing
places, the largest contribution, the aggregation of each kind of indicator."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from maillage.observatory import services
from maillage.observatory.models import AggregateValue, PlaceValue

from .factories import ANGLET, BAYONNE, LESCAR, PAU, place_in

pytestmark = pytest.mark.django_db

COMMUNES = (PAU, LESCAR, ANGLET, BAYONNE)


def _values(places, code, figures, *, period="2026-03"):
    PlaceValue.objects.bulk_create(
        PlaceValue(
            place=place,
            indicator=code,
            grain="month",
            period=period,
            period_start=date(2026, 3, 1),
            numerator=numerator,
            denominator=denominator,
            value=(numerator / denominator if denominator else None)
            if denominator is not None
            else numerator,
        )
        for place, (numerator, denominator) in zip(places, figures, strict=True)
    )


def _places(count):
    return [place_in(COMMUNES[i % len(COMMUNES)], f"Lieu {i}") for i in range(count)]


def _aggregate(level, code, indicator, period="2026-03"):
    return AggregateValue.objects.get(level=level, code=code, indicator=indicator, period=period)


def test_sum_weighted_mean_and_mean_with_places_and_largest():
    places = _places(4)
    _values(places, "visits", [(10, None), (20, None), (30, None), (40, None)])
    _values(places, "occupancy_rate", [(1, 10), (2, 10), (3, 10), (14, 10)])
    _values(places, "opening_hours_per_week", [(30, None), (40, None), (50, None), (60, None)])
    services.rebuild_aggregates(years=[2026])
    visits = _aggregate("departement", "64", "visits")
    assert (visits.value, visits.places, visits.largest) == (100, 4, 40)
    assert _aggregate("departement", "64", "occupancy_rate").value == pytest.approx(20 / 40)
    assert _aggregate("france", "FR", "opening_hours_per_week").value == 45
    assert _aggregate("epci", "200067254", "visits").value == 30  # Pau and Lescar
    assert _aggregate("commune", PAU, "visits").places == 1


@pytest.mark.parametrize("count", [4, 12])
def test_the_aggregates_read_a_constant_number_of_queries(count):
    places = _places(count)
    _values(places, "visits", [(10 + i, None) for i in range(count)])
    _values(places, "desk_days", [(5 + i, None) for i in range(count)])
    with CaptureQueriesContext(connection) as queries:
        services.rebuild_aggregates(years=[2026])
    # One grouped query per level, the territory tree, the stored rows, the writes.
    assert len(queries) <= 14
    assert AggregateValue.objects.filter(level="france", indicator="visits").count() == 1


def test_rebuilding_some_years_leaves_the_years_between_them_alone():
    """`rebuild_aggregates(years=[2024, 2026])` reads and writes those two years only: an
    aggregate of 2025 is neither recomputed nor deleted (it has no place values here)."""
    kept = AggregateValue.objects.create(
        level="france",
        code="FR",
        indicator="visits",
        grain="month",
        period="2025-06",
        period_start=date(2025, 6, 1),
        places=3,
        numerator=12.0,
        value=12.0,
    )
    services.rebuild_aggregates(years=[2024, 2026])
    assert AggregateValue.objects.filter(pk=kept.pk).exists()
    services.rebuild_aggregates(years=[2025])
    assert not AggregateValue.objects.filter(pk=kept.pk).exists()
