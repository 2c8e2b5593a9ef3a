"""The canonical place format shared by imports and exports (CSV columns, GeoJSON properties).

Column names, codes and the `|` separator are those of docs/glossary.md and issue 2 § 6; an export
is a valid import file, so that a round trip through a spreadsheet or another instance works.
"""

import hashlib
import json
from dataclasses import fields
from datetime import datetime
from functools import lru_cache

from maillage.common.text import fold

from .validation import MULTI_VALUE_SEPARATOR, CleanPlace

CANONICAL_FIELDS = (
    "source_id",
    "name",
    "kinds",
    "status",
    "description",
    "address",
    "postal_code",
    "city",
    "insee_code",
    "latitude",
    "longitude",
    "opening_hours",
    "website",
    "email",
    "phone",
    "siret",
    "legal_form",
    "services",
    "equipment",
    "wheelchair",
)
REQUIRED_FIELDS = ("source_id", "name", "kinds")
MULTI_VALUED_FIELDS = ("kinds", "services", "equipment")
SEPARATOR = MULTI_VALUE_SEPARATOR
SOURCE_ID_MAX_LENGTH = 200  # Place.source_id

_CLEAN_FIELDS = tuple(field.name for field in fields(CleanPlace))
# Digests are stored: the encoding must not change, or every place would read as updated.
_DIGEST_ENCODER = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))
# Labels repeat from row to row (a network's few dozen services): folded once each.
_fold_label = lru_cache(maxsize=4096)(fold)


def place_digest(clean: CleanPlace) -> str:
    """SHA-256 of the clean values in canonical form: equal digests mean equal content.

    Kinds are a set and labels match case- and accent-insensitively (like `Label.folded`), so
    neither their order nor the spelling an existing label already has changes the digest.
    """
    values = {name: getattr(clean, name) for name in _CLEAN_FIELDS}
    values["commune"] = clean.commune.code if clean.commune else ""
    values["kinds"] = sorted(clean.kinds)
    values["services"] = sorted({_fold_label(label) for label in clean.services})
    values["equipment"] = sorted({_fold_label(label) for label in clean.equipment})
    if isinstance(clean.source_updated_at, datetime):
        values["source_updated_at"] = clean.source_updated_at.isoformat()
    return hashlib.sha256(_DIGEST_ENCODER.encode(values).encode()).hexdigest()
