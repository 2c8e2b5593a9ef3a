"""Decoding outlines and finding the polygon that holds a point (pure Python and numpy)."""

import json

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from maillage.territories.outlines import (
    OutlineIndex,
    bbox_of,
    contains,
    decode_polyline,
    edges,
    polygons_from_geojson,
    to_geojson,
)

SQUARE = [[(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0), (0.0, 0.0)]]
HOLE = [(0.25, 0.25), (0.25, 0.75), (0.75, 0.75), (0.75, 0.25), (0.25, 0.25)]


def test_decodes_the_reference_polyline():
    """The example of the encoded polyline algorithm's documentation, closed as a ring."""
    ring = decode_polyline("_p~iF~ps|U_ulLnnqC_mqNvxq`@")
    assert ring == [
        (-120.2, 38.5),
        (-120.95, 40.7),
        (-126.453, 43.252),
        (-120.2, 38.5),
    ]


def test_geojson_round_trip_and_bbox():
    polygons = [SQUARE, [[(2.0, 2.0), (3.0, 2.0), (3.0, 3.0), (2.0, 2.0)]]]
    text = to_geojson(polygons)
    assert json.loads(text)["type"] == "MultiPolygon"
    assert " " not in text
    assert polygons_from_geojson(text) == polygons
    assert bbox_of(polygons) == (0.0, 0.0, 3.0, 3.0)


def test_point_in_a_literal_square():
    rings = edges([SQUARE])
    assert contains(rings, 0.5, 0.5)
    assert not contains(rings, 1.5, 0.5)
    assert not contains(rings, 0.5, -0.1)
    assert not contains(rings, -0.5, 0.5)


def test_holes_and_islands():
    donut = edges([[SQUARE[0], HOLE]])
    assert contains(donut, 0.1, 0.1)
    assert not contains(donut, 0.5, 0.5)  # in the hole
    islands = edges([SQUARE, [[(5.0, 5.0), (6.0, 5.0), (6.0, 6.0), (5.0, 6.0), (5.0, 5.0)]]])
    assert contains(islands, 5.5, 5.5)
    assert not contains(islands, 3.0, 3.0)


@given(
    x=st.floats(min_value=-1.0, max_value=2.0, allow_nan=False),
    y=st.floats(min_value=-1.0, max_value=2.0, allow_nan=False),
)
def test_ray_casting_agrees_with_the_square_inequalities(x, y):
    rings = edges([[SQUARE[0], HOLE]])
    in_square = 0 < x < 1 and 0 < y < 1
    in_hole = 0.25 < x < 0.75 and 0.25 < y < 0.75
    on_border = x in (0, 1, 0.25, 0.75) or y in (0, 1, 0.25, 0.75)
    if not on_border:
        assert contains(rings, x, y) == (in_square and not in_hole)


def _index(*named):
    rows = [(code, *bbox_of(polygons), to_geojson(polygons)) for code, polygons in named]
    return OutlineIndex.from_rows(rows)


def test_index_finds_the_holder_and_falls_back_to_the_nearest_border():
    left = [[[(0.0, 45.0), (0.1, 45.0), (0.1, 45.1), (0.0, 45.1), (0.0, 45.0)]]]
    right = [[[(0.1, 45.0), (0.2, 45.0), (0.2, 45.1), (0.1, 45.1), (0.1, 45.0)]]]
    index = _index(("A", left), ("B", right))
    assert index.locate(45.05, 0.05) == "A"  # latitude first, as everywhere in Maillage
    assert index.locate(45.05, 0.15) == "B"
    assert index.locate(45.05, 0.205) == "B"  # just off the coast: the nearest border
    assert index.locate(45.05, 0.3) is None  # too far from any
    assert index.locate(50.0, 5.0) is None


def test_an_empty_index_locates_nothing():
    index = OutlineIndex.from_rows([])
    assert index.locate(45.0, 0.0) is None
    assert index.bboxes.shape == (0, 4)
    assert isinstance(index.bboxes, np.ndarray)
