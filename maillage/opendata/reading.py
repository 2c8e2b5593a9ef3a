"""Read an import file into raw rows: the first step of the pipeline read → validate → load.

The file is read in chunks and never held whole in memory, so a 100,000-row file costs what a
100-row file costs. Detection is done on the content, never on the file name:

- format: GeoJSON when the first non-blank character is `{`, data·inclusion structures (a JSON
  list) when it is `[` — its services when the first object has a `structure_id` —, a CSV
  otherwise: in the national schema « Lieux de médiation
  numérique » when its header names `id`, `pivot`, `nom` and `date_maj` (and no `source_id`),
  canonical otherwise. Rows of the national schemas carry their own columns or members: the
  importer maps them (`places.formats.mednum`, `places.formats.datainclusion`);
- encoding: UTF-8 (with or without BOM), else Windows-1252, the encoding of French Excel's
  "CSV (séparateur : point-virgule)". The first chunk holding non-ASCII bytes decides: valid
  UTF-8 makes the file UTF-8, anything else Windows-1252. Until then both encodings read the
  same characters, which is what lets the decision wait without buffering the file. A UTF-8
  file with invalid bytes further on, or a Windows-1252 file with UTF-8 sequences further on,
  is refused with the line where it changes rather than half misread;
- size: a header line over MAX_HEADER_CHARS or MAX_COLUMNS, another line over MAX_LINE_CHARS,
  GeoJSON nested deeper than the JSON decoder recurses, are refused as soon as they are read;
- CSV delimiter: `,` or `;`, whichever the header line uses more.

Rows come out as `RawRow(line, values, errors)`: `values` holds the canonical fields present in
the row (the names of `canonical.CANONICAL_FIELDS`), `errors` what the reader itself found wrong
with the row. For CSV, `line` is the line of the file where the row starts (the header is line
1); for GeoJSON it is the feature's number in the collection (1 for the first).
"""

import codecs
import csv
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain
from typing import Any, BinaryIO

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from maillage.common.encoding import UTF16_BOMS, BadEncoding, TextDecoder
from maillage.common.errors import ErrorCode, FieldError
from maillage.common.tabular import restore_cell
from maillage.common.text import control_characters_message, has_control_characters
from maillage.places.formats import datainclusion, mednum
from maillage.places.formats.canonical import CANONICAL_FIELDS, REQUIRED_FIELDS
from maillage.places.formats.geojson import PROPERTY_FIELDS

CHUNK_SIZE = 64 * 1024
# The longest header line and line of data read. A header of every canonical field takes under
# 1 KB and a row holds at most a 20,000-character description: a longer line is not a place
# file, and reading it whole would hold it (and copies of it) in memory.
MAX_HEADER_CHARS = 64 * 1024
MAX_LINE_CHARS = 1024 * 1024
MAX_COLUMNS = 1000
# A single GeoJSON feature larger than this is certainly a malformed file, not a place.
MAX_FEATURE_CHARS = 16 * 1024 * 1024
# Properties that our own GeoJSON export adds: read back without a warning.
GEOJSON_EXTRA_PROPERTIES = tuple(name for name in PROPERTY_FIELDS if name not in CANONICAL_FIELDS)
ROW_FIELD = "__row__"
EMPTY_LIST = object()  # the first object of a JSON list that has none

# The stable codes of the errors below (docs/data.md, « Import error codes »).
FILE_UTF16 = ErrorCode(
    "file.utf16",
    gettext_noop("Fichier en UTF-16 : enregistrez-le en « CSV UTF-8 » ou en Windows-1252."),
)
ENCODING_ADVICE = ErrorCode(
    "file.encoding_advice",
    gettext_noop("le fichier doit être en UTF-8 ou en Windows-1252, sans mélange des deux."),
)
FILE_ENCODING = ErrorCode("file.encoding", gettext_noop("Encodage illisible : %s"))
FILE_ENCODING_AT = ErrorCode(
    "file.encoding_at_line",
    gettext_noop("Encodage illisible vers la ligne %(line)d : %(advice)s"),
)
LINE_TOO_LONG = ErrorCode(
    "file.line_too_long", gettext_noop("Ligne %(line)d trop longue : %(limit)d caractères au plus.")
)
FILE_EMPTY = ErrorCode("file.empty", gettext_noop("Le fichier est vide."))
HEADER_UNREADABLE = ErrorCode("file.header_unreadable", gettext_noop("En-tête illisible : %s."))
TOO_MANY_COLUMNS = ErrorCode(
    "file.too_many_columns",
    gettext_noop("%(count)d colonnes dans l'en-tête : %(max)d au plus."),
)
DUPLICATE_COLUMN = ErrorCode(
    "file.duplicate_column", gettext_noop("Colonne « %s » en double dans l'en-tête.")
)
MISSING_COLUMNS = ErrorCode(
    "file.missing_columns",
    gettext_noop(
        "Colonne(s) obligatoire(s) absente(s) : %(missing)s. L'en-tête doit nommer "
        "au moins %(required)s (séparateur « , » ou « ; »)."
    ),
)
LINE_UNREADABLE = ErrorCode(
    "file.line_unreadable", gettext_noop("Ligne %(line)d illisible : %(error)s.")
)
ROW_CELLS = ErrorCode(
    "row.cells_count",
    gettext_noop(
        "%(cells)d cellules pour %(columns)d colonnes : un séparateur en trop "
        "ou des guillemets mal fermés ?"
    ),
)
SOURCE_ID_REQUIRED = ErrorCode(
    "source_id.required", gettext_noop("L'identifiant à la source est obligatoire.")
)
SOURCE_ID_DUPLICATE = ErrorCode(
    "source_id.duplicate",
    # `line` is a line number or an OSM object's id (`n123`): shown as it is, never as a number.
    gettext_noop("Identifiant « %(id)s » déjà utilisé ligne %(line)s du fichier."),
)
OBJECT_EXPECTED = ErrorCode("row.object_expected", gettext_noop("Objet attendu."))
FEATURE_EXPECTED = ErrorCode("row.feature_expected", gettext_noop("Objet « Feature » attendu."))
JSON_TOO_LARGE = ErrorCode(
    "json.too_large", gettext_noop("GeoJSON illisible : objet démesuré ou mal fermé.")
)
JSON_EXPECTED = ErrorCode(
    "json.expected",
    gettext_noop("GeoJSON illisible : « %(expected)s » attendu, « %(found)s » trouvé."),
)
JSON_END_OF_FILE = ErrorCode("json.end_of_file", gettext_noop("fin du fichier"))
JSON_TOO_DEEP = ErrorCode(
    "json.too_deep",
    gettext_noop("GeoJSON illisible : objets ou listes imbriqués trop profondément."),
)
# `error` is the JSON decoder's own words (English, as Python gives them).
JSON_SYNTAX = ErrorCode("json.syntax", gettext_noop("GeoJSON illisible : %s."))
JSON_TRAILING = ErrorCode(
    "json.trailing_content", gettext_noop("GeoJSON illisible : contenu après la fin de l'objet.")
)
JSON_LIST_TRAILING = ErrorCode(
    "json.list_trailing_content",
    gettext_noop("JSON illisible : contenu après la fin de la liste."),
)
FEATURE_COLLECTION_EXPECTED = ErrorCode(
    "json.feature_collection_expected",
    gettext_noop(
        "GeoJSON : une FeatureCollection est attendue "
        '({"type": "FeatureCollection", "features": […]}).'
    ),
)
POINT_EXPECTED = ErrorCode(
    "geometry.point_expected",
    gettext_noop('Point attendu : {"type": "Point", "coordinates": [longitude, latitude]}.'),
)


class ImportFileError(Exception):
    """The file as a whole cannot be read. `line` says where (0: nowhere in particular)."""

    def __init__(self, message: str, *, line: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass
class RawRow:
    # The line of the file; for an OSM extract, the object's id (`n123`, `w456`).
    line: int | str
    values: dict[str, Any]
    errors: list[FieldError] = field(default_factory=list)
    # Fields whose invalid value is dropped with a warning instead of rejecting the row
    # (an OSM object's `opening_hours`, `phone`…: the place is worth having without them).
    lenient: frozenset[str] = frozenset()


def _decoded_chunks(stream: BinaryIO) -> Iterator[str]:
    """The file's text in chunks, BOM removed, encoding detected on the way."""
    decoder = TextDecoder()
    head = stream.read(CHUNK_SIZE)
    while 0 < len(head) < len(codecs.BOM_UTF8) and (more := stream.read(CHUNK_SIZE)):
        head += more
    if head.startswith(UTF16_BOMS):
        raise ImportFileError(FILE_UTF16())
    if head.startswith(codecs.BOM_UTF8):
        head = head[len(codecs.BOM_UTF8) :]
        decoder.encoding = "utf-8"
    yield decoder.decode(head)
    while data := stream.read(CHUNK_SIZE):
        yield decoder.decode(data)
    yield decoder.decode(b"", final=True)


def _encoding_error(line: int) -> ImportFileError:
    advice = ENCODING_ADVICE()
    if not line:
        return ImportFileError(FILE_ENCODING(advice=advice))
    return ImportFileError(FILE_ENCODING_AT(line=line, advice=advice), line=line)


def _lines(chunks: Iterable[str]) -> Iterator[str]:
    """Lines with their end (`\\n`, `\\r\\n`), as `csv.reader` wants them (newline='').

    A line longer than MAX_HEADER_CHARS (the header) or MAX_LINE_CHARS is refused as soon as
    that much is read, so memory stays bounded whatever the file.
    """
    pending = ""
    count = 0
    try:
        for chunk in chunks:
            pending += chunk
            *complete, pending = pending.split("\n")
            for line in complete:
                count += 1
                _check_line_length(len(line), count)
                yield line + "\n"
            _check_line_length(len(pending), count + 1)
    except BadEncoding as exc:
        raise _encoding_error(count + 1 + exc.newlines) from None
    if pending:
        yield pending


def _check_line_length(length: int, line: int) -> None:
    limit = MAX_HEADER_CHARS if line == 1 else MAX_LINE_CHARS
    if length > limit:
        raise ImportFileError(LINE_TOO_LONG(line=line, limit=limit), line=line)


class PlaceFile:
    """An opened import file: its `format`, the `unknown_fields` it carries, and its rows.

    Rows are produced once, lazily, by iterating over the object. For GeoJSON, properties are
    discovered feature by feature, so `unknown_fields` is complete only after the iteration.
    """

    def __init__(self, file_format: str, rows: Iterator[RawRow], unknown: list[str]) -> None:
        self.format = file_format
        self.unknown_fields = unknown
        self._rows = rows
        # Warnings of the reader itself (objects skipped…), complete after the iteration.
        self.notes: list[str] = []

    def __iter__(self) -> Iterator[RawRow]:
        return self._rows

    def close(self) -> None:
        """Release what reading needed besides the stream (an OSM extract's temporary copy)."""


def open_place_file(stream: BinaryIO) -> PlaceFile:
    """Detect the format and encoding of `stream` and read its header (CSV).

    Raises ImportFileError for an empty file, a CSV without a required column, and, during the
    iteration, for anything that makes the rest of the file unreadable.
    """
    chunks = _decoded_chunks(stream)
    skipped = []
    try:
        for chunk in chunks:
            skipped.append(chunk)
            if chunk.strip():
                break
    except BadEncoding as exc:
        newlines = sum(chunk.count("\n") for chunk in skipped)
        raise _encoding_error(1 + newlines + exc.newlines) from None
    text = "".join(skipped)
    if not text.strip():
        raise ImportFileError(FILE_EMPTY())
    if text.lstrip().startswith("{"):
        unknown: list[str] = []
        return PlaceFile("geojson", _geojson_rows(chain([text], chunks), unknown), unknown)
    if text.lstrip().startswith("["):
        # A JSON list: data·inclusion's structures, or its services when the first object has a
        # `structure_id` (the importer maps them, see `places.formats.datainclusion`).
        objects = _JsonStream(chain([text], chunks))
        objects.expect("[")
        first = objects.value() if objects.peek() != "]" else EMPTY_LIST
        services = isinstance(first, dict) and "structure_id" in first
        file_format = datainclusion.SERVICE_FORMAT if services else datainclusion.STRUCTURE_FORMAT
        return PlaceFile(file_format, _json_list_rows(objects, first), [])
    return _open_csv(_lines(chain([text], chunks)))


# --- CSV ------------------------------------------------------------------------------------


def _open_csv(lines: Iterator[str]) -> PlaceFile:
    header_line = next(lines)
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    reader = csv.reader(chain([header_line], lines), delimiter=delimiter)
    try:
        header = [name.strip().lower() for name in next(reader)]
    except csv.Error as exc:
        raise ImportFileError(HEADER_UNREADABLE(error=str(exc)), line=1) from None
    if len(header) > MAX_COLUMNS:
        raise ImportFileError(TOO_MANY_COLUMNS(count=len(header), max=MAX_COLUMNS), line=1)
    for name, count in Counter(header).items():
        if name and count > 1:
            raise ImportFileError(DUPLICATE_COLUMN(name=name), line=1)
    if set(header) >= mednum.SIGNATURE and "source_id" not in header:
        return _open_mednum_csv(reader, header)
    missing = [name for name in REQUIRED_FIELDS if name not in header]
    if missing:
        raise ImportFileError(
            MISSING_COLUMNS(missing=", ".join(missing), required=", ".join(REQUIRED_FIELDS)),
            line=1,
        )
    unknown = [
        name or _("(colonne %d sans nom)") % (index + 1)
        for index, name in enumerate(header)
        if name not in CANONICAL_FIELDS
    ]
    return PlaceFile("csv", _csv_rows(reader, header), unknown)


def _open_mednum_csv(reader, header: list[str]) -> PlaceFile:
    """A file in the national schema « Lieux de médiation numérique » (`places.formats.mednum`):
    rows of its columns, which the importer maps onto our fields."""
    unknown = [
        name or _("(colonne %d sans nom)") % (index + 1)
        for index, name in enumerate(header)
        if name not in mednum.HEADER
    ]
    return PlaceFile("mednum", _csv_rows(reader, header, known=mednum.HEADER, key="id"), unknown)


def _csv_rows(
    reader, header: list[str], *, known=CANONICAL_FIELDS, key: str = "source_id"
) -> Iterator[RawRow]:
    columns = [(index, name) for index, name in enumerate(header) if name in known]
    width = len(header)
    previous_end = reader.line_num
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise ImportFileError(
                LINE_UNREADABLE(line=previous_end + 1, error=str(exc)), line=previous_end + 1
            ) from None
        line, previous_end = previous_end + 1, reader.line_num
        if not any(cell.strip() for cell in cells):
            continue  # blank lines and rows of empty cells, as spreadsheets leave at the end
        errors = []
        if len(cells) > width and any(cell.strip() for cell in cells[width:]):
            errors.append(FieldError(ROW_FIELD, ROW_CELLS(cells=len(cells), columns=width)))
        values = {
            name: restore_cell(cells[index]) if index < len(cells) else ""
            for index, name in columns
        }
        errors.extend(_identifier_errors(values, key))
        yield RawRow(line, values, errors)


def _identifier_errors(values: dict[str, Any], key: str = "source_id") -> list[FieldError]:
    """A `source_id` with a control character. The place validator checks every other field
    (`places.validation.control_character_errors`); the identifier is the import's own."""
    source_id = values.get(key)
    if isinstance(source_id, str) and has_control_characters(source_id):
        return [FieldError(key, control_characters_message())]
    return []


# --- GeoJSON --------------------------------------------------------------------------------

_BLANK = re.compile(r"\s*")


class _JsonStream:
    """Decodes one JSON value at a time from text chunks (top-level keys, then each feature)."""

    def __init__(self, chunks: Iterator[str]) -> None:
        self._chunks = chunks
        self._buffer = ""
        self._pos = 0
        self._decoder = json.JSONDecoder()
        self.exhausted = False

    def _fill(self) -> bool:
        """Append the next chunk (dropping what was consumed); False at the end of the file."""
        try:
            chunk = next(self._chunks)
        except StopIteration:
            self.exhausted = True
            return False
        except BadEncoding:
            raise _encoding_error(0) from None
        self._buffer = self._buffer[self._pos :] + chunk
        self._pos = 0
        if len(self._buffer) > MAX_FEATURE_CHARS:
            raise ImportFileError(JSON_TOO_LARGE())
        return True

    def peek(self) -> str:
        """The next non-blank character ('' at the end of the file), not consumed."""
        while True:
            self._pos = _BLANK.match(self._buffer, self._pos).end()
            if self._pos < len(self._buffer):
                return self._buffer[self._pos]
            if not self._fill():
                return ""

    def expect(self, char: str) -> None:
        found = self.peek()
        if found != char:
            raise ImportFileError(JSON_EXPECTED(expected=char, found=found or JSON_END_OF_FILE()))
        self._pos += 1

    def value(self) -> Any:
        self.peek()
        while True:
            try:
                value, end = self._decoder.raw_decode(self._buffer, self._pos)
            except RecursionError:
                # The decoder recurses once per level of nesting: a feature needs four.
                raise ImportFileError(JSON_TOO_DEEP()) from None
            except json.JSONDecodeError as exc:
                # An error at the very end of the buffer may just be a value cut by the chunk
                # boundary (strings report where they start): read on before concluding.
                truncated = exc.pos >= len(self._buffer) - 10 or exc.msg.startswith(
                    "Unterminated string"
                )
                if truncated and self._fill():
                    continue
                raise ImportFileError(JSON_SYNTAX(error=exc.msg)) from None
            # A number that touches the end of the buffer may continue in the next chunk.
            if end == len(self._buffer) and not self.exhausted and self._fill():
                continue
            self._pos = end
            return value


def _geojson_rows(chunks: Iterator[str], unknown: list[str]) -> Iterator[RawRow]:
    """Stream the features of a FeatureCollection, in any order of the top-level keys."""
    stream = _JsonStream(chunks)
    stream.expect("{")
    collection_type = None
    has_features = False
    number = 0
    while stream.peek() != "}":
        key = stream.value()
        stream.expect(":")
        if key == "features":
            has_features = True
            stream.expect("[")
            while stream.peek() != "]":
                number += 1
                yield _feature_row(number, stream.value(), unknown)
                if stream.peek() != "]":
                    stream.expect(",")
            stream.expect("]")
        else:
            value = stream.value()
            if key == "type":
                collection_type = value
                if value != "FeatureCollection":
                    raise _not_a_collection()
        if stream.peek() != "}":
            stream.expect(",")
    stream.expect("}")
    if stream.peek():
        raise ImportFileError(JSON_TRAILING())
    if collection_type != "FeatureCollection" or not has_features:
        raise _not_a_collection()


def _json_list_rows(stream: "_JsonStream", first: Any) -> Iterator[RawRow]:
    """Stream the objects of a JSON list, each as it is (`line`: its number, 1 for the first).

    `stream` is past the `[` and past the `first` object (`EMPTY_LIST` when there is none)."""
    number = 0
    item = first
    while item is not EMPTY_LIST:
        number += 1
        errors = []
        if not isinstance(item, dict):
            errors.append(FieldError(ROW_FIELD, OBJECT_EXPECTED()))
            item = {}
        errors.extend(_identifier_errors(item, datainclusion.KEY))
        yield RawRow(number, item, errors)
        if stream.peek() == "]":
            break
        stream.expect(",")
        item = stream.value()
    stream.expect("]")
    if stream.peek():
        raise ImportFileError(JSON_LIST_TRAILING())


def _not_a_collection() -> ImportFileError:
    return ImportFileError(FEATURE_COLLECTION_EXPECTED())


def _feature_row(number: int, feature: Any, unknown: list[str]) -> RawRow:
    """Canonical values of one feature: its properties, and coordinates from its geometry."""
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        return RawRow(number, {}, [FieldError(ROW_FIELD, FEATURE_EXPECTED())])
    properties = feature.get("properties") or {}
    if not isinstance(properties, dict):
        return RawRow(number, {}, [FieldError("properties", OBJECT_EXPECTED())])
    known = (*CANONICAL_FIELDS, *GEOJSON_EXTRA_PROPERTIES)
    unknown.extend(name for name in properties if name not in known and name not in unknown)
    values = {name: value for name, value in properties.items() if name in CANONICAL_FIELDS}
    errors = []
    geometry = feature.get("geometry")
    # Our export marks places located at their commune's centre, whose geometry is derived:
    # reading it back as precise coordinates would turn every such place into an update.
    derived = properties.get("location_precision") == "commune" and values.get("insee_code")
    if geometry is not None and not derived:
        coordinates = geometry.get("coordinates") if isinstance(geometry, dict) else None
        if (
            not isinstance(geometry, dict)
            or geometry.get("type") != "Point"
            or not isinstance(coordinates, list)
            or len(coordinates) not in (2, 3)
            or not all(
                isinstance(number, int | float) and not isinstance(number, bool)
                for number in coordinates
            )
        ):
            errors.append(FieldError("geometry", POINT_EXPECTED()))
        else:
            values["longitude"], values["latitude"] = coordinates[0], coordinates[1]
    elif derived:
        values.pop("latitude", None)
        values.pop("longitude", None)
    errors.extend(_identifier_errors(values))
    return RawRow(number, values, errors)
