"""places.phones answers as phonenumbers does for French numbers in their national form."""

import phonenumbers
from hypothesis import given
from hypothesis import strategies as st

from maillage.places.phones import is_valid_french_number
from maillage.places.validation import normalise_phone


def library_says(national: str) -> bool:
    number = phonenumbers.PhoneNumber(country_code=33, national_number=int(national))
    return phonenumbers.is_valid_number(number)


def test_every_leading_three_digits_agree_with_phonenumbers():
    """Each of the 900 ways a national number can start, with three endings each: the types
    of numbers differ by their first digits."""
    for prefix in range(100, 1000):
        for ending in ("000000", "123456", "999999"):
            national = f"{prefix}{ending}"
            assert is_valid_french_number(national) == library_says(national), national


@given(st.from_regex(r"[1-9][0-9]{5,11}", fullmatch=True))
def test_any_number_agrees_with_phonenumbers(national):
    assert is_valid_french_number(national) == library_says(national)


def test_the_national_form_gives_the_e164_form_phonenumbers_gives():
    for raw in ("05 59 00 00 00", "06.12.34.56.78", "0800123456", "09 70 00 00 00"):
        expected = phonenumbers.format_number(
            phonenumbers.parse(raw, "FR"), phonenumbers.PhoneNumberFormat.E164
        )
        assert normalise_phone(raw) == expected
