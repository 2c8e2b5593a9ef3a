"""Organisations, created through the organisations services like every other writer."""

from datetime import date

from maillage.common.actors import SYSTEM
from maillage.organisations import services

# A valid SIRET (Luhn) and its SIREN.
SIRET = "73282932000074"


def make_organisation(place, *, kind="resident_office", start_date=date(2025, 1, 6), **fields):
    values = {"name": "Atelier Bois", "contact_email": "contact@atelier.example.org"}
    values.update(fields)
    return services.create_organisation(
        actor=SYSTEM, place=place, kind=kind, start_date=start_date, **values
    )
