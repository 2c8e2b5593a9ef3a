"""Yearly declarations, written through the service like every other writer."""

from maillage.common.actors import SYSTEM
from maillage.declarations.services import declare


def make_declaration(place, year=2025, **values):
    data = {
        "revenue_eur": 120_000,
        "public_funding_pct": 40,
        "staff_fte": "2.5",
        "volunteers": 12,
        "premises_status": "rented",
        "surface_m2": 450,
    }
    data.update(values)
    return declare(actor=SYSTEM, place=place, year=year, values=data)
