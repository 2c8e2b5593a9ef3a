"""Validity of French phone numbers in their national form, read from `phonenumbers`' metadata.

`phonenumbers.is_valid_number` tries each type of number of the region in turn (premium rate,
toll free, …, fixed line, mobile), each a length check and a regular expression, through a
dozen calls: about 30 µs a number, a tenth of the validation of an imported row. A number is
valid when it matches the region's general description and one of its types (`_number_type_helper`
in `phonenumbers.phonenumberutil` returns a type other than UNKNOWN exactly then). Here the
patterns of the types are read once from the same metadata and joined, by length, into one
expression: the same answer (tests/places/test_phones.py checks it against `phonenumbers` over
every leading three digits and random numbers), two matches a number.
"""

import functools
import re

from phonenumbers import PhoneMetadata

# Every type `phonenumbers.phonenumberutil._number_type_helper` tries, in its order.
_NUMBER_TYPES = (
    "premium_rate",
    "toll_free",
    "shared_cost",
    "voip",
    "personal_number",
    "pager",
    "uan",
    "voicemail",
    "fixed_line",
    "mobile",
)


@functools.cache
def _french_patterns() -> tuple[re.Pattern[str], dict[int, re.Pattern[str]]]:
    """(the general description's pattern, length → the joined patterns of the types that
    accept numbers of that length)."""
    metadata = PhoneMetadata.metadata_for_region("FR")
    general = metadata.general_desc
    by_length: dict[int, list[str]] = {}
    for name in _NUMBER_TYPES:
        desc = getattr(metadata, name)
        if desc is None or not desc.national_number_pattern:
            continue
        # A type without lengths of its own takes the general description's.
        for length in desc.possible_length or general.possible_length:
            by_length.setdefault(length, []).append(desc.national_number_pattern)
    return re.compile(general.national_number_pattern), {
        length: re.compile("|".join(f"(?:{pattern})" for pattern in patterns))
        for length, patterns in by_length.items()
    }


def is_valid_french_number(national: str) -> bool:
    """Whether `national` (the digits after the leading 0: "559000000") is a valid French
    number, as `phonenumbers.is_valid_number` says of +33 followed by those digits."""
    general, by_length = _french_patterns()
    types = by_length.get(len(national))
    return (
        types is not None
        and general.fullmatch(national) is not None
        and types.fullmatch(national) is not None
    )
