"""Import places from an OpenStreetMap extract (`.osm.pbf`, `.osm` XML, `.osm.gz`, `.osm.bz2`).

The extract is read with `osmium` into the rows of the import pipeline (`services.import_places`,
the same validation, batches, report and upsert on (source, source_id), whether the file comes
from `maillage import_osm`, `maillage import_places`, the import page or the API: the pipeline
recognises an extract from its first bytes, `is_osm_extract`): each node or way whose
tags match one of our kinds (`places.formats.osm`, table in docs/data.md) is a row whose
`source_id` and report "line" is its OSM id (`n123`, `w456`). A way is located at the centroid
of its nodes. Relations are not read (multipolygon coworkings are rare; their outer way usually
carries no tag of its own). Objects without a name, outside France, or read twice are skipped
with a warning; an invalid `opening_hours`, `website`, `phone`, `email`, `ref:FR:SIRET` or
`addr:city` is dropped with a warning and the place imported without it, as OSM data is
entered by many hands and a place is worth having without its hours.

The import is idempotent: the digest of a place's validated values is stored, so re-importing
the same extract changes nothing, and an extract where an object changed updates that place.
When the import writes, the objects read are stored as `places.OsmRecord`s (their tags as OSM
has them), which the place page compares with the place (`places.formats.osm.osm_diff`).

osmium reads files, not Python streams: an extract given as a stream that is not a file on
disk (an upload, a job's stored file) is first copied to a temporary file, deleted once read.
"""

import io
import shutil
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

import osmium
from django.utils.translation import gettext_noop

from maillage.common.errors import ErrorCode
from maillage.common.geo import is_in_france
from maillage.places.formats.osm import KIND_KEYS, OsmObject, values_from_tags

from .reading import ImportFileError, PlaceFile, RawRow

# The name `reading` and the import pipeline give the format of an OSM extract.
OSM_FORMAT = "osm"
# Enough of the file's start to recognise it (`osm_file_format`).
HEAD_BYTES = 64

# Dropped with a warning when invalid, rather than rejecting the object (see the docstring).
LENIENT_FIELDS = frozenset(
    {"opening_hours", "website", "phone", "email", "siret", "city", "postal_code"}
)

# The stable codes of the reader's errors and warnings (docs/data.md, « Import error codes »).
NOT_AN_EXTRACT = ErrorCode(
    "osm.not_an_extract",
    gettext_noop("Ce fichier n'est pas un extrait OpenStreetMap (.osm.pbf ou .osm XML)."),
)
UNREADABLE = ErrorCode("osm.unreadable", gettext_noop("Extrait OpenStreetMap illisible : %s."))
READ_TWICE = ErrorCode(
    "osm.read_twice", gettext_noop("%s : objet lu deux fois, la seconde ignorée.")
)
NO_NAME = ErrorCode("osm.no_name", gettext_noop("%s : objet sans nom (name), ignoré."))
OUTSIDE_FRANCE = ErrorCode("osm.outside_france", gettext_noop("%s : hors de France, ignoré."))
POSITION_UNKNOWN = ErrorCode(
    "osm.position_unknown",
    gettext_noop("%s : position inconnue, l'extrait ne contient pas tous les nœuds de la voie."),
)


def osm_file_format(head: bytes) -> str | None:
    """osmium's name of an extract's format from its first HEAD_BYTES bytes (never from its
    name), or None when they are not an extract's.

    A PBF file starts with the length of its first block then `OSMHeader`; XML with `<` (after
    a BOM or blanks: no CSV, GeoJSON or JSON list starts so); gzip and bzip2 by their magic
    numbers, which no text file has.
    """
    if head[4:15] == b"\n\tOSMHeader":
        return "pbf"
    if head.startswith(b"\x1f\x8b"):
        return "osm.gz"
    if head.startswith(b"BZh"):
        return "osm.bz2"
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return "osm"
    return None


def is_osm_extract(head: bytes) -> bool:
    """Whether a file starting with `head` is an OSM extract (see `osm_file_format`)."""
    return osm_file_format(head) is not None


def _file_format(path: Path) -> str:
    with path.open("rb") as stream:
        file_format = osm_file_format(stream.read(HEAD_BYTES))
    if file_format is None:
        raise ImportFileError(NOT_AN_EXTRACT())
    return file_format


def _timestamp(obj) -> datetime | None:
    stamp = obj.timestamp
    return stamp if stamp is not None and stamp.timestamp() > 0 else None


def _centroid(way) -> tuple[float, float] | None:
    """(latitude, longitude): the mean of the way's nodes, a closed way's first node once."""
    points = [(node.lat, node.lon) for node in way.nodes if node.location.valid()]
    if len(points) != len(way.nodes) or not points:
        return None
    if len(points) > 1 and points[0] == points[-1]:
        points.pop()
    return (
        sum(lat for lat, _ in points) / len(points),
        sum(lon for _, lon in points) / len(points),
    )


class OsmPlaceFile(PlaceFile):
    """The rows of an extract; `objects` holds what was read, for `store_osm_records`."""

    def __init__(self, path: Path, *, delete_after: bool = False) -> None:
        self.path = path
        self.delete_after = delete_after
        try:
            self.file_format = _file_format(path)
        except ImportFileError:
            self._delete()
            raise
        self.objects: list[OsmObject] = []
        super().__init__(OSM_FORMAT, self._rows_of_file(), [])

    def _delete(self) -> None:
        if self.delete_after:
            self.path.unlink(missing_ok=True)

    def close(self) -> None:
        """Delete the temporary copy of the extract, if one was made."""
        self._delete()

    def _rows_of_file(self) -> Iterator[RawRow]:
        seen: set[str] = set()
        file = osmium.io.File(str(self.path), self.file_format)
        processor = (
            osmium.FileProcessor(file, osmium.osm.NODE | osmium.osm.WAY)
            .with_locations()
            .with_filter(osmium.filter.KeyFilter(*KIND_KEYS))
        )
        try:
            for obj in processor:
                tags = {tag.k: tag.v for tag in obj.tags}
                values = values_from_tags(tags)
                if values is None:
                    continue
                osm_id = f"{obj.type_str()}{obj.id}"
                if row := self._row(osm_id, obj, tags, values, seen):
                    yield row
        except RuntimeError as exc:
            raise ImportFileError(UNREADABLE(error=str(exc))) from None
        finally:
            self._delete()

    def _row(self, osm_id: str, obj, tags, values, seen: set[str]) -> RawRow | None:
        if osm_id in seen:
            self.notes.append(READ_TWICE(id=osm_id))
            return None
        seen.add(osm_id)
        if not values.get("name"):
            self.notes.append(NO_NAME(id=osm_id))
            return None
        location = (obj.location.lat, obj.location.lon) if obj.is_node() else _centroid(obj)
        if location is not None and not is_in_france(*location):
            self.notes.append(OUTSIDE_FRANCE(id=osm_id))
            return None
        values["source_id"] = osm_id
        if location is None:
            # Placed at its commune's centre if its address gives one; rejected otherwise.
            self.notes.append(POSITION_UNKNOWN(id=osm_id))
        else:
            values["latitude"], values["longitude"] = location
            self.objects.append(
                OsmObject(
                    osm_id=osm_id,
                    tags=tags,
                    latitude=location[0],
                    longitude=location[1],
                    version=obj.version or None,
                    timestamp=_timestamp(obj),
                )
            )
        if stamp := _timestamp(obj):
            values["source_updated_at"] = stamp
        return RawRow(osm_id, values, lenient=LENIENT_FIELDS)


def _disk_path(stream: BinaryIO) -> Path | None:
    """The file on disk `stream` reads, at its start, if it is one (a path's open file)."""
    # Only a file `open()` opened: a storage's file names a path relative to its own root.
    if isinstance(stream, io.BufferedReader) and isinstance(stream.name, str):
        path = Path(stream.name)
        if path.is_file() and stream.tell() == 0:
            return path
    return None


def open_osm_file(stream: BinaryIO) -> OsmPlaceFile:
    """The rows of the extract `stream` reads (copied to a temporary file unless it is one).

    Raises ImportFileError when it is not an extract (`osm_file_format`).
    """
    if (path := _disk_path(stream)) is not None:
        return OsmPlaceFile(path)
    with tempfile.NamedTemporaryFile(prefix="maillage-osm-", delete=False) as copy:
        shutil.copyfileobj(stream, copy)
    return OsmPlaceFile(Path(copy.name), delete_after=True)
