"""Territory outlines: decoding the shipped file and finding the commune a point lies in.

Pure Python and numpy, no Django and no GEOS: the running application never imports shapely
(it is a build-time dependency of `scripts/build_territories.py`). Outlines are stored on
`Territory.outline` as compact GeoJSON MultiPolygon text (longitude, latitude; 5 decimals) with
their bounding box, so that a lookup first keeps the few communes whose box holds the point,
then counts ray crossings (even-odd rule) over their edges.

The shipped outlines are simplified together (`coverage_simplify`), so neighbouring communes
share their borders: a point on land is inside exactly one of them. A point in no outline (on
a shore the simplification cut off, in a harbour) takes the commune whose border is nearest,
within `NEAREST_MARGIN_DEG`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

DECIMALS = 5
# How far (in degrees of latitude, about 1.1 km) a point outside every outline may be from the
# nearest commune border to still be given that commune.
NEAREST_MARGIN_DEG = 0.01

Ring = list[tuple[float, float]]  # (longitude, latitude), closed
Polygons = list[list[Ring]]  # polygons, each an exterior ring then its holes
BBox = tuple[float, float, float, float]  # (west, south, east, north)


def decode_polyline(text: str, decimals: int = DECIMALS) -> Ring:
    """An encoded polyline (latitude first) as a closed ring of (longitude, latitude)."""
    factor = 10**decimals
    numbers: list[int] = []
    value = shift = 0
    for char in text:
        byte = ord(char) - 63
        value |= (byte & 0x1F) << shift
        shift += 5
        if byte < 0x20:
            numbers.append(~(value >> 1) if value & 1 else value >> 1)
            value = shift = 0
    ring: Ring = []
    latitude = longitude = 0
    for index in range(0, len(numbers) - 1, 2):
        latitude += numbers[index]
        longitude += numbers[index + 1]
        ring.append((longitude / factor, latitude / factor))
    if ring:
        ring.append(ring[0])
    return ring


def decode_polygons(encoded: Sequence[Sequence[str]]) -> Polygons:
    return [[decode_polyline(ring) for ring in polygon] for polygon in encoded]


def bbox_of(polygons: Polygons) -> BBox:
    longitudes = [point[0] for polygon in polygons for point in polygon[0]]
    latitudes = [point[1] for polygon in polygons for point in polygon[0]]
    return min(longitudes), min(latitudes), max(longitudes), max(latitudes)


def to_geojson(polygons: Polygons) -> str:
    """Compact GeoJSON MultiPolygon text (no spaces, 5 decimals)."""
    coordinates = [
        [[[round(lon, DECIMALS), round(lat, DECIMALS)] for lon, lat in ring] for ring in polygon]
        for polygon in polygons
    ]
    return json.dumps({"type": "MultiPolygon", "coordinates": coordinates}, separators=(",", ":"))


def polygons_from_geojson(text: str) -> Polygons:
    geometry = json.loads(text)
    coordinates = geometry["coordinates"]
    if geometry["type"] == "Polygon":
        coordinates = [coordinates]
    return [[[(lon, lat) for lon, lat in ring] for ring in polygon] for polygon in coordinates]


def edges(polygons: Polygons) -> np.ndarray:
    """Every edge of every ring as rows (x1, y1, x2, y2)."""
    parts = []
    for polygon in polygons:
        for ring in polygon:
            points = np.asarray(ring, dtype=np.float64)
            if len(points) >= 2:
                parts.append(np.hstack([points[:-1], points[1:]]))
    return np.vstack(parts) if parts else np.empty((0, 4))


def contains(edge_rows: np.ndarray, longitude: float, latitude: float) -> bool:
    """Even-odd ray casting: whether the point is inside (holes and islands included)."""
    x1, y1, x2, y2 = edge_rows.T
    straddles = (y1 > latitude) != (y2 > latitude)
    if not straddles.any():
        return False
    x1, y1, x2, y2 = x1[straddles], y1[straddles], x2[straddles], y2[straddles]
    crossing_x = x1 + (latitude - y1) * (x2 - x1) / (y2 - y1)
    return bool(np.count_nonzero(longitude < crossing_x) % 2)


def distance_deg(edge_rows: np.ndarray, longitude: float, latitude: float) -> float:
    """Distance from the point to the nearest edge, in degrees of latitude (local scale)."""
    if not len(edge_rows):
        return math.inf
    scale = math.cos(math.radians(latitude))
    x1, y1, x2, y2 = edge_rows.T
    ax, ay = (x1 - longitude) * scale, y1 - latitude
    dx, dy = (x2 - x1) * scale, y2 - y1
    length2 = dx * dx + dy * dy
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(length2 > 0, -(ax * dx + ay * dy) / length2, 0.0)
    t = np.clip(t, 0.0, 1.0)
    return float(np.sqrt(np.min((ax + t * dx) ** 2 + (ay + t * dy) ** 2)))


@dataclass
class OutlineIndex:
    """Finds which of a set of outlines holds a point.

    `codes[i]` has the bounding box `bboxes[i]` (west, south, east, north) and its outline is
    given by `outline(i)` (GeoJSON text), parsed only when a point falls in its box.
    """

    codes: list[str]
    bboxes: np.ndarray
    outline: Callable[[int], str]

    def __post_init__(self) -> None:
        self._edges: dict[int, np.ndarray] = {}

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[str, float, float, float, float, str]]):
        """Rows of (code, west, south, east, north, geojson); rows without a box are skipped."""
        kept = [row for row in rows if row[1] is not None and row[5]]
        texts = [row[5] for row in kept]
        bboxes = np.array([row[1:5] for row in kept], dtype=np.float64).reshape(-1, 4)
        return cls([row[0] for row in kept], bboxes, texts.__getitem__)

    def _edges_of(self, index: int) -> np.ndarray:
        if index not in self._edges:
            self._edges[index] = edges(polygons_from_geojson(self.outline(index)))
        return self._edges[index]

    def _candidates(self, longitude: float, latitude: float, margin: float) -> np.ndarray:
        if not len(self.codes):
            return np.empty(0, dtype=np.intp)
        west, south, east, north = self.bboxes.T
        lon_margin = margin / max(math.cos(math.radians(latitude)), 0.1)
        inside = (
            (west - lon_margin <= longitude)
            & (longitude <= east + lon_margin)
            & (south - margin <= latitude)
            & (latitude <= north + margin)
        )
        return np.flatnonzero(inside)

    def locate(self, latitude: float, longitude: float) -> str | None:
        """The code of the outline holding the point, else of the nearest one within the margin."""
        nearby = self._candidates(longitude, latitude, NEAREST_MARGIN_DEG)
        west, south, east, north = self.bboxes[nearby].T if len(nearby) else ([],) * 4
        boxed = [
            int(index)
            for index, w, s, e, n in zip(nearby, west, south, east, north, strict=True)
            if w <= longitude <= e and s <= latitude <= n
        ]
        for index in boxed:
            if contains(self._edges_of(index), longitude, latitude):
                return self.codes[index]
        best, best_distance = None, NEAREST_MARGIN_DEG
        for index in nearby:
            distance = distance_deg(self._edges_of(int(index)), longitude, latitude)
            if distance <= best_distance:
                best, best_distance = self.codes[int(index)], distance
        return best
