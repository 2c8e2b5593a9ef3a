"""The map's data at any zoom: places grouped by the cells of a grid, or the places themselves.

A national instance holds tens of thousands of places; the whole GeoJSON is 40 MB at 50,000.
The map asks instead for what it shows (`GET /api/v1/places.clusters?bbox=…&zoom=…`): the
places of the view, grouped by the cells of a grid of `CELL_PX` screen pixels at that zoom
(Web Mercator, as the map's tiles), each cell with its count, its count per kind and the mean
position of its places; a cell holding one place gives the place itself, and from `POINTS_ZOOM`
every place of the view is a point.

The places are read once per data version into compact arrays (`MapArrays`, a few MB at 50,000
places: ids, coordinates, kinds as a bit mask, status, territory codes, names), kept in the
process and in Django's cache (the database cache in production), so that every server and
worker reads them once per change; a request then only masks and counts with numpy (a
millisecond or two at 50,000 places). The version (`data_version`) is one query of three index
lookups: the last entry of the change log (every write service appends one), the largest place
id and the latest update.

See docs/architecture.md (« The map ») and docs/decisions.md for why arrays rather than a
grouped SQL query.
"""

import hashlib
import math
import threading
from dataclasses import dataclass, replace

import numpy as np
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils.translation import gettext as _

from maillage.common.errors import FieldError, ValidationFailed

from .kinds import PlaceKind, PlaceStatus
from .models import Place, PlaceChange, PlaceKindLink
from .selectors import PlaceFilters, matching_place_ids

# A cell of the grid is this many screen pixels wide at the requested zoom (a power of two: the
# cells of a zoom split in four at the next one); a cluster marker is at most 50 px across,
# so that neighbouring groups hardly overlap.
CELL_PX = 64
TILE_PX = 256
MIN_ZOOM = 0
MAX_ZOOM = 20
# From this zoom (streets) every place of the view is a point, up to MAX_POINTS of them.
POINTS_ZOOM = 14
MAX_POINTS = 2_000
# A view larger than this many pixels per side is not a map on a screen: asked at a high zoom
# over a large area it would return tens of thousands of cells.
MAX_VIEW_PX = 4_096
KINDS = tuple(PlaceKind.values)
STATUSES = tuple(PlaceStatus.values)
_KIND_BIT = {code: 1 << index for index, code in enumerate(KINDS)}
# Web Mercator's latitude limit: the tiles stop there.
MAX_MERCATOR_LAT = 85.0511287798
COORDINATE_DECIMALS = 5  # about a metre
# Filters the arrays hold; any other one is applied by reading the matching ids in SQL.
ARRAY_FILTERS = ("kinds", "statuses", "territory", "bbox", "moment")


@dataclass(frozen=True, eq=False)
class MapArrays:
    """Every place, in id order, as the map needs them."""

    version: str
    ids: np.ndarray  # int64
    latitudes: np.ndarray  # float64
    longitudes: np.ndarray
    x: np.ndarray  # Web Mercator, 0 (west) … 1 (east)
    y: np.ndarray  # 0 (north) … 1 (south)
    kinds: np.ndarray  # uint32 bit mask over KINDS
    statuses: np.ndarray  # int8 index into STATUSES
    communes: np.ndarray  # territory codes, as fixed-width strings
    epcis: np.ndarray
    departements: np.ndarray
    regions: np.ndarray
    names: tuple[str, ...]
    slugs: tuple[str, ...]
    cities: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.ids)


def mercator(latitudes: np.ndarray, longitudes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Longitude, latitude (degrees) → Web Mercator x, y in [0, 1] (y grows southwards)."""
    lat = np.radians(np.clip(latitudes, -MAX_MERCATOR_LAT, MAX_MERCATOR_LAT))
    x = (np.asarray(longitudes, dtype=np.float64) + 180.0) / 360.0
    y = (1.0 - np.log(np.tan(lat) + 1.0 / np.cos(lat)) / math.pi) / 2.0
    return x, y


def data_version() -> str:
    """A fingerprint of the places that changes with every write: one query, three index
    lookups (the change log's last entry, the largest place id, the latest update)."""
    changes = connection.ops.quote_name(PlaceChange._meta.db_table)
    places = connection.ops.quote_name(Place._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT MAX(seq) FROM {changes}), (SELECT MAX(id) FROM {places}), "  # noqa: S608
            f"(SELECT MAX(updated_at) FROM {places})"
        )
        seq, last_id, last_update = cursor.fetchone()
    described = f"{seq or 0}|{last_id or 0}|{last_update or ''}"
    return hashlib.sha256(described.encode()).hexdigest()[:24]


def build_arrays(version: str) -> MapArrays:
    """Read every place into `MapArrays` (two queries)."""
    rows = list(
        Place.objects.order_by("id").values_list(
            "id",
            "latitude",
            "longitude",
            "status",
            "insee_code",
            "epci_code",
            "departement_code",
            "region_code",
            "name",
            "slug",
            "city",
        )
    )
    ids = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
    position = {place_id: index for index, place_id in enumerate(ids.tolist())}
    kinds = np.zeros(len(rows), dtype=np.uint32)
    for place_id, kind in PlaceKindLink.objects.values_list("place_id", "kind").iterator(
        chunk_size=10_000
    ):
        index = position.get(place_id)
        if index is not None:
            kinds[index] |= _KIND_BIT.get(kind, 0)
    latitudes = np.fromiter((row[1] for row in rows), dtype=np.float64, count=len(rows))
    longitudes = np.fromiter((row[2] for row in rows), dtype=np.float64, count=len(rows))
    x, y = mercator(latitudes, longitudes)
    status_index = {code: index for index, code in enumerate(STATUSES)}
    return MapArrays(
        version=version,
        ids=ids,
        latitudes=latitudes,
        longitudes=longitudes,
        x=x,
        y=y,
        kinds=kinds,
        statuses=np.array([status_index.get(row[3], 0) for row in rows], dtype=np.int8),
        communes=np.array([row[4] for row in rows], dtype="U5"),
        epcis=np.array([row[5] for row in rows], dtype="U9"),
        departements=np.array([row[6] for row in rows], dtype="U3"),
        regions=np.array([row[7] for row in rows], dtype="U3"),
        names=tuple(row[8] for row in rows),
        slugs=tuple(row[9] for row in rows),
        cities=tuple(row[10] for row in rows),
    )


_memo: dict[str, MapArrays] = {}
_memo_lock = threading.Lock()


def map_arrays(version: str) -> MapArrays:
    """The arrays of `version`: from this process, else from Django's cache, else built."""
    arrays = _memo.get(version)
    if arrays is not None:
        return arrays
    with _memo_lock:
        arrays = _memo.get(version)
        if arrays is not None:
            return arrays
        key = f"places.map-arrays:{version}"
        timeout = settings.GEOJSON_CACHE_SECONDS
        arrays = cache.get(key) if timeout else None
        if not isinstance(arrays, MapArrays):
            arrays = build_arrays(version)
            if timeout:
                cache.set(key, arrays, timeout)
        _memo.clear()  # one version at a time: an older one is never asked again
        _memo[version] = arrays
        return arrays


def forget_arrays() -> None:
    """Drop the arrays kept in this process (tests)."""
    with _memo_lock:
        _memo.clear()


@dataclass(frozen=True)
class View:
    """The requested rectangle, widened to whole cells of the zoom's grid."""

    zoom: int
    cells: int  # cells across the world at this zoom
    x0: int  # first and last cell (inclusive) on each axis
    x1: int
    y0: int
    y1: int


def view_for(bbox: tuple[float, float, float, float] | None, zoom: int) -> View:
    """The cells covering `bbox` (min_lon, min_lat, max_lon, max_lat; the world when None);
    422 when it spans more than MAX_VIEW_PX pixels per side at `zoom`."""
    cells = max(1, (TILE_PX << zoom) // CELL_PX)
    min_lon, min_lat, max_lon, max_lat = bbox or (-180.0, -90.0, 180.0, 90.0)
    (left, right), (bottom, top) = mercator(
        np.array([min_lat, max_lat]), np.array([min_lon, max_lon])
    )
    width_px = (right - left) * (TILE_PX << zoom)
    height_px = (bottom - top) * (TILE_PX << zoom)
    if max(width_px, height_px) > MAX_VIEW_PX:
        raise ValidationFailed(
            [
                FieldError(
                    "bbox",
                    _(
                        "Rectangle trop grand pour le zoom %(zoom)d : %(width)d × %(height)d "
                        "pixels, %(max)d au plus de côté. Réduisez le rectangle ou le zoom "
                        "(la carte demande ce qu'elle affiche)."
                    )
                    % {
                        "zoom": zoom,
                        "width": round(width_px),
                        "height": round(height_px),
                        "max": MAX_VIEW_PX,
                    },
                )
            ]
        )

    def cell(value: float) -> int:
        return min(cells - 1, max(0, math.floor(value * cells)))

    return View(zoom, cells, cell(left), cell(right), cell(top), cell(bottom))


def _territory_mask(arrays: MapArrays, filters: PlaceFilters) -> np.ndarray | None:
    territory = filters.territory
    if territory is None:
        return None
    column = {
        "commune": arrays.communes,
        "epci": arrays.epcis,
        "departement": arrays.departements,
        "region": arrays.regions,
    }[territory.level]
    return column == territory.code


def needs_sql(filters: PlaceFilters) -> bool:
    """Whether a filter the arrays do not hold is set (text, services, opening hours…)."""
    extra = replace(
        filters, **{name: PlaceFilters.__dataclass_fields__[name].default for name in ARRAY_FILTERS}
    )
    return extra != PlaceFilters()


def select(arrays: MapArrays, filters: PlaceFilters, view: View) -> np.ndarray:
    """Indices into `arrays` of the places passing `filters` inside the cells of `view`."""
    cells = view.cells
    mask = (
        (arrays.x * cells >= view.x0)
        & (arrays.x * cells < view.x1 + 1)
        & (arrays.y * cells >= view.y0)
        & (arrays.y * cells < view.y1 + 1)
    )
    if filters.kinds:
        bits = 0
        for code in filters.kinds:
            bits |= _KIND_BIT.get(code, 0)
        mask &= (arrays.kinds & np.uint32(bits)) != 0
    if filters.statuses:
        wanted = [STATUSES.index(code) for code in filters.statuses if code in STATUSES]
        mask &= np.isin(arrays.statuses, wanted)
    territory = _territory_mask(arrays, filters)
    if territory is not None:
        mask &= territory
    if needs_sql(filters):
        extra = replace(filters, kinds=(), statuses=(), territory=None, bbox=None)
        ids = np.fromiter(matching_place_ids(extra), dtype=np.int64)
        mask &= np.isin(arrays.ids, ids, assume_unique=True)
    return np.flatnonzero(mask)


def _round(values: np.ndarray) -> list[float]:
    return np.round(values, COORDINATE_DECIMALS).tolist()


def _kind_indices(bits: int) -> list[int]:
    return [index for index in range(len(KINDS)) if bits >> index & 1]


def _points(arrays: MapArrays, indices: np.ndarray) -> list[list]:
    latitudes = _round(arrays.latitudes[indices])
    longitudes = _round(arrays.longitudes[indices])
    return [
        [
            int(arrays.ids[index]),
            latitudes[position],
            longitudes[position],
            arrays.names[index],
            arrays.slugs[index],
            _kind_indices(int(arrays.kinds[index])),
            int(arrays.statuses[index]),
            arrays.cities[index],
        ]
        for position, index in enumerate(indices.tolist())
    ]


def _bounds(arrays: MapArrays, indices: np.ndarray) -> list[float] | None:
    if not indices.size:
        return None
    latitudes, longitudes = arrays.latitudes[indices], arrays.longitudes[indices]
    return _round(np.array([latitudes.min(), longitudes.min(), latitudes.max(), longitudes.max()]))


def clusters(arrays: MapArrays, filters: PlaceFilters, view: View) -> dict:
    """The map's answer for `view`: clusters and points (see the module's docstring)."""
    indices = select(arrays, filters, view)
    total = int(indices.size)
    answer: dict = {
        "zoom": view.zoom,
        "cell_px": CELL_PX,
        "kinds": list(KINDS),
        "statuses": list(STATUSES),
        "count": total,
        # South, west, north, east of the view's places (a map fits them).
        "bounds": _bounds(arrays, indices),
        "clusters": [],
        "points": [],
    }
    if view.zoom >= POINTS_ZOOM and total <= MAX_POINTS:
        answer["points"] = _points(arrays, indices)
        return answer
    cells = view.cells
    gx = np.minimum((arrays.x[indices] * cells).astype(np.int64), cells - 1)
    gy = np.minimum((arrays.y[indices] * cells).astype(np.int64), cells - 1)
    keys, inverse, counts = np.unique(gx * cells + gy, return_inverse=True, return_counts=True)
    single = counts == 1
    answer["points"] = _points(arrays, np.sort(indices[single[inverse]]))
    grouped = ~single
    if grouped.any():
        latitudes = np.bincount(inverse, weights=arrays.latitudes[indices]) / counts
        longitudes = np.bincount(inverse, weights=arrays.longitudes[indices]) / counts
        kinds = arrays.kinds[indices]
        per_kind = np.stack(
            [
                np.bincount(
                    inverse, weights=(kinds >> np.uint32(bit)) & np.uint32(1), minlength=len(keys)
                )
                for bit in range(len(KINDS))
            ],
            axis=1,
        ).astype(np.int64)
        keep = np.flatnonzero(grouped)
        rounded_lat = _round(latitudes[keep])
        rounded_lon = _round(longitudes[keep])
        answer["clusters"] = [
            [
                rounded_lat[position],
                rounded_lon[position],
                int(counts[cell]),
                per_kind[cell].tolist(),
            ]
            for position, cell in enumerate(keep.tolist())
        ]
    return answer


def cache_key(version: str, filters: PlaceFilters, view: View) -> str:
    """One key per answer: the data version, the cells and the filters."""
    territory = filters.territory.ref if filters.territory else ""
    described = repr(
        (
            version,
            view,
            replace(filters, territory=None, bbox=None),
            territory,
        )
    )
    return hashlib.sha256(described.encode()).hexdigest()[:40]
