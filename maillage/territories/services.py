"""Writes about territories: loading the shipped reference file."""

import csv
import gzip
import json
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from maillage.common.text import fold

from .models import Territory

SHIPPED_FILE = Path(__file__).resolve().parent / "data" / "territories.csv.gz"
# Beside the territory file: its outlines (`scripts/build_territories.py`); optional.
OUTLINES_FILE_NAME = "outlines.json.gz"
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
    "outline",
    "bbox_west",
    "bbox_south",
    "bbox_east",
    "bbox_north",
)
BATCH_SIZE = 500


@dataclass(frozen=True)
class LoadReport:
    created: int
    updated: int
    unchanged: int
    deleted: int


def read_outlines(path: Path) -> dict[tuple[str, str], list]:
    """The encoded outlines of the file at `path`, by (level, code); {} when there is none."""
    if not path.exists():
        return {}
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        document = json.load(handle)
    if document.get("format") != "polyline5":
        raise ValueError(f"{path}: unknown outline format {document.get('format')!r}")
    return {
        (level, code): polygons
        for level, by_code in document["levels"].items()
        for code, polygons in by_code.items()
    }


def _with_outline(territory: Territory, encoded: list | None) -> Territory:
    from .outlines import bbox_of, decode_polygons, to_geojson  # numpy: only when loading

    if encoded:
        polygons = decode_polygons(encoded)
        territory.outline = to_geojson(polygons)
        west, south, east, north = bbox_of(polygons)
        territory.bbox_west, territory.bbox_south = west, south
        territory.bbox_east, territory.bbox_north = east, north
    else:
        territory.outline = ""  # the stored value, not the database default's placeholder
    return territory


def _read_rows(path: Path):
    outlines = read_outlines(path.with_name(OUTLINES_FILE_NAME))
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            territory = Territory(
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
            yield _with_outline(territory, outlines.get((row["level"], row["code"])))


@transaction.atomic
def load_territories(*, path: Path = SHIPPED_FILE) -> LoadReport:
    """Make the territory table equal to the reference file; a second run changes nothing.

    Territories no longer in the file are removed unless a place still points at them
    (a merged commune keeps its places until they are moved). Outlines come from
    `outlines.json.gz` beside the file, when there is one.
    """
    existing = {(t.level, t.code): t for t in Territory.objects.defer(None)}
    to_create, to_update, seen = [], [], set()
    for incoming in _read_rows(path):
        key = (incoming.level, incoming.code)
        seen.add(key)
        current = existing.get(key)
        if current is None:
            to_create.append(incoming)
            continue
        changes = {
            name: getattr(incoming, name)
            for name in COMPARED_FIELDS
            if getattr(current, name) != getattr(incoming, name)
        }
        if changes:
            to_update.append((current.pk, changes))
    Territory.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
    # One UPDATE per changed row, of its changed columns only: `bulk_update`'s CASE expressions
    # over ~36,000 rows with their outlines took minutes on PostgreSQL; this takes seconds.
    for pk, changes in to_update:
        Territory.objects.filter(pk=pk).update(**changes)
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
