"""schema.org JSON-LD of places, a mapping over `places.fields`.

Each field's `schema_org` names the property it becomes: a plain property (`name`,
`telephone`), a property of a nested node (`address.postalCode` in a PostalAddress,
`geo.latitude` in GeoCoordinates), or one of the properties built below (`@type`, `@id`, `url`,
`additionalType`, `openingHours`, `sameAs`, `identifier`, `amenityFeature`,
`isAccessibleForFree`, `publicAccess`), and two that no single field feeds:
`openingHoursSpecification` (the same hours as structured values, what search engines read
best) and `containedInPlace` (the commune, in its département and région, as
`AdministrativeArea` nodes whose `url` is the territory's page).

The JSON-LD is written into the page by `places_tags.jsonld_script` as a
`<script type="application/ld+json">`: a data block, which browsers never execute, so the
strict Content-Security-Policy (`script-src 'self'`, no inline script) does not apply to it
and needs no exception (docs/decisions.md).

Of the closed code lists (`fees`, `access_modes`, …), only two have a property of `Place` in
schema.org, both booleans: `isAccessibleForFree` (https://schema.org/isAccessibleForFree) from
the fees and `publicAccess` (https://schema.org/publicAccess, no default when omitted) from the
access modes, each said only when the codes decide it. `audience` (https://schema.org/audience)
is a property of CreativeWork, Event, LodgingBusiness, PlayAction, Product and Service, not of
Place or LocalBusiness: the audiences are not written; nor are the mobility, the specific
support and the support modes, which no property of Place says (docs/data.md).
"""

import re
from collections.abc import Mapping
from typing import Any

from django.urls import reverse

from maillage.territories.models import Territory

from ..fields import FIELDS
from ..kinds import AccessMode, Fees, PlaceStatus
from ..models import Place
from . import place_path, row_from_place

SCHEMA_ORG_CONTEXT = "https://schema.org"
# The type of each nested node, and what it always says.
_NODES = {
    "address": {"@type": "PostalAddress"},
    "geo": {"@type": "GeoCoordinates"},
}
_NODE_CLOSINGS = {"address": {"addressCountry": "FR"}}
# schema.org property → the fields that feed it, in the registry's order.
_SOURCES: dict[str, list[str]] = {}
for _field in FIELDS:
    if _field.schema_org:
        _SOURCES.setdefault(_field.schema_org, []).append(_field.name)
# Properties built from the row by a rule of their own (below), not copied from one field.
_BUILT = {
    "@type",
    "@id",
    "url",
    "additionalType",
    "openingHours",
    "sameAs",
    "identifier",
    "amenityFeature",
    "isAccessibleForFree",
    "publicAccess",
}
_PLAIN = [prop for prop in _SOURCES if prop not in _BUILT and "." not in prop]
_NESTED = [prop for prop in _SOURCES if "." in prop]

_DAY = r"(?:Mo|Tu|We|Th|Fr|Sa|Su)"
_DAYS = rf"{_DAY}(?:-{_DAY})?(?:,{_DAY}(?:-{_DAY})?)*"
_SPAN = r"\d{2}:\d{2}-\d{2}:\d{2}"
# OSM rules that schema.org's `openingHours` can say: days, then one or more time spans.
_SIMPLE_RULE = re.compile(rf"(?P<days>{_DAYS}) (?P<spans>{_SPAN}(?:,{_SPAN})*)")
# Public holidays have no place in `openingHours`; saying nothing about them is not wrong.
_IGNORABLE_RULES = {"PH off", "PH closed"}


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


_DAY_CODES = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
_DAY_NAMES = dict(
    zip(
        _DAY_CODES,
        ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
        strict=True,
    )
)


def _days(spec: str) -> list[str]:
    """`Mo-Fr,Su` → Mo Tu We Th Fr Su (a range may wrap: `Sa-Mo`)."""
    days: list[str] = []
    for part in spec.split(","):
        first, _, last = part.partition("-")
        start = _DAY_CODES.index(first)
        end = _DAY_CODES.index(last or first)
        count = (end - start) % 7 + 1
        days.extend(_DAY_CODES[(start + offset) % 7] for offset in range(count))
    return list(dict.fromkeys(days))


def opening_hours_specification(opening_hours: str) -> list[dict[str, Any]]:
    """schema.org `OpeningHoursSpecification` nodes for what `schema_org_opening_hours` can
    say (nothing when it cannot say all the rules): one node per time span and set of days."""
    nodes = []
    for value in schema_org_opening_hours(opening_hours):
        days, _, span = value.partition(" ")
        opens, closes = span.split("-") if span else ("00:00", "23:59")
        nodes.append(
            {
                "@type": "OpeningHoursSpecification",
                "dayOfWeek": [f"{SCHEMA_ORG_CONTEXT}/{_DAY_NAMES[day]}" for day in _days(days)],
                "opens": opens,
                "closes": closes,
            }
        )
    return nodes


def _area(level: str, code: str, name: str, base_url: str) -> dict[str, Any]:
    url = base_url.rstrip("/") + reverse("territories:detail", args=[level, code])
    node: dict[str, Any] = {"@type": "AdministrativeArea", "@id": url, "url": url}
    if name:
        node["name"] = name
    node["identifier"] = code
    return node


def contained_in_place(
    territories: list[tuple[str, str, str]], base_url: str
) -> dict[str, Any] | None:
    """Nested `AdministrativeArea` nodes, the first territory (level, code, name) innermost."""
    node = None
    for level, code, name in reversed(territories):
        area = _area(level, code, name, base_url)
        if node is not None:
            area["containedInPlace"] = node
        node = area
    return node


def _territories_of(row: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """The commune of a place (its name as the place gives it), then its département and
    région, by code: from the row alone, with no query (their pages give their names)."""
    code = row.get("insee_code")
    if not code:
        return []
    territories = [(str(Territory.Level.COMMUNE), code, row.get("city") or "")]
    for level, name in (
        (Territory.Level.DEPARTEMENT, "departement_code"),
        (Territory.Level.REGION, "region_code"),
    ):
        if value := row.get(name):
            territories.append((str(level), value, ""))
    return territories


def accessible_for_free(fees: list[str] | None) -> bool | None:
    """`isAccessibleForFree` of a place's fees: true for `free` alone, false for `paid`
    alone; None (not said) otherwise: free under conditions, free and paying services, or
    nothing said, are neither free for everyone nor paying for everyone."""
    codes = set(fees or ())
    if codes == {Fees.FREE}:
        return True
    if codes == {Fees.PAID}:
        return False
    return None


def public_access(access_modes: list[str] | None) -> bool | None:
    """`publicAccess` of a place's access modes: false when it says it receives no public
    (`no_public`), true when visitors may walk in (`walk_in`); None when it says neither, or
    both (the other modes — phone, email, booking, prescription — do not say whether the
    place itself is open to visitors)."""
    codes = set(access_modes or ())
    walk_in, no_public = AccessMode.WALK_IN in codes, AccessMode.NO_PUBLIC in codes
    if walk_in == no_public:
        return None
    return walk_in


def _first(row: Mapping[str, Any], prop: str) -> Any:
    """The value of the first field feeding `prop` (a plain property has one)."""
    return row.get(_SOURCES[prop][0])


def place_jsonld(place: Mapping[str, Any] | Place, base_url: str) -> dict[str, Any]:
    """schema.org description of a place, for a `<script type="application/ld+json">`.

    `place` is an export row or a Place from `get_place`; `base_url` (scheme and host, e.g.
    `request.build_absolute_uri("/")`) makes the page URL absolute. Open places are
    `LocalBusiness` (the type search engines read hours from); projects and closed places are
    plain `Place`. `@id` is the place's stable uuid (`urn:uuid:…`), which outlives the page's
    URL when the slug changes. `additionalType` lists the kind codes of docs/glossary.md; the
    SIRET is the `identifier`.
    """
    row = place if isinstance(place, Mapping) else row_from_place(place)
    url = base_url.rstrip("/") + place_path(row["slug"])
    data: dict[str, Any] = {
        "@context": SCHEMA_ORG_CONTEXT,
        "@type": "LocalBusiness" if row.get("status") == PlaceStatus.OPEN else "Place",
        "@id": f"urn:uuid:{row['uuid']}" if row.get("uuid") else url,
        "url": url,
    }
    for prop in _PLAIN:
        if value := _first(row, prop):
            data[prop] = value
    if kinds := row.get("kinds"):
        data["additionalType"] = list(kinds)
    nodes: dict[str, dict[str, Any]] = {}
    for path in _NESTED:
        node, prop = path.split(".", 1)
        value = _first(row, path)
        if value or (node == "geo" and value is not None):
            nodes.setdefault(node, dict(_NODES[node]))[prop] = value
    for node, values in nodes.items():
        data[node] = {**values, **_NODE_CLOSINGS.get(node, {})}
    if hours := schema_org_opening_hours(row.get("opening_hours") or ""):
        data["openingHours"] = hours
        data["openingHoursSpecification"] = opening_hours_specification(row["opening_hours"])
    if area := contained_in_place(_territories_of(row), base_url):
        data["containedInPlace"] = area
    if same_as := [row[name] for name in _SOURCES["sameAs"] if row.get(name)]:
        data["sameAs"] = same_as
    if siret := _first(row, "identifier"):
        data["identifier"] = {"@type": "PropertyValue", "propertyID": "SIRET", "value": siret}
    if (free := accessible_for_free(_first(row, "isAccessibleForFree"))) is not None:
        data["isAccessibleForFree"] = free
    if (public := public_access(_first(row, "publicAccess"))) is not None:
        data["publicAccess"] = public
    if features := [name for field in _SOURCES["amenityFeature"] for name in row.get(field, [])]:
        data["amenityFeature"] = [
            {"@type": "LocationFeatureSpecification", "name": name, "value": True}
            for name in features
        ]
    return data
