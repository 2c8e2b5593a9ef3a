"""The external formats of places, one module each, each a mapping over `places.fields`:

- `canonical`: the canonical format of imports and exports (CSV columns, the same names in
  JSON), the digest of imported content, the CSV writer;
- `geojson`: GeoJSON features (canonical names as properties);
- `schemaorg`: schema.org JSON-LD for the place pages and the exports.

The national schemas (data·inclusion, the tiers-lieux schema) will be modules beside these.
They live in `places` rather than `opendata` because the place pages and the places API use
them and `places` may not import `opendata` (docs/decisions.md).

This package holds what the formats share: the export row and the path of a place's page.
Pure functions over the row dicts of `places.selectors.search_places(filters,
fields=EXPORT_FIELDS)` (rows with fewer fields, such as the API's compact GeoJSON, give fewer
properties). No query is made here.
"""

from collections.abc import Mapping
from typing import Any

from ..fields import View, names_for
from ..models import Place

# The fields to ask `search_places` for; `kinds`, `services`, `equipment` come with the labels.
EXPORT_FIELDS = names_for(View.EXPORT, columns=True)


def place_path(slug: str) -> str:
    """The path of a place's page (the one the API's `url` fields give)."""
    return f"/lieux/{slug}/"


def export_source_id(row: Mapping[str, Any]) -> str:
    """The place's identifier at its source, or `maillage:<id>` for a place entered here."""
    return row.get("source_id") or f"maillage:{row['id']}"


def row_from_place(place: Place) -> dict[str, Any]:
    """The export row of a place loaded by `places.selectors.get_place` (relations prefetched)."""
    row = {name: getattr(place, name) for name in EXPORT_FIELDS}
    # In the order of the selectors' rows: kinds as they were given, labels alphabetically.
    row["kinds"] = [link.kind for link in sorted(place.kind_links.all(), key=lambda link: link.pk)]
    row["services"] = [label.name for label in place.services.all()]
    row["equipment"] = [label.name for label in place.equipment.all()]
    return row
