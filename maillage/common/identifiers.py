"""Validators of French public identifiers: SIREN (a legal entity), SIRET (one of its
establishments) and the INSEE code of a commune. Imports nothing from Django.

SIREN and SIRET carry a Luhn check digit (INSEE, « Répertoire Sirene », description of the
identifiers), except La Poste's establishments: SIREN 356 000 000 has more establishments than a
four-digit rank with a Luhn key can number, so their SIRETs follow another rule, a digit sum
that is a multiple of 5.

>>> is_valid_siren("356000000"), is_valid_siret("35600000049837"), is_valid_siret("73282932000074")
(True, True, True)
>>> is_insee_commune_code("64445"), is_insee_commune_code("2A004"), is_insee_commune_code("97411")
(True, True, True)
>>> is_insee_commune_code("20004"), is_insee_commune_code("96001")
(False, False)
"""

import re

LA_POSTE_SIREN = "356000000"
# A département (01–19, 21–95, 2A and 2B since Corsica split in 1976) and three digits, or an
# overseas département or collectivity (971–978, 984–989) and two digits (INSEE, Code officiel
# géographique).
INSEE_COMMUNE_CODE = re.compile(
    r"(?:0[1-9]|1\d|2[1-9AB]|[3-8]\d|9[0-5])\d{3}|(?:97[1-8]|98[4-9])\d{2}"
)


def _luhn_valid(digits: str) -> bool:
    total = 0
    for index, digit in enumerate(reversed(digits)):
        value = int(digit) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def is_valid_siren(siren: str) -> bool:
    """9 digits with a valid Luhn key."""
    return len(siren) == 9 and siren.isascii() and siren.isdigit() and _luhn_valid(siren)


def is_valid_siret(siret: str) -> bool:
    """14 digits with a valid Luhn key; La Poste's establishments use a digit-sum rule instead."""
    if len(siret) != 14 or not siret.isascii() or not siret.isdigit():
        return False
    if siret.startswith(LA_POSTE_SIREN):
        # INSEE: La Poste's SIRETs (SIREN 356 000 000) have a digit sum that is a multiple of 5.
        return sum(int(digit) for digit in siret) % 5 == 0
    return _luhn_valid(siret)


def is_insee_commune_code(code: str) -> bool:
    """Whether `code` has the form of a commune's INSEE code (not whether that commune exists:
    the territories know that). Upper case only: `2a004` is not a code, `2A004` is.
    """
    return INSEE_COMMUNE_CODE.fullmatch(code) is not None
