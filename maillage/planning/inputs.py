"""The inputs of the analyses as arrays: population points, existing sites and candidate sites.

From the database — the communes (`territories.arrays`) and the open places (`places.arrays`) —
or from files:

- population: INSEE's Filosofi 200 m grid (`idcar_200m`, `ind`) or any CSV with
  `latitude,longitude,population` (and an optional `id`), told apart by their header;
- places: the canonical places CSV, of which `source_id` (or `id`), `latitude`, `longitude` and
  `kinds` are used (`name` and `status` too when present: only open places count);
- candidates: a CSV with `id,latitude,longitude` and an optional `name`.

Small CSV files (places, candidates) accept `,` or `;` as delimiter and UTF-8 (with or without
BOM) or Windows-1252, like the import of places (`common.encoding`): a file mixing both is
refused with its line.
"""

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.utils.translation import gettext as _

from maillage.analysis import Points, read_population_csv
from maillage.common.encoding import BadEncoding, decode_text
from maillage.common.tabular import restore_cell
from maillage.places.arrays import open_place_arrays
from maillage.places.formats.canonical import SEPARATOR
from maillage.places.kinds import PlaceKind, PlaceStatus
from maillage.territories.arrays import commune_table
from maillage.territories.models import Territory


class InputFileError(Exception):
    """A file cannot be used as an input; the message says which file, where and why."""


@dataclass(frozen=True, eq=False)
class Population:
    """Population points; ``points.ids`` are the codes white zones are listed under.

    ``names`` gives a name per point (commune names); None when the code is the only name
    (grid cells, points of a file), which spares decoding millions of names.
    """

    points: Points
    names: np.ndarray | None = None

    def name_of(self, index: int) -> str:
        if self.names is None:
            return as_text(self.points.ids[index])
        return str(self.names[index])


@dataclass(frozen=True, eq=False)
class Sites:
    """Existing or candidate sites: ``points`` (ids are strings), names and kinds per site."""

    points: Points
    names: np.ndarray
    kinds: tuple[tuple[str, ...], ...]

    def __len__(self) -> int:
        return len(self.points)

    def of_kinds(self, kinds: Iterable[str]) -> "Sites":
        """The sites having at least one of `kinds` (all of them when `kinds` is empty)."""
        wanted = set(kinds)
        if not wanted:
            return self
        keep = np.array([bool(wanted.intersection(k)) for k in self.kinds], dtype=bool)
        index = np.flatnonzero(keep)
        return Sites(
            self.points.subset(index), self.names[index], tuple(self.kinds[i] for i in index)
        )

    def present_kinds(self) -> list[str]:
        """The kinds of at least one site, in the order of PlaceKind."""
        present = {kind for kinds in self.kinds for kind in kinds}
        return [kind for kind in PlaceKind.values if kind in present]


def as_text(value) -> str:
    """An identifier as text (grid cell ids are read as ASCII bytes)."""
    return value.decode("ascii", "replace") if isinstance(value, bytes) else str(value)


# --- from the database ------------------------------------------------------------------------


def commune_population(territory: Territory | None = None) -> Population:
    """The communes of `territory` (all of France when None), weighted by their population."""
    table = commune_table(territory)
    return Population(table.points, table.names)


def commune_centres(territory: Territory | None = None) -> Sites:
    """The centres of the communes of `territory` as candidate sites (id: the INSEE code)."""
    return centres_of(commune_population(territory))


def centres_of(population: Population) -> Sites:
    """Population points as candidate sites: a new place could open at each commune centre."""
    latlon = population.points.latlon
    points = Points.from_latlon(latlon[:, 0], latlon[:, 1], ids=population.points.ids)
    names = population.names if population.names is not None else population.points.ids
    return Sites(points, np.asarray(names).astype(str), ((),) * len(points))


def open_sites(kinds: Sequence[str] = ()) -> Sites:
    """The open places of the database (of any of `kinds` when given)."""
    arrays = open_place_arrays(kinds)
    ids = arrays.points.ids.astype(str)
    points = Points.from_latlon(arrays.points.coords[:, 0], arrays.points.coords[:, 1], ids=ids)
    return Sites(points, arrays.names, arrays.kinds)


# --- from files -------------------------------------------------------------------------------


def population_from_file(path: str | Path) -> Population:
    """Population points from an INSEE grid file or a latitude/longitude CSV (see the module).

    Points without an `id` column are numbered from 1 in file order.
    """
    try:
        points = read_population_csv(path)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputFileError(
            _("Fichier de population %(path)s illisible : %(error)s") % {"path": path, "error": exc}
        ) from None
    if points.ids is None:
        ids = np.arange(1, len(points) + 1).astype(str)
        points = Points(points.coords, points.population, ids, points.crs)
    return Population(points)


def sites_from_file(path: str | Path, kinds: Sequence[str] = ()) -> Sites:
    """The open places of a canonical places CSV (of any of `kinds` when given)."""
    ids, names, latitudes, longitudes, site_kinds = [], [], [], [], []
    for line, row in _csv_rows(path, required=("latitude", "longitude", "kinds"), id_column=True):
        if row.get("status", "").strip() not in ("", PlaceStatus.OPEN):
            continue
        latitude, longitude = _coordinates(path, line, row)
        codes = tuple(
            sorted({kind.strip() for kind in row["kinds"].split(SEPARATOR) if kind.strip()})
        )
        unknown = [kind for kind in codes if kind not in PlaceKind.values]
        if unknown:
            raise InputFileError(
                _("%(path)s, ligne %(line)d : type de lieu inconnu « %(kind)s ».")
                % {"path": path, "line": line, "kind": unknown[0]}
            )
        ids.append(row["id"])
        names.append(row.get("name", "") or row["id"])
        latitudes.append(latitude)
        longitudes.append(longitude)
        site_kinds.append(codes)
    sites = Sites(
        Points.from_latlon(latitudes, longitudes, ids=np.array(ids, dtype=str)),
        np.array(names, dtype=str),
        tuple(site_kinds),
    )
    return sites.of_kinds(kinds)


def candidates_from_file(path: str | Path) -> Sites:
    """Candidate sites from a CSV with `id,latitude,longitude[,name]`."""
    ids, names, latitudes, longitudes = [], [], [], []
    for line, row in _csv_rows(path, required=("id", "latitude", "longitude"), id_column=False):
        latitude, longitude = _coordinates(path, line, row)
        ids.append(row["id"])
        names.append(row.get("name", "") or row["id"])
        latitudes.append(latitude)
        longitudes.append(longitude)
    return Sites(
        Points.from_latlon(latitudes, longitudes, ids=np.array(ids, dtype=str)),
        np.array(names, dtype=str),
        ((),) * len(ids),
    )


def _decode(path: str | Path) -> str:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InputFileError(
            _("Fichier %(path)s illisible : %(error)s") % {"path": path, "error": exc.strerror}
        ) from None
    try:
        return decode_text(data)
    except BadEncoding as exc:
        raise InputFileError(
            _(
                "%(path)s, ligne %(line)d : encodage illisible ; le fichier doit être en UTF-8 "
                "ou en Windows-1252, sans mélange des deux."
            )
            % {"path": path, "line": exc.newlines + 1}
        ) from None


def _csv_rows(
    path: str | Path, *, required: tuple[str, ...], id_column: bool
) -> Iterator[tuple[int, dict[str, str]]]:
    """(line, row) of a small CSV; `id_column`: `source_id` or `id` is read as `id`."""
    text = _decode(path)
    header_line = text.split("\n", 1)[0]
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [name.strip().lower() for name in next(reader, [])]
    if id_column:
        names = ("source_id", "id")
        found = next((name for name in names if name in header), None)
        if found is not None:
            header[header.index(found)] = "id"
        required = ("id", *required)
    missing = [name for name in required if name not in header]
    if missing:
        shown = ("source_id" if id_column and name == "id" else name for name in missing)
        raise InputFileError(
            _("%(path)s : colonne(s) absente(s) : %(missing)s.")
            % {"path": path, "missing": ", ".join(shown)}
        )
    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            row = {
                name: restore_cell(cells[i].strip()) if i < len(cells) else ""
                for i, name in enumerate(header)
            }
            if not row["id"]:
                raise InputFileError(
                    _("%(path)s, ligne %(line)d : identifiant vide.")
                    % {"path": path, "line": reader.line_num}
                )
            yield reader.line_num, row
    except csv.Error as exc:
        raise InputFileError(
            _("%(path)s, ligne %(line)d illisible : %(error)s.")
            % {"path": path, "line": reader.line_num, "error": exc}
        ) from None


def _coordinates(path: str | Path, line: int, row: dict[str, str]) -> tuple[float, float]:
    try:
        latitude = float(row["latitude"].replace(",", "."))
        longitude = float(row["longitude"].replace(",", "."))
    except ValueError:
        latitude = longitude = float("nan")
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise InputFileError(
            _("%(path)s, ligne %(line)d : coordonnées invalides (%(latitude)s, %(longitude)s).")
            % {
                "path": path,
                "line": line,
                "latitude": row["latitude"] or "—",
                "longitude": row["longitude"] or "—",
            }
        )
    return latitude, longitude
