"""The canonical place format shared by imports and exports (CSV columns, GeoJSON properties).

Column names, codes and the `|` separator are those of docs/glossary.md and issue 2 § 6; an export
is a valid import file, so that a round trip through a spreadsheet or another instance works.
The columns are the fields of `places.fields` in the `canonical` view: first the key of the
import (`source_id`), then the place's data in the registry's order, then its identity in this
instance (`uuid`), after the columns of issue 2 so that they keep their positions.

Round trip: re-importing the export of a source under that source leaves every place
`unchanged`. Three choices make this hold:

- `source_id` is the place's own identifier at its source, so the upsert key matches; places
  entered in Maillage itself get `maillage:<id>`, stable for other instances that import them;
- a place located at its commune's centre (`location_precision` "commune") is exported with empty
  coordinates in CSV (and marked so in GeoJSON): the import derives the same centre again
  instead of reading precise coordinates, which would be a change;
- `uuid` is read and ignored by imports (the validator reads only the fields it knows, and
  the digest is made of validated values): it is the place's identity in the instance that
  exported it, while an import matches places by source and `source_id`. An instance that
  reads another's file gives its places uuids of its own, and a file edited by hand cannot
  move a uuid from one place to another.

Formula injection: CSV cells that a spreadsheet would evaluate are prefixed with `'` (see
`common.tabular`) and the import removes that prefix, so the protection costs no
round trip. Negative numbers are left as they are: they cannot carry a formula, and
spreadsheets keep reading a longitude west of Greenwich as a number.
"""

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import fields
from datetime import datetime
from functools import lru_cache
from typing import Any

from maillage.common.tabular import iter_csv
from maillage.common.text import fold

from ..fields import BY_NAME, Kind, Role, View, fields_for
from ..models import Place
from ..validation import MULTI_VALUE_SEPARATOR, CleanPlace
from . import export_source_id

KEY = "source_id"  # what an import matches places on, with the source
_CANONICAL = fields_for(View.CANONICAL)
CANONICAL_FIELDS = (
    KEY,
    *(field.name for field in _CANONICAL if field.role == Role.DATA),
    *(field.name for field in _CANONICAL if field.role == Role.IDENTITY),
)
# Columns an import reads but does not use (see the module's docstring).
IGNORED_ON_IMPORT = tuple(field.name for field in _CANONICAL if field.role == Role.IDENTITY)
REQUIRED_FIELDS = (KEY, *(field.name for field in _CANONICAL if field.required))
MULTI_VALUED_FIELDS = tuple(
    field.name for field in _CANONICAL if field.kind in (Kind.CODES, Kind.LABELS)
)
SEPARATOR = MULTI_VALUE_SEPARATOR
SOURCE_ID_MAX_LENGTH = BY_NAME[KEY].max_length or 0  # Place.source_id

_CLEAN_FIELDS = tuple(field.name for field in fields(CleanPlace))
# Digests are stored: the encoding must not change, or every place would read as updated.
_DIGEST_ENCODER = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))
# Labels repeat from row to row (a network's few dozen services): folded once each.
_fold_label = lru_cache(maxsize=4096)(fold)


# Fields declared after digests were first stored (`added_after_first_digests`: the national
# schema's closed lists): left out of a digest while empty, so that the stored digest of a place
# that says nothing of them stays valid and its next import of the same row is « unchanged ».
_ADDED_AFTER_FIRST_DIGESTS = tuple(
    field.name for field in fields_for(View.CLEAN) if field.added_after_first_digests
)


def place_digest(clean: CleanPlace) -> str:
    """SHA-256 of the clean values in canonical form: equal digests mean equal content.

    Kinds are a set and labels match case- and accent-insensitively (like `Label.folded`), so
    neither their order nor the spelling an existing label already has changes the digest.
    """
    values = {name: getattr(clean, name) for name in _CLEAN_FIELDS}
    for name in _ADDED_AFTER_FIRST_DIGESTS:
        if not values[name]:
            del values[name]
    values["commune"] = clean.commune.code if clean.commune else ""
    values["kinds"] = sorted(clean.kinds)
    values["services"] = sorted({_fold_label(label) for label in clean.services})
    values["equipment"] = sorted({_fold_label(label) for label in clean.equipment})
    if isinstance(clean.source_updated_at, datetime):
        values["source_updated_at"] = clean.source_updated_at.isoformat()
    return hashlib.sha256(_DIGEST_ENCODER.encode(values).encode()).hexdigest()


def commune_centred(row: Mapping[str, Any]) -> bool:
    """Whether the row's coordinates are its commune's centre (derived again on import)."""
    return row.get("location_precision") == Place.LocationPrecision.COMMUNE and bool(
        row.get("insee_code")
    )


def canonical_value(row: Mapping[str, Any], name: str) -> Any:
    """The value of column `name` for an export row."""
    if name == KEY:
        return export_source_id(row)
    if name in ("latitude", "longitude") and commune_centred(row):
        return None
    return row.get(name)


def _csv_cell(name: str, value: Any) -> str:
    if value is None:
        return ""
    if name in MULTI_VALUED_FIELDS:
        return SEPARATOR.join(value)
    if isinstance(value, float):
        return repr(value)  # reads back to the same float: no rounding on a round trip
    return str(value)


def iter_places_csv(rows: Iterable[Mapping[str, Any]]) -> Iterator[str]:
    """The canonical CSV (header, then one line per row), piece by piece for streaming.

    Comma-separated, UTF-8 without BOM, RFC 4180 quoting and line ends; columns in the order of
    CANONICAL_FIELDS; multi-valued cells joined with `|`.
    """
    rows_of_cells = (
        [_csv_cell(name, canonical_value(row, name)) for name in CANONICAL_FIELDS] for row in rows
    )
    return iter_csv(CANONICAL_FIELDS, rows_of_cells)
