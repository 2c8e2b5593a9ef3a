"""OpenStreetMap tags of places, both ways, a mapping over `places.fields` (docs/data.md, OSM).

- `values_from_tags(tags)`: the canonical values (the names of `canonical.CANONICAL_FIELDS`)
  an OSM object's tags give, or None when no tag matches one of our kinds. The OSM import
  (`opendata.osm`) reads extracts with this; the validator checks the values as for any import.
- `osm_tags(row)`: the OSM tags of one of our places (an export row of `formats.EXPORT_FIELDS`
  or `row_from_place`), for mappers to review: `export_places --format osm` and
  `GET /api/v1/places.osm.geojson`.
- `osm_diff(row, record)`: how a place differs from the OSM record stored for it, tag by tag.

The kind tags are deliberately few (the table is in docs/data.md): a tag is mapped only when
what it tags is one of our kinds, whatever else it tags. `shop=second_hand` covers every
charity and thrift shop, so it makes a `ressourcerie` only when the name says so; there is no
established tag for a tool library, an espace public numérique, a third place in general, and
those kinds are neither imported nor exported. Pure functions: no query is made here.

Of the closed code lists, only the fees have an established tag: `fee`
(https://wiki.openstreetmap.org/wiki/Key:fee, `yes` a fee is charged, `no` free of charge),
both ways (`FEE_TAG_VALUES`): `free` alone is `fee=no`, `paid` alone `fee=yes`, anything else
no tag (`free_conditional` has no value of its own). The audiences, support and access modes
have no tag for a place of ours (`social_facility:for` belongs to `amenity=social_facility`),
and a mobile place is not a mapped object.
"""

import hashlib
import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from maillage.common.text import fold

from ..kinds import Fees, PlaceKind, Wheelchair
from ..validation import normalise_phone

OSM_SOURCE = "osm"
# An OSM object as our source ids and reports name it: n123 (node), w456 (way), r789 (relation).
OSM_ID = re.compile(r"^[nwr][1-9][0-9]{0,18}$")
_OSM_TYPES = {"n": "node", "w": "way", "r": "relation"}

# (key, value) → kind; the rules of `_kinds_from_tags` refine two of them.
KIND_TAGS: dict[tuple[str, str], str] = {
    ("amenity", "coworking_space"): PlaceKind.COWORKING,
    ("office", "coworking"): PlaceKind.COWORKING,
    ("leisure", "hackerspace"): PlaceKind.MAKERSPACE,
    ("repair", "assisted_self_service"): PlaceKind.REPAIR_CAFE,
    ("repair_cafe", "yes"): PlaceKind.REPAIR_CAFE,
    ("shop", "second_hand"): PlaceKind.RESSOURCERIE,
}
# A hackerspace that says it is a fab lab.
FABLAB_TAG = ("hackerspace:type", "fablab")
# `shop=second_hand` is a ressourcerie only under one of these names (folded).
RESSOURCERIE_NAMES = ("ressourcerie", "recyclerie")
# The keys an extract is filtered on before the tags are looked at.
KIND_KEYS = tuple(dict.fromkeys(key for key, _ in KIND_TAGS))

# The tags each of our kinds is exported with, in this order.
EXPORT_KIND_TAGS: dict[str, tuple[tuple[str, str], ...]] = {
    PlaceKind.COWORKING: (("amenity", "coworking_space"),),
    PlaceKind.FABLAB: (("leisure", "hackerspace"), FABLAB_TAG),
    PlaceKind.MAKERSPACE: (("leisure", "hackerspace"),),
    PlaceKind.REPAIR_CAFE: (("repair", "assisted_self_service"),),
    PlaceKind.RESSOURCERIE: (("shop", "second_hand"),),
}
# Our scalar fields and their tag; the first tag present of each tuple is read on import.
FIELD_TAGS: dict[str, tuple[str, ...]] = {
    "name": ("name",),
    "opening_hours": ("opening_hours",),
    "website": ("website", "contact:website", "url"),
    "phone": ("phone", "contact:phone"),
    "email": ("email", "contact:email"),
    "siret": ("ref:FR:SIRET",),
    "postal_code": ("addr:postcode",),
    "city": ("addr:city",),
}
WHEELCHAIR_VALUES = {
    "yes": Wheelchair.YES,
    "designated": Wheelchair.YES,
    "limited": Wheelchair.LIMITED,
    "no": Wheelchair.NO,
}
# `fee=*` → the place's fees, both ways: only a place that is free, or paying, alone has a tag.
FEE_TAG_VALUES: dict[str, str] = {"no": Fees.FREE, "yes": Fees.PAID}
# The tags `osm_tags` gives and `osm_diff` compares, in the order of the diff.
COMPARED_TAGS = (
    "name",
    *(dict.fromkeys(key for tags in EXPORT_KIND_TAGS.values() for key, _ in tags)),
    "addr:housenumber",
    "addr:street",
    "addr:full",
    "addr:postcode",
    "addr:city",
    "opening_hours",
    "website",
    "phone",
    "email",
    "wheelchair",
    "ref:FR:SIRET",
    "fee",
)
# Farther than this from the OSM object, the place's position is a difference.
POSITION_TOLERANCE_M = 50.0
POSITION = "position"
# "12", "12 bis", "3-5", "12B" then the street.
_STREET_ADDRESS = re.compile(r"^(\d+(?:\s?(?:bis|ter|quater)|[a-z])?(?:-\d+)?)[\s,]+(\D.*)$", re.I)


@dataclass(frozen=True)
class OsmObject:
    """An OSM object as read from an extract: what `OsmRecord` stores."""

    osm_id: str
    tags: dict[str, str]
    latitude: float
    longitude: float
    version: int | None = None
    timestamp: datetime | None = None

    def digest(self) -> str:
        """SHA-256 of what is stored: equal digests, nothing to write."""
        content = {
            "tags": self.tags,
            "latitude": self.latitude,
            "longitude": self.longitude,
            "version": self.version,
            "timestamp": self.timestamp.isoformat() if self.timestamp else None,
        }
        encoded = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(encoded.encode()).hexdigest()


def osm_type(osm_id: str) -> str:
    """`node`, `way` or `relation`: the type in OSM's own URLs."""
    return _OSM_TYPES[osm_id[0]]


def osm_url(osm_id: str) -> str:
    return f"https://www.openstreetmap.org/{osm_type(osm_id)}/{osm_id[1:]}"


# Keys where OSM separates several values with ";" (the first is ours).
_MULTIPLE = frozenset(
    {"website", "contact:website", "url", "phone", "contact:phone", "email", "contact:email"}
)


def _first(tags: Mapping[str, str], keys: Iterable[str]) -> str:
    for key in keys:
        value = tags.get(key, "").strip()
        if value:
            return value.split(";")[0].strip() if key in _MULTIPLE else value
    return ""


def kinds_from_tags(tags: Mapping[str, str]) -> list[str]:
    """Our kinds for an OSM object's tags, in the order of KIND_TAGS (none: not ours)."""
    kinds: list[str] = []
    for (key, value), tagged in KIND_TAGS.items():
        if tags.get(key) != value:
            continue
        kind = tagged
        if kind == PlaceKind.MAKERSPACE and tags.get(FABLAB_TAG[0]) == FABLAB_TAG[1]:
            kind = PlaceKind.FABLAB
        elif kind == PlaceKind.RESSOURCERIE and not any(
            name in fold(tags.get("name", "")) for name in RESSOURCERIE_NAMES
        ):
            continue
        if kind not in kinds:
            kinds.append(kind)
    return kinds


def street_address(tags: Mapping[str, str]) -> str:
    """The one-line address of `addr:*` ("12 rue de la Paix"), `addr:full` failing that."""
    street = tags.get("addr:street", "").strip() or tags.get("addr:place", "").strip()
    number = tags.get("addr:housenumber", "").strip()
    if street:
        return f"{number} {street}" if number else street
    return tags.get("addr:full", "").strip()


def values_from_tags(tags: Mapping[str, str]) -> dict[str, Any] | None:
    """The canonical values of an OSM object (coordinates aside), or None if it is not ours.

    Only the fields the tags give are set, so the validator's defaults apply to the others.
    """
    kinds = kinds_from_tags(tags)
    if not kinds:
        return None
    values: dict[str, Any] = {"kinds": kinds}
    for name, keys in FIELD_TAGS.items():
        if value := _first(tags, keys):
            values[name] = value
    if address := street_address(tags):
        values["address"] = address
    if wheelchair := WHEELCHAIR_VALUES.get(tags.get("wheelchair", "")):
        values["wheelchair"] = str(wheelchair)
    if fee := FEE_TAG_VALUES.get(tags.get("fee", "").strip()):
        values["fees"] = [str(fee)]
    return values


# --- Export ---------------------------------------------------------------------------------


def _address_tags(address: str) -> dict[str, str]:
    match = _STREET_ADDRESS.match(address.strip())
    if match:
        return {"addr:housenumber": match.group(1), "addr:street": match.group(2).strip()}
    return {"addr:street": address.strip()} if address.strip() else {}


def fee_tag(fees: Iterable[str] | None) -> str:
    """The `fee` value of a place's fees: `no` for `free` alone, `yes` for `paid` alone, ""
    (no tag) otherwise."""
    codes = set(fees or ())
    for value, code in FEE_TAG_VALUES.items():
        if codes == {code}:
            return value
    return ""


def osm_tags(row: Mapping[str, Any]) -> dict[str, str]:
    """The OSM tags of a place: its kinds' tags, name, address, hours, contacts, wheelchair,
    fee, SIRET. Empty values give no tag; a place none of whose kinds has a tag gets only the
    others (see `has_kind_tag`)."""
    tags: dict[str, str] = {}
    if row.get("name"):
        tags["name"] = row["name"]
    for kind in row.get("kinds") or ():
        for key, value in EXPORT_KIND_TAGS.get(kind, ()):
            tags.setdefault(key, value)
    tags.update(_address_tags(row.get("address") or ""))
    for name, key in (
        ("postal_code", "addr:postcode"),
        ("city", "addr:city"),
        ("opening_hours", "opening_hours"),
        ("website", "website"),
        ("phone", "phone"),
        ("email", "email"),
        ("wheelchair", "wheelchair"),
        ("siret", "ref:FR:SIRET"),
    ):
        if value := row.get(name):
            tags[key] = str(value)
    if fee := fee_tag(row.get("fees")):
        tags["fee"] = fee
    return tags


def has_kind_tag(row: Mapping[str, Any]) -> bool:
    """Whether one of the place's kinds has an OSM tag (the others cannot be mapped)."""
    return any(kind in EXPORT_KIND_TAGS for kind in row.get("kinds") or ())


def row_osm_id(row: Mapping[str, Any]) -> str:
    """The OSM id of a place imported from OSM (source `osm`), or ""."""
    source_id = row.get("source_id") or ""
    if row.get("source") == OSM_SOURCE and OSM_ID.match(source_id):
        return source_id
    return ""


def osm_feature(row: Mapping[str, Any]) -> dict[str, Any]:
    """A GeoJSON feature whose properties are OSM tags; `@id` (`node/123`) for a place that
    came from OSM, as the usual OSM-to-GeoJSON converters write it."""
    properties: dict[str, Any] = {}
    if osm_id := row_osm_id(row):
        properties["@id"] = f"{osm_type(osm_id)}/{osm_id[1:]}"
    properties.update(osm_tags(row))
    return {
        "type": "Feature",
        "id": str(row["uuid"]),
        "geometry": {"type": "Point", "coordinates": [row["longitude"], row["latitude"]]},
        "properties": properties,
    }


def osm_features(rows: Iterable[Mapping[str, Any]]) -> Iterator[dict[str, Any]]:
    """The features of the places that OSM can tag (`has_kind_tag`), one by one."""
    return (osm_feature(row) for row in rows if has_kind_tag(row))


# --- Diff -----------------------------------------------------------------------------------


def _normalised(key: str, value: str) -> str:
    value = " ".join(value.split())
    if key == "phone":
        try:
            return normalise_phone(value)
        except ValueError:
            return value
    if key == "website":
        value = value if "://" not in value else value.split("://", 1)[1]
        return value.removeprefix("www.").rstrip("/").lower()
    if key in ("email", "addr:city", "addr:street"):
        return fold(value)
    return value


def _record_tags(tags: Mapping[str, str]) -> dict[str, str]:
    """An OSM object's tags as `osm_tags` would give them (contact:* read as their tag)."""
    values = values_from_tags(tags) or {}
    result = {key: tags[key] for key in COMPARED_TAGS if tags.get(key)}
    for name, keys in FIELD_TAGS.items():
        if values.get(name):
            result[keys[0]] = values[name]
    return result


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle distance in metres (haversine)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlon = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlon / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(a))


def osm_diff(
    row: Mapping[str, Any], tags: Mapping[str, str], latitude: float, longitude: float
) -> list[tuple[str, str, str]]:
    """(tag, ours, OSM's) for every compared tag whose values differ, and `position` when the
    place is over POSITION_TOLERANCE_M from the OSM object. The address compares as a whole
    when either side writes it in one tag (`addr:full`) or not in number and street."""
    ours = osm_tags(row)
    theirs = _record_tags(tags)
    differences = []
    address_keys = ("addr:housenumber", "addr:street", "addr:full")
    if any(key in ours for key in address_keys) or any(key in theirs for key in address_keys):
        our_address = row.get("address") or ""
        their_address = street_address(tags)
        if fold(our_address) != fold(their_address):
            differences.append(("addr", our_address, their_address))
    for key in COMPARED_TAGS:
        if key in address_keys:
            continue
        mine, other = ours.get(key, ""), theirs.get(key, "")
        if _normalised(key, mine) != _normalised(key, other):
            differences.append((key, mine, other))
    if row.get("location_precision") != "commune" and (
        distance_m(row["latitude"], row["longitude"], latitude, longitude) > POSITION_TOLERANCE_M
    ):
        differences.append(
            (
                POSITION,
                f"{row['latitude']:.6f}, {row['longitude']:.6f}",
                f"{latitude:.6f}, {longitude:.6f}",
            )
        )
    return differences
