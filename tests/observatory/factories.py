"""Helpers of the observatory tests: places in chosen communes, moments, windows."""

from datetime import date, datetime

from django.utils import timezone

from maillage.observatory.compute import Window
from tests.places.factories import make_place

# The reference sample (tests/territories/factories.py): Pau and Lescar in the EPCI of Pau,
# Anglet and Bayonne outside it, all four in département 64, région 75; Paris apart.
PAU, LESCAR, ANGLET, BAYONNE, PARIS = "64445", "64348", "64024", "64102", "75056"


def place_in(commune: str, name: str, **fields):
    return make_place(name=name, insee_code=commune, **fields)


def at(day: date, hour: int = 9, minute: int = 0) -> datetime:
    """An aware moment on the instance's clock."""
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour, minute))


def month(year: int, number: int, place_ids=None) -> Window:
    start = date(year, number, 1)
    end = date(year + (number == 12), number % 12 + 1, 1)
    return Window("month", start, end, frozenset(place_ids) if place_ids else None)


def quarter(year: int, number: int) -> Window:
    start = date(year, 3 * (number - 1) + 1, 1)
    end = date(year + (number == 4), (3 * number) % 12 + 1, 1)
    return Window("quarter", start, end)
