"""SIREN, SIRET and INSEE commune code validators (maillage.common.identifiers)."""

import csv
import doctest
import gzip
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from maillage.common import identifiers
from maillage.common.identifiers import is_insee_commune_code, is_valid_siren, is_valid_siret

REFERENCE_FILE = (
    Path(identifiers.__file__).resolve().parent.parent / "territories/data/territories.csv.gz"
)


def test_docstring_examples():
    assert doctest.testmod(identifiers).failed == 0


@pytest.mark.parametrize("siren", ["732829320", "356000000", "200067254", "130025265"])
def test_valid_sirens(siren):
    assert is_valid_siren(siren)


@pytest.mark.parametrize(
    "siren", ["732829321", "73282932", "7328293200", "73282932A", "", "７３２８２９３２０"]
)
def test_invalid_sirens(siren):
    assert not is_valid_siren(siren)


@pytest.mark.parametrize(
    ("siret", "valid"),
    [
        ("73282932000074", True),
        ("73282932000075", False),
        ("35600000049837", True),  # La Poste: digit sum 45, a multiple of 5
        ("35600000049838", False),
        ("7328293200007", False),
        ("7328293200007A", False),
        ("", False),
    ],
)
def test_sirets(siret, valid):
    assert is_valid_siret(siret) is valid


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_a_siret_outside_la_poste_is_valid_only_if_its_siren_and_rank_make_a_luhn_number(siren):
    """A SIRET is its SIREN plus a rank and key: the Luhn key of one is completed by one digit."""
    if siren == identifiers.LA_POSTE_SIREN:
        return
    keys = [d for d in "0123456789" if is_valid_siret(siren + "0001" + d)]
    assert len(keys) == 1
    assert is_valid_siren(
        siren[:8] + next(d for d in "0123456789" if is_valid_siren(siren[:8] + d))
    )


@pytest.mark.parametrize(
    "code", ["01001", "64445", "2A004", "2B033", "75056", "95690", "97411", "97611", "98818"]
)
def test_insee_commune_codes(code):
    assert is_insee_commune_code(code)


@pytest.mark.parametrize(
    "code", ["00001", "20004", "2C004", "2a004", "96001", "97911", "6444", "644450", "64 445", ""]
)
def test_not_insee_commune_codes(code):
    assert not is_insee_commune_code(code)


def test_every_code_of_the_shipped_territories_is_valid():
    """Communes have INSEE codes and EPCI are legal entities with a SIREN."""
    with gzip.open(REFERENCE_FILE, "rt", encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    communes = [row["code"] for row in rows if row["level"] == "commune"]
    epcis = [row["code"] for row in rows if row["level"] == "epci"]
    assert len(communes) > 30_000
    assert epcis
    assert [code for code in communes if not is_insee_commune_code(code)] == []
    assert [code for code in epcis if not is_valid_siren(code)] == []
