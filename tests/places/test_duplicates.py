"""The look-alike rule of `places.duplicates`, shared by harvests and imports."""

import pytest

from maillage.places.duplicates import DuplicateIndex, DuplicateReason

ROWS = [
    (1, "Le Bureau", "", 43.0, -0.5),
    (2, "Autre", "73282932000074", 45.0, 1.0),
    (3, "LE  BUREAU", "73282932000074", 43.0005, -0.5),
]


def test_siret_matches_anywhere_and_names_within_100_m():
    index = DuplicateIndex(ROWS)
    matches = index.matches(name="le bureau", siret="73282932000074", latitude=43.0, longitude=-0.5)
    assert [(m.place_id, m.reason) for m in matches] == [
        (2, DuplicateReason.SIRET),
        (3, DuplicateReason.SIRET),
        (1, DuplicateReason.NAME_NEARBY),
    ]
    assert matches[1].distance_m == pytest.approx(55.6, abs=0.5)


def test_a_name_farther_than_100_m_or_no_siret_matches_nothing():
    index = DuplicateIndex(ROWS)
    assert index.matches(name="Le Bureau", siret="", latitude=43.01, longitude=-0.5) == []
    assert index.matches(name="", siret="", latitude=43.0, longitude=-0.5) == []
