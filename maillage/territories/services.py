"""Writes about territories: loading the shipped reference file."""

import csv
import gzip
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from maillage.common.text import fold

from .models import Territory

SHIPPED_FILE = Path(__file__).resolve().parent / "data" / "territories.csv.gz"
COMPARED_FIELDS = (
    "name",
    "search_name",
    "population",
    "latitude",
    "longitude",
    "location_precision",
    "departement_code",
    "region_code",
    "epci_code",
    "postal_codes",
)
BATCH_SIZE = 2000


@dataclass(frozen=True)
class LoadReport:
    created: int
    updated: int
    unchanged: int
    deleted: int


def _read_rows(path: Path):
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            yield Territory(
                level=row["level"],
                code=row["code"],
                name=row["name"],
                search_name=fold(row["name"]),
                population=int(row["population"] or 0),
                latitude=float(row["latitude"]) if row["latitude"] else None,
                longitude=float(row["longitude"]) if row["longitude"] else None,
                location_precision=row["location_precision"],
                departement_code=row["departement"],
                region_code=row["region"],
                epci_code=row["epci"],
                postal_codes=row["postal_codes"],
            )


@transaction.atomic
def load_territories(*, path: Path = SHIPPED_FILE) -> LoadReport:
    """Make the territory table equal to the reference file; a second run changes nothing.

    Territories no longer in the file are removed unless a place still points at them
    (a merged commune keeps its places until they are moved).
    """
    existing = {(t.level, t.code): t for t in Territory.objects.all()}
    to_create, to_update, seen = [], [], set()
    for incoming in _read_rows(path):
        key = (incoming.level, incoming.code)
        seen.add(key)
        current = existing.get(key)
        if current is None:
            to_create.append(incoming)
            continue
        changed = False
        for name in COMPARED_FIELDS:
            if getattr(current, name) != getattr(incoming, name):
                setattr(current, name, getattr(incoming, name))
                changed = True
        if changed:
            to_update.append(current)
    Territory.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
    Territory.objects.bulk_update(to_update, COMPARED_FIELDS, batch_size=BATCH_SIZE)
    stale = [t.pk for key, t in existing.items() if key not in seen]
    deleted = 0
    if stale:
        deleted, _ = Territory.objects.filter(pk__in=stale, places__isnull=True).distinct().delete()
    return LoadReport(
        created=len(to_create),
        updated=len(to_update),
        unchanged=len(seen) - len(to_create) - len(to_update),
        deleted=deleted,
    )
