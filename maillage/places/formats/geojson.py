"""GeoJSON features of places (RFC 7946), a mapping over `places.fields`.

The geometry is a Point of the place's coordinates; the properties are the fields of the
`geojson` view and the canonical columns, under their canonical names, in the registry's order,
less the coordinates (they are the geometry's). Each property is given when the row carries its
field, so the home map's compact rows give a few properties only. Our import reads these
features back (`opendata.reading`): the canonical properties as values, the others as known.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from ..fields import FIELDS, View
from . import export_source_id, place_path
from .canonical import KEY

GEOMETRY_FIELDS = ("latitude", "longitude")
PROPERTY_FIELDS = tuple(
    field.name
    for field in FIELDS
    if (View.GEOJSON in field.views or View.CANONICAL in field.views)
    and field.name not in GEOMETRY_FIELDS
)
# The fields of the rows the API's full GeoJSON asks `search_places` for.
GEOJSON_FIELDS = tuple(
    field.name for field in FIELDS if View.GEOJSON in field.views and field.column
)
# Values that differ from the row's, each computed from the row.
_COMPUTED = {
    "url": lambda row: place_path(row["slug"]),
    "uuid": lambda row: str(row["uuid"]),
    KEY: export_source_id,
}
# What each computed property needs in the row.
_NEEDS = {"url": "slug", "uuid": "uuid", KEY: KEY}


def place_feature(row: Mapping[str, Any]) -> dict[str, Any]:
    """One GeoJSON Point feature; properties use the canonical names, plus id, slug and url."""
    properties: dict[str, Any] = {}
    for name in PROPERTY_FIELDS:
        if (compute := _COMPUTED.get(name)) is not None:
            if _NEEDS[name] in row:
                properties[name] = compute(row)
        elif name in row:
            properties[name] = row[name]
    return {
        "type": "Feature",
        "id": row["id"],
        "geometry": {"type": "Point", "coordinates": [row["longitude"], row["latitude"]]},
        "properties": properties,
    }


def places_geojson(rows: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """A GeoJSON FeatureCollection (RFC 7946: coordinates are [longitude, latitude])."""
    return {"type": "FeatureCollection", "features": [place_feature(row) for row in rows]}
