"""Population readers: the shipped communes, INSEE's 200 m grid (Filosofi) and lat/lon CSV files.

The readers return :class:`~maillage.analysis.points.Points`. Large files are parsed column-wise
with numpy on raw bytes (no Python object per row), chunk by chunk, so INSEE's 2.3 million
inhabited cells read in seconds; a file the fast path cannot split safely (quoted delimiters,
ragged rows) is read again with the :mod:`csv` module.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
from numpy.lib.stride_tricks import as_strided
from numpy.typing import ArrayLike

from maillage.analysis.points import Points, _frozen

SHIPPED_TERRITORIES_PATH = (
    Path(__file__).resolve().parent.parent / "territories" / "data" / "territories.csv.gz"
)
_CHUNK_BYTES = 1 << 24  # 16 MB of file text parsed at once
_GZIP_MAGIC = b"\x1f\x8b"


class _IrregularFileError(Exception):
    """The fast path cannot split this file safely; use the csv module."""


# --- opening and splitting --------------------------------------------------------------------


def _open_binary(path: str | Path) -> BinaryIO:
    path = Path(path)
    with path.open("rb") as probe:
        magic = probe.read(2)
    if magic == _GZIP_MAGIC:
        # GzipFile is a binary file, but not nominally the `BinaryIO` typeshed checks for.
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


def _sniff_delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def _normalise(name: str) -> str:
    return name.strip().strip('"').strip().lower()


def _read_header(f: BinaryIO) -> tuple[list[str], str, bytes]:
    """(column names, delimiter, the bytes read after the header line)."""
    head = b""
    while b"\n" not in head:
        block = f.read(65536)
        if not block:
            break
        head += block
    line, _, rest = head.partition(b"\n")
    text = line.decode("utf-8-sig").rstrip("\r")
    delimiter = _sniff_delimiter(text)
    names = [_normalise(n) for n in next(csv.reader([text], delimiter=delimiter))]
    return names, delimiter, rest


def _chunks(f: BinaryIO, first: bytes) -> Iterator[bytes]:
    """Blocks of whole lines, each ending with a newline."""
    carry = first
    while True:
        block = f.read(_CHUNK_BYTES)
        if not block:
            break
        data = carry + block
        cut = data.rfind(b"\n")
        if cut < 0:
            carry = data
            continue
        yield data[: cut + 1]
        carry = data[cut + 1 :]
    if carry.strip():
        yield carry + b"\n"


def _split_columns(chunk: bytes, ncols: int, delimiter: int, wanted: list[int]) -> list[np.ndarray]:
    """For each wanted column, an (n, width) uint8 matrix of the field bytes, NUL-padded.

    Works on the positions of newlines and delimiters only; raises
    :class:`_IrregularFileError` when a line does not have exactly ``ncols - 1`` delimiters.
    """
    arr = np.frombuffer(chunk, dtype=np.uint8)
    newlines = np.flatnonzero(arr == 10)
    line_start = np.empty_like(newlines)
    line_start[0] = 0
    line_start[1:] = newlines[:-1] + 1
    line_end = newlines.copy()
    has_cr = (line_end > line_start) & (arr[np.maximum(line_end - 1, 0)] == 13)
    line_end[has_cr] -= 1
    keep = line_end > line_start
    line_start, line_end = line_start[keep], line_end[keep]
    delims = np.flatnonzero(arr == delimiter)
    first = np.searchsorted(delims, line_start)
    count = np.searchsorted(delims, line_end) - first
    if (count != ncols - 1).any():
        raise _IrregularFileError
    quoted_chunk = 34 in arr  # '"'
    fields = []
    for c in wanted:
        start = line_start if c == 0 else delims[first + c - 1] + 1
        end = line_end if c == ncols - 1 else delims[first + c]
        if quoted_chunk:
            q = (end - start >= 2) & (arr[start] == 34) & (arr[np.maximum(end - 1, 0)] == 34)
            start = start + q
            end = end - q
        fields.append((start, end - start))
    width = max((int(lengths.max(initial=0)) for _, lengths in fields), default=0)
    # One padded copy; rows are then cut out of a strided "window" view of it.
    padded = np.concatenate([arr, np.zeros(max(1, width), dtype=np.uint8)])
    return [_fixed_width(padded, arr.size, start, lengths) for start, lengths in fields]


def _fixed_width(
    padded: np.ndarray, size: int, start: np.ndarray, lengths: np.ndarray
) -> np.ndarray:
    width = max(1, int(lengths.max(initial=0)))
    windows = as_strided(padded, shape=(size + 1, width), strides=(1, 1), writeable=False)
    mat = windows[start]  # copies n × width bytes; no n × width index array
    mat[np.arange(width)[None, :] >= lengths[:, None]] = 0
    return mat


def _read_columns(
    path: str | Path, columns: list[str], optional: tuple[str, ...] = ()
) -> tuple[dict[str, np.ndarray], str]:
    """Wanted columns as (n, width) uint8 matrices, plus the delimiter.

    Missing ``optional`` columns are left out of the result; other missing columns raise.
    """
    with _open_binary(path) as f:
        names, delimiter, rest = _read_header(f)
        missing = [c for c in columns if c not in names and c not in optional]
        if missing:
            raise ValueError(f"{path}: missing column(s) {', '.join(missing)}; found {names}")
        present = [c for c in columns if c in names]
        wanted = [names.index(c) for c in present]
        parts: dict[str, list[np.ndarray]] = {c: [] for c in present}
        try:
            for chunk in _chunks(f, rest):
                for c, mat in zip(
                    present,
                    _split_columns(chunk, len(names), ord(delimiter), wanted),
                    strict=True,
                ):
                    parts[c].append(mat)
        except _IrregularFileError:
            return _read_columns_slow(path, present, delimiter), delimiter
    return {c: _stack(mats) for c, mats in parts.items()}, delimiter


def _stack(mats: list[np.ndarray]) -> np.ndarray:
    if not mats:
        return np.zeros((0, 1), dtype=np.uint8)
    width = max(m.shape[1] for m in mats)
    return np.concatenate([np.pad(m, ((0, 0), (0, width - m.shape[1]))) for m in mats])


def _read_columns_slow(path: str | Path, columns: list[str], delimiter: str) -> dict:
    with _open_binary(path) as fb, io.TextIOWrapper(fb, encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f, delimiter=delimiter)
        names = [_normalise(n) for n in next(reader)]
        idx = [names.index(c) for c in columns]
        values: dict[str, list[bytes]] = {c: [] for c in columns}
        for row in reader:
            if not row or not any(field.strip() for field in row):
                continue
            if len(row) < len(names):
                raise ValueError(f"{path}: line {reader.line_num} has {len(row)} fields")
            for c, i in zip(columns, idx, strict=True):
                values[c].append(row[i].encode("utf-8"))
    out = {}
    for c, vals in values.items():
        arr = np.array(vals, dtype=bytes) if vals else np.zeros(0, dtype="S1")
        out[c] = arr.view(np.uint8).reshape(len(vals), -1) if vals else np.zeros((0, 1), np.uint8)
    return out


def _as_float(mat: np.ndarray, column: str, path: str | Path, decimal_comma: bool) -> np.ndarray:
    if mat.shape[0] == 0:
        return np.empty(0)
    if decimal_comma:
        mat = mat.copy()
        mat[mat == 44] = 46  # ',' → '.'
    strings = np.ascontiguousarray(mat).view(f"S{mat.shape[1]}").reshape(-1)
    try:
        return strings.astype(np.float64)
    except ValueError:
        bad = next(i for i, s in enumerate(strings) if not _is_float(s))
        raise ValueError(
            f"{path}: column {column!r}, data row {bad + 1}: not a number: {strings[bad]!r}"
        ) from None


def _is_float(s: bytes) -> bool:
    try:
        float(s)
    except ValueError:
        return False
    return True


def _as_str(mat: np.ndarray) -> np.ndarray:
    strings = np.ascontiguousarray(mat).view(f"S{mat.shape[1]}").reshape(-1)
    return np.char.decode(strings, "utf-8") if strings.size else np.empty(0, dtype=str)


# --- INSEE Filosofi 200 m grid -----------------------------------------------------------------

_CELL_ID = re.compile(rb"^CRS(\d+)RES(\d+)mN(\d+)E(\d+)$")


def parse_cell_ids(cell_ids: ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """South-west corners and sizes of INSEE grid cells ``CRS3035RES200mN2042800E4250600``.

    Returns ``(x_m, y_m, size_m)``: easting and northing of the south-west corner in EPSG:3035
    metres and the cell size. Ids of one length share a layout and are decoded with array
    arithmetic on their bytes; others fall back to a regular expression.

    >>> x, y, size = parse_cell_ids(["CRS3035RES200mN2042800E4250600"])
    >>> float(x[0]), float(y[0]), float(size[0])
    (4250600.0, 2042800.0, 200.0)
    """
    ids = np.asarray(cell_ids)
    if ids.dtype.kind == "U":
        ids = np.char.encode(ids, "ascii")
    ids = ids.astype(bytes).reshape(-1)
    n = ids.size
    x = np.empty(n)
    y = np.empty(n)
    size = np.empty(n)
    if n == 0:
        return x, y, size
    lengths = np.char.str_len(ids)
    for length in np.unique(lengths):
        rows = np.flatnonzero(lengths == length)
        # Blocks of rows bound the integer temporaries of the digit arithmetic.
        for a in range(0, rows.size, 1 << 18):
            block = rows[a : a + (1 << 18)]
            x[block], y[block], size[block] = _parse_same_length(ids[block], int(length))
    return x, y, size


def _parse_same_length(ids: np.ndarray, length: int) -> tuple[np.ndarray, ...]:
    match = _CELL_ID.match(bytes(ids[0]))
    mat = np.ascontiguousarray(ids.astype(f"S{length}")).view(np.uint8).reshape(-1, length)
    if match is not None:
        spans = [match.span(g) for g in range(1, 5)]
        digit = np.zeros(length, dtype=bool)
        for a, b in spans:
            digit[a:b] = True
        fixed_same = (mat[:, ~digit] == mat[0, ~digit]).all()
        digits_ok = ((mat[:, digit] >= 48) & (mat[:, digit] <= 57)).all()
        if fixed_same and digits_ok:
            values = []
            for a, b in spans:
                powers = 10 ** np.arange(b - a - 1, -1, -1, dtype=np.int64)
                values.append((mat[:, a:b].astype(np.int64) - 48) @ powers)
            crs, res, north, east = values
            _check_crs(crs)
            return east.astype(float), north.astype(float), res.astype(float)
    # Mixed layouts: decode one by one.
    parsed = []
    for cell in ids:
        m = _CELL_ID.match(bytes(cell))
        if m is None:
            raise ValueError(f"not an INSEE grid cell id: {bytes(cell)!r}")
        parsed.append([int(g) for g in m.groups()])
    arr = np.array(parsed, dtype=np.int64)
    _check_crs(arr[:, 0])
    return arr[:, 3].astype(float), arr[:, 2].astype(float), arr[:, 1].astype(float)


def _check_crs(crs: np.ndarray) -> None:
    if (crs != 3035).any():
        other = int(crs[crs != 3035][0])
        raise ValueError(f"grid in EPSG:{other}; only EPSG:3035 (metropolitan France) is supported")


def read_filosofi_csv(path: str | Path, *, with_ids: bool = True) -> Points:
    """Read INSEE's gridded population (Filosofi, 200 m cells) into metric points.

    Columns ``idcar_200m`` (cell id, ``CRS3035RES200mN{north}E{east}``: the south-west corner in
    EPSG:3035 metres) and ``ind`` (inhabitants, fractional); other columns are ignored. The point
    of a cell is its centre, half a cell north and east of the corner. Delimiter ``,`` or ``;``
    (a ``;`` file may use decimal commas); gzip files are read directly.

    ids are the cell ids as ASCII bytes (``numpy.bytes_``), to keep 2.3 million of them small;
    pass ``with_ids=False`` to skip them.

    >>> import tempfile, os
    >>> with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
    ...     _ = f.write("idcar_200m,ind\\nCRS3035RES200mN2042800E4250600,12.5\\n")
    >>> pts = read_filosofi_csv(f.name); os.unlink(f.name)
    >>> pts.crs, pts.coords.tolist(), pts.population.tolist(), pts.ids.tolist()
    ('metric', [[4250700.0, 2042900.0]], [12.5], [b'CRS3035RES200mN2042800E4250600'])
    """
    cols, delimiter = _read_columns(path, ["idcar_200m", "ind"])
    population = _as_float(cols["ind"], "ind", path, decimal_comma=delimiter == ";")
    width = cols["idcar_200m"].shape[1]
    ids = np.ascontiguousarray(cols["idcar_200m"]).view(f"S{width}").reshape(-1)
    x, y, size = parse_cell_ids(ids)
    return Points.from_metric(
        x + size / 2, y + size / 2, population=population, ids=ids if with_ids else None
    )


# --- any CSV with latitude, longitude, population ----------------------------------------------


def read_latlon_csv(path: str | Path) -> Points:
    """Read population points from a CSV with ``latitude``, ``longitude``, ``population`` columns.

    An ``id`` column, when present, gives the ids (strings); other columns are ignored.
    Delimiter ``,`` or ``;`` (decimal commas accepted with ``;``); gzip files are read directly.

    >>> import tempfile, os
    >>> with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
    ...     _ = f.write("id,latitude,longitude,population\\na,43.3,-0.37,100\\n")
    >>> pts = read_latlon_csv(f.name); os.unlink(f.name)
    >>> pts.coords.tolist(), pts.population.tolist(), pts.ids.tolist()
    ([[43.3, -0.37]], [100.0], ['a'])
    """
    cols, delimiter = _read_columns(
        path, ["id", "latitude", "longitude", "population"], optional=("id",)
    )
    comma = delimiter == ";"
    lat = _as_float(cols["latitude"], "latitude", path, comma)
    lon = _as_float(cols["longitude"], "longitude", path, comma)
    pop = _as_float(cols["population"], "population", path, comma)
    ids = _as_str(cols["id"]) if "id" in cols else None
    return Points.from_latlon(lat, lon, population=pop, ids=ids)


def read_population_csv(path: str | Path) -> Points:
    """Read a population file of either kind, recognised by its header.

    ``idcar_200m`` → :func:`read_filosofi_csv`; ``latitude``/``longitude`` →
    :func:`read_latlon_csv`.
    """
    with _open_binary(path) as f:
        names, _, _ = _read_header(f)
    if "idcar_200m" in names:
        return read_filosofi_csv(path)
    if "latitude" in names and "longitude" in names:
        return read_latlon_csv(path)
    raise ValueError(
        f"{path}: expected columns idcar_200m,ind (INSEE grid) or latitude,longitude,population"
    )


# --- shipped communes -------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class CommuneTable:
    """The communes of the shipped territory file, as population points plus their attributes.

    Attributes:
        points: latitude/longitude points; ids are INSEE codes, population the legal population.
        names: (n,) commune names.
        departement, region, epci: (n,) codes of the containing territories ("" when none).
        location_precision: (n,) how the coordinates were obtained (see the file's PROVENANCE).
    """

    points: Points
    names: np.ndarray
    departement: np.ndarray
    region: np.ndarray
    epci: np.ndarray
    location_precision: np.ndarray

    def __len__(self) -> int:
        return len(self.points)

    @property
    def codes(self) -> np.ndarray:
        """INSEE codes (the points' ids)."""
        return self.points.ids  # type: ignore[return-value]

    def subset(self, selector: ArrayLike) -> CommuneTable:
        """Rows selected by a boolean mask or an index array."""
        sel = np.asarray(selector)
        return CommuneTable(
            self.points.subset(sel),
            _frozen(self.names[sel]),
            _frozen(self.departement[sel]),
            _frozen(self.region[sel]),
            _frozen(self.epci[sel]),
            _frozen(self.location_precision[sel]),
        )

    def select(
        self,
        *,
        departement: str | None = None,
        region: str | None = None,
        epci: str | None = None,
        codes: ArrayLike | None = None,
    ) -> CommuneTable:
        """Communes matching every given filter (a code, or a list of INSEE codes).

        >>> table = CommuneTable(
        ...     Points.from_latlon([43.3, 45.0], [-0.37, 1.0], [77000, 5], ids=["64445", "19001"]),
        ...     np.array(["Pau", "X"]), np.array(["64", "19"]), np.array(["75", "75"]),
        ...     np.array(["246400337", ""]), np.array(["geonames", "derived"]))
        >>> table.select(departement="64").codes.tolist()
        ['64445']
        """
        mask = np.ones(len(self), dtype=bool)
        if departement is not None:
            mask &= self.departement == departement
        if region is not None:
            mask &= self.region == region
        if epci is not None:
            mask &= self.epci == epci
        if codes is not None:
            mask &= np.isin(self.codes, np.asarray(codes, dtype=str))
        return self.subset(mask)


def read_shipped_communes(path: str | Path | None = None) -> CommuneTable:
    """Read the communes (``level == "commune"``) of the shipped territory file.

    The file (``maillage/territories/data/territories.csv.gz`` by default) has the columns
    ``level,code,name,population,latitude,longitude,location_precision,departement,region,epci,
    postal_codes``. Names may contain commas, so it is read with the :mod:`csv` module (35,000
    rows: a fraction of a second).
    """
    path = SHIPPED_TERRITORIES_PATH if path is None else Path(path)
    rows = []
    with _open_binary(path) as fb, io.TextIOWrapper(fb, encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f):
            if row.get("level") == "commune":
                rows.append(row)
    if not rows:
        return CommuneTable(
            Points.from_latlon([], [], [], ids=np.empty(0, dtype=str)),
            *(np.empty(0, dtype=str) for _ in range(5)),
        )

    def column(name: str) -> np.ndarray:
        return np.array([r.get(name) or "" for r in rows], dtype=str)

    def numbers(name: str) -> np.ndarray:
        try:
            return np.array([float(r[name]) for r in rows])
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{path}: bad or missing {name!r} value ({exc})") from None

    points = Points.from_latlon(
        numbers("latitude"), numbers("longitude"), numbers("population"), ids=column("code")
    )
    return CommuneTable(
        points,
        _frozen(column("name")),
        _frozen(column("departement")),
        _frozen(column("region")),
        _frozen(column("epci")),
        _frozen(column("location_precision")),
    )
