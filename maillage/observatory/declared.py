"""The sources of the indicators that come from declarations (see `compute.py` for what a
source is): the commuting members avoid (from their commuting declarations and their
check-ins, `declarations.commuting`) and the figures a place declares once a year
(`declarations.Declaration`).

- Commuting is a flow: computed by month, summed into quarters and years.
- Declared figures are yearly: they have a value for the year only (no month or quarter
  figure is invented from them). The public-funding share is a ratio: the public part of the
  revenue over the revenue, so that a territory's share weighs each place by its revenue.
"""

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from maillage.declarations.commuting import commuting_avoided
from maillage.declarations.models import Declaration
from maillage.places.models import Place

Results = dict[str, dict[tuple[int, date], tuple[float, float | None]]]


def _period_start(grain: str, month: date) -> date:
    if grain == "year":
        return date(month.year, 1, 1)
    if grain == "quarter":
        return date(month.year, (month.month - 1) // 3 * 3 + 1, 1)
    return month


def commuting(window: Any) -> Results:
    """`commuting_km_avoided` and `commuting_kg_co2e_avoided` per place and period."""
    places = Place.objects.only("pk", "latitude", "longitude", "departement_code", "region_code")
    if window.place_ids is not None:
        places = places.filter(pk__in=window.place_ids)
    result = commuting_avoided(
        places=places, start=window.start, end=window.end - timedelta(days=1)
    )
    km: dict[tuple[int, date], float] = defaultdict(float)
    kg: dict[tuple[int, date], float] = defaultdict(float)
    for month in result.months:
        key = (month.place_id, _period_start(window.grain, month.month))
        km[key] += month.km_avoided
        kg[key] += month.kg_co2e_avoided
    return {
        "commuting_km_avoided": {key: (value, None) for key, value in km.items()},
        "commuting_kg_co2e_avoided": {key: (value, None) for key, value in kg.items()},
    }


DECLARED_FIELDS = {
    "declared_revenue_eur": "revenue_eur",
    "declared_staff_fte": "staff_fte",
    "declared_volunteers": "volunteers",
    "declared_surface_m2": "surface_m2",
}


def declarations(window: Any) -> Results:
    """The declared figures of the years of `window` (yearly grain only; one query)."""
    results: Results = {code: {} for code in [*DECLARED_FIELDS, "declared_public_funding_share"]}
    if window.grain != "year":
        return results
    rows = Declaration.objects.filter(year__gte=window.start.year, year__lt=window.end.year + 1)
    if window.place_ids is not None:
        rows = rows.filter(place_id__in=window.place_ids)
    for row in rows.filter(year__lte=(window.end - timedelta(days=1)).year):
        key = (row.place_id, date(row.year, 1, 1))
        for code, field in DECLARED_FIELDS.items():
            value = getattr(row, field)
            if value is not None:
                results[code][key] = (float(value), None)
        if row.revenue_eur and row.public_funding_pct is not None:
            results["declared_public_funding_share"][key] = (
                row.revenue_eur * row.public_funding_pct / 100,
                float(row.revenue_eur),
            )
    return results
