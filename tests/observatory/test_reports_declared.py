"""The indicators that come from declarations, in the observatory's computation: the yearly
declared figures (year grain only) and the commuting avoided (summed into quarters)."""

from datetime import UTC, date, datetime

import pytest

from maillage.observatory import catalogue
from maillage.observatory.compute import Window
from maillage.observatory.services import compute_window
from maillage.organisations.services import declare_commuting
from maillage.places.models import Place
from maillage.territories.models import Territory
from tests.checkins.factories import make_checkin, make_member
from tests.declarations.factories import make_declaration
from tests.places.factories import make_place

pytestmark = pytest.mark.django_db


def test_declared_figures_are_stored_for_the_year_only():
    place = make_place(name="La Ruche")
    make_declaration(place, 2025, revenue_eur=200_000, public_funding_pct=30, staff_fte="2.5")
    year = compute_window(Window("year", date(2025, 1, 1), date(2026, 1, 1)))
    key = (place.pk, date(2025, 1, 1))
    assert year["declared_revenue_eur"][key] == (200_000.0, None)
    assert year["declared_staff_fte"][key] == (2.5, None)
    assert year["declared_public_funding_share"][key] == (60_000.0, 200_000.0)
    month = compute_window(Window("month", date(2025, 1, 1), date(2025, 2, 1)))
    assert month["declared_revenue_eur"] == {}
    assert catalogue.BY_CODE["declared_public_funding_share"].aggregation == "weighted_mean"


def test_commuting_avoided_adds_up_into_the_quarter():
    place = make_place(name="La Gare")
    Place.objects.filter(pk=place.pk).update(latitude=0.0, longitude=0.1)
    Territory.objects.filter(level="commune", code="64348").update(latitude=0.0, longitude=0.0)
    Territory.objects.filter(level="commune", code="64102").update(latitude=0.0, longitude=1.0)
    member = make_member(place)
    declare_commuting(
        actor=member,
        home_commune="64348",
        teleworks=True,
        employer_commune="64102",
        transport_mode="car",
    )
    for month in (1, 2):
        start = datetime(2026, month, 3, 8, tzinfo=UTC)
        make_checkin(place, member, at=start, out=start.replace(hour=14))
    quarter = compute_window(Window("quarter", date(2026, 1, 1), date(2026, 4, 1)))
    km, _none = quarter["commuting_km_avoided"][(place.pk, date(2026, 1, 1))]
    per_day = 2 * 1.3 * 0.9 * 111.19508372419141
    assert km == pytest.approx(2 * per_day)
    kg, _none = quarter["commuting_kg_co2e_avoided"][(place.pk, date(2026, 1, 1))]
    assert kg == pytest.approx(2 * per_day * 0.193)
