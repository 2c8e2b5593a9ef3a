"""Exports of places: canonical CSV, GeoJSON and schema.org JSON-LD.

Pure functions over the row dicts of `places.selectors.search_places(filters,
fields=EXPORT_FIELDS)` (rows with fewer fields, such as the API's compact GeoJSON, give fewer
properties). No query is made here.

Round trip: the CSV (and the GeoJSON) export is a valid import file, and re-importing the export
of a source under that source leaves every place `unchanged`. Two choices make this hold:

- `source_id` is the place's own identifier at its source, so the upsert key matches; places
  entered in Maillage itself get `maillage:<id>`, stable for other instances that import them;
- a place located at its commune's centre (`location_precision` "commune") is exported with empty
  coordinates in CSV (and marked so in GeoJSON): the import derives the same centre again
  instead of reading precise coordinates, which would be a change.

Formula injection: CSV cells that a spreadsheet would evaluate are prefixed with `'` (see
`common.tabular`) and the import removes that prefix, so the protection costs no
round trip. Negative numbers are left as they are: they cannot carry a formula, and
spreadsheets keep reading a longitude west of Greenwich as a number.
"""

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from maillage.common.tabular import iter_csv

from .canonical import CANONICAL_FIELDS, MULTI_VALUED_FIELDS, SEPARATOR
from .kinds import PlaceStatus
from .models import Place

# The fields to ask `search_places` for; `kinds`, `services`, `equipment` come with the labels.
EXPORT_FIELDS = (
    "id",
    "uuid",
    "slug",
    "name",
    "status",
    "description",
    "address",
    "postal_code",
    "city",
    "insee_code",
    "latitude",
    "longitude",
    "location_precision",
    "opening_hours",
    "website",
    "email",
    "phone",
    "siret",
    "legal_form",
    "wheelchair",
    "acceslibre_url",
    "source",
    "source_id",
    "updated_at",
)
# What a GeoJSON feature shows (place_feature): the export fields less those it leaves out.
GEOJSON_FIELDS = tuple(
    name for name in EXPORT_FIELDS if name not in ("acceslibre_url", "source", "updated_at")
)
_PROPERTY_FIELDS = tuple(name for name in CANONICAL_FIELDS if name not in ("latitude", "longitude"))
SCHEMA_ORG_CONTEXT = "https://schema.org"
_DAY = r"(?:Mo|Tu|We|Th|Fr|Sa|Su)"
_DAYS = rf"{_DAY}(?:-{_DAY})?(?:,{_DAY}(?:-{_DAY})?)*"
_SPAN = r"\d{2}:\d{2}-\d{2}:\d{2}"
# OSM rules that schema.org's `openingHours` can say: days, then one or more time spans.
_SIMPLE_RULE = re.compile(rf"(?P<days>{_DAYS}) (?P<spans>{_SPAN}(?:,{_SPAN})*)")
# Public holidays have no place in `openingHours`; saying nothing about them is not wrong.
_IGNORABLE_RULES = {"PH off", "PH closed"}


def place_path(slug: str) -> str:
    """The path of a place's page (the one the API's `url` fields give)."""
    return f"/lieux/{slug}/"


def export_source_id(row: Mapping[str, Any]) -> str:
    """The place's identifier at its source, or `maillage:<id>` for a place entered here."""
    return row.get("source_id") or f"maillage:{row['id']}"


def _commune_centred(row: Mapping[str, Any]) -> bool:
    return row.get("location_precision") == Place.LocationPrecision.COMMUNE and bool(
        row.get("insee_code")
    )


def _canonical_value(row: Mapping[str, Any], name: str) -> Any:
    if name == "source_id":
        return export_source_id(row)
    if name in ("latitude", "longitude") and _commune_centred(row):
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
        [_csv_cell(name, _canonical_value(row, name)) for name in CANONICAL_FIELDS] for row in rows
    )
    return iter_csv(CANONICAL_FIELDS, rows_of_cells)


def place_feature(row: Mapping[str, Any]) -> dict[str, Any]:
    """One GeoJSON Point feature; properties use the canonical names, plus id, slug and url."""
    properties: dict[str, Any] = {"id": row["id"]}
    if "uuid" in row:
        properties["uuid"] = str(row["uuid"])
    if "slug" in row:
        properties["slug"] = row["slug"]
        properties["url"] = place_path(row["slug"])
    # The coordinates are the geometry's; the rest only when the row carries the field. Of the
    # canonical values only `source_id` differs from the row's in GeoJSON (see _canonical_value):
    # it is set in place, keeping the order, rather than each value going through a function.
    for name in _PROPERTY_FIELDS:
        if name in row:
            properties[name] = row[name]
    if "source_id" in row:
        properties["source_id"] = export_source_id(row)
    if "location_precision" in row:
        properties["location_precision"] = row["location_precision"]
    return {
        "type": "Feature",
        "id": row["id"],
        "geometry": {"type": "Point", "coordinates": [row["longitude"], row["latitude"]]},
        "properties": properties,
    }


def places_geojson(rows: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """A GeoJSON FeatureCollection (RFC 7946: coordinates are [longitude, latitude])."""
    return {"type": "FeatureCollection", "features": [place_feature(row) for row in rows]}


def schema_org_opening_hours(opening_hours: str) -> list[str]:
    """schema.org `openingHours` values for an OSM `opening_hours` string, or [] if not sayable.

    Only rules made of days and time spans translate (`Mo-Fr 09:00-12:00,14:00-18:00` gives
    `Mo-Fr 09:00-12:00` and `Mo-Fr 14:00-18:00`); `24/7` gives `Mo-Su`. When any other rule is
    present (`We off`, months, weeks…), nothing is given: dropping one rule would claim hours
    the place does not keep.
    """
    values: list[str] = []
    for rule in (part.strip() for part in opening_hours.split(";")):
        if not rule or rule in _IGNORABLE_RULES:
            continue
        if rule == "24/7":
            values.append("Mo-Su")
            continue
        match = _SIMPLE_RULE.fullmatch(rule)
        if match is None:
            return []
        values.extend(f"{match['days']} {span}" for span in match["spans"].split(","))
    return values


def _row_from_place(place: Place) -> dict[str, Any]:
    """The export row of a place loaded by `places.selectors.get_place` (relations prefetched)."""
    row = {name: getattr(place, name) for name in EXPORT_FIELDS}
    # In the order of the selectors' rows: kinds as they were given, labels alphabetically.
    row["kinds"] = [link.kind for link in sorted(place.kind_links.all(), key=lambda link: link.pk)]
    row["services"] = [label.name for label in place.services.all()]
    row["equipment"] = [label.name for label in place.equipment.all()]
    return row


def place_jsonld(place: Mapping[str, Any] | Place, base_url: str) -> dict[str, Any]:
    """schema.org description of a place, for a `<script type="application/ld+json">`.

    `place` is an export row or a Place from `get_place`; `base_url` (scheme and host, e.g.
    `request.build_absolute_uri("/")`) makes the page URL absolute. Open places are
    `LocalBusiness` (the type search engines read hours from); projects and closed places are
    plain `Place`. `additionalType` lists the kind codes of docs/glossary.md.
    """
    row = place if isinstance(place, Mapping) else _row_from_place(place)
    url = base_url.rstrip("/") + place_path(row["slug"])
    data: dict[str, Any] = {
        "@context": SCHEMA_ORG_CONTEXT,
        "@type": "LocalBusiness" if row.get("status") == PlaceStatus.OPEN else "Place",
        "@id": url,
        "url": url,
        "name": row["name"],
    }
    if row.get("description"):
        data["description"] = row["description"]
    if row.get("kinds"):
        data["additionalType"] = list(row["kinds"])
    address = {
        key: row.get(name)
        for key, name in (
            ("streetAddress", "address"),
            ("postalCode", "postal_code"),
            ("addressLocality", "city"),
        )
        if row.get(name)
    }
    if address:
        data["address"] = {"@type": "PostalAddress", **address, "addressCountry": "FR"}
    data["geo"] = {
        "@type": "GeoCoordinates",
        "latitude": row["latitude"],
        "longitude": row["longitude"],
    }
    if hours := schema_org_opening_hours(row.get("opening_hours") or ""):
        data["openingHours"] = hours
    if row.get("phone"):
        data["telephone"] = row["phone"]
    if row.get("email"):
        data["email"] = row["email"]
    if same_as := [row[name] for name in ("website", "acceslibre_url") if row.get(name)]:
        data["sameAs"] = same_as
    if row.get("siret"):
        siret = row["siret"]
        data["identifier"] = {"@type": "PropertyValue", "propertyID": "SIRET", "value": siret}
    features = [*row.get("services", []), *row.get("equipment", [])]
    if features:
        data["amenityFeature"] = [
            {"@type": "LocationFeatureSpecification", "name": name, "value": True}
            for name in features
        ]
    return data
