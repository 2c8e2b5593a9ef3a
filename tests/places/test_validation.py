"""The one place validator: every field, its messages, and a few invariants."""

import re
import unicodedata
from datetime import datetime

import phonenumbers
import pytest
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from hypothesis import given, settings
from hypothesis import strategies as st

from maillage.common.identifiers import is_valid_siret
from maillage.common.text import fold
from maillage.places.hours import is_open_at, opening_hours_error, week_schedule
from maillage.places.validation import (
    FRENCH_NATIONAL_PHONE,
    SIMPLE_EMAIL,
    SIMPLE_URL,
    clean_place_input,
    is_valid_email,
    is_valid_url,
    normalise_phone,
    split_multi,
)
from maillage.territories.selectors import CommuneIndex

pytestmark = pytest.mark.django_db

VALID = {"name": "Le Lieu", "kinds": "coworking", "insee_code": "64445"}


def errors_of(data):
    _, errors = clean_place_input(data, communes=CommuneIndex())
    return {error.field: error.message for error in errors}


def test_a_minimal_place_is_valid_and_located_at_its_commune():
    clean, errors = clean_place_input(VALID, communes=CommuneIndex())
    assert errors == []
    assert (clean.latitude, clean.longitude, clean.location_precision) == (
        43.2951,
        -0.3708,
        "commune",
    )
    assert clean.city == "Pau"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kinds": "coworking|spaceship"}, "kinds"),
        ({"kinds": ""}, "kinds"),
        ({"status": "maybe"}, "status"),
        ({"legal_form": "sarl"}, "legal_form"),
        ({"wheelchair": "sometimes"}, "wheelchair"),
        ({"opening_hours": "Mo-Fr 25:00-26:00"}, "opening_hours"),
        ({"website": "not a url"}, "website"),
        ({"email": "nobody@"}, "email"),
        ({"phone": "12"}, "phone"),
        ({"siret": "12345678901234"}, "siret"),
        ({"latitude": "abc", "longitude": "1"}, "latitude"),
        ({"latitude": "43.3"}, "longitude"),
        ({"latitude": "40.7", "longitude": "-74.0"}, "latitude"),
        ({"insee_code": "99999"}, "insee_code"),
        ({"insee_code": "", "postal_code": "64000", "city": "Lyon"}, "city"),
        ({"postal_code": "640"}, "postal_code"),
        ({"capacity": "-3"}, "capacity"),
        ({"surface_m2": "grand"}, "surface_m2"),
        ({"source_updated_at": "hier"}, "source_updated_at"),
    ],
)
def test_each_invalid_field_is_named(changes, field):
    assert field in errors_of({**VALID, **changes})


def test_a_place_needs_coordinates_or_a_commune():
    assert "latitude" in errors_of({"name": "X", "kinds": "fablab"})


def test_overseas_coordinates_are_in_france():
    assert errors_of({**VALID, "latitude": "-21.1151", "longitude": "55.5364"}) == {}


def test_values_are_normalised():
    clean, errors = clean_place_input(
        {
            **VALID,
            "kinds": " Fablab | coworking|fablab",
            "phone": "05 59 00 00 00",
            "siret": "732 829 320 00074",
            "website": "www.example.org",
            "email": "Contact@Example.org",
            "services": "Impression 3D| impression 3d |Café",
            "latitude": "43,3",
            "longitude": "-0,37",
        },
        communes=CommuneIndex(),
    )
    assert errors == []
    assert clean.kinds == ["fablab", "coworking"]
    assert clean.phone == "+33559000000"
    assert clean.siret == "73282932000074"
    assert clean.website == "https://www.example.org"
    assert clean.email == "contact@example.org"
    assert clean.services == ["Impression 3D", "Café"]
    assert (clean.latitude, clean.longitude, clean.location_precision) == (43.3, -0.37, "exact")


def luhn_complete(prefix: str) -> str:
    for last in "0123456789":
        if is_valid_siret(prefix + last):
            return prefix + last
    raise AssertionError(prefix)


@given(st.text(alphabet="0123456789", min_size=13, max_size=13))
def test_exactly_one_check_digit_completes_a_siret(prefix):
    if prefix.startswith("356000000"):
        return
    valid = [d for d in "0123456789" if is_valid_siret(prefix + d)]
    assert len(valid) == 1


@given(st.text(alphabet="0123456789", min_size=13, max_size=13))
def test_changing_one_digit_breaks_a_valid_siret(prefix):
    if prefix.startswith("356000000"):
        return
    siret = luhn_complete(prefix)
    altered = siret[:5] + str((int(siret[5]) + 1) % 10) + siret[6:]
    assert not is_valid_siret(altered)


def test_la_poste_siret_uses_its_own_rule():
    assert is_valid_siret("35600000049837")  # digit sum 45: a multiple of 5
    assert not is_valid_siret("35600000049838")


@given(st.lists(st.text(alphabet="abcdéèAB -", max_size=8), max_size=6))
def test_split_multi_never_keeps_blank_or_duplicate_items(items):
    result = split_multi("|".join(items))
    assert all(item and item == item.strip() for item in result)
    folded = [" ".join(item.lower().split()) for item in result]
    assert len(set(folded)) == len(folded)


def test_phone_numbers_are_stored_in_international_form():
    assert normalise_phone("0559000000") == "+33559000000"
    assert normalise_phone("+262 262 00 00 00") == "+262262000000"


@given(st.from_regex(FRENCH_NATIONAL_PHONE, fullmatch=True))
def test_french_national_numbers_read_as_phonenumbers_reads_them(raw):
    """The shortcut for "05 59 00 00 00" and its variants gives phonenumbers' own answer."""
    number = phonenumbers.parse(raw, "FR")
    expected = (
        phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        if phonenumbers.is_valid_number(number)
        else None
    )
    try:
        assert normalise_phone(raw) == expected
    except ValueError:
        assert expected is None


def django_accepts(validator, value: str) -> bool:
    try:
        validator(value)
    except ValidationError:
        return False
    return True


@settings(max_examples=300)
@given(st.one_of(st.from_regex(SIMPLE_URL, fullmatch=True), st.text(max_size=40)))
def test_urls_are_judged_as_django_judges_them(url):
    """The fast path for usual URLs never accepts what Django's URLValidator refuses."""
    assert is_valid_url(url) == django_accepts(URLValidator(schemes=["http", "https"]), url)


@settings(max_examples=300)
@given(st.one_of(st.from_regex(SIMPLE_EMAIL, fullmatch=True), st.text(max_size=40)))
def test_emails_are_judged_as_django_judges_them(email):
    """The fast path for usual addresses never accepts what Django's EmailValidator refuses."""
    assert is_valid_email(email) == django_accepts(EmailValidator(), email)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "N" * 201),
        ("address", "A" * 251),
        ("website", "https://example.org/" + "p" * 281),
        ("acceslibre_url", "https://acceslibre.beta.gouv.fr/" + "p" * 269),
        ("opening_hours", "Mo 09:00-10:00; " * 32),
        ("email", "a" * 243 + "@example.org"),
        ("services", "Café|" + "S" * 121),
        ("equipment", "E" * 121),
    ],
)
def test_values_longer_than_their_column_are_field_errors(field, value):
    """On PostgreSQL a too long value would fail the whole import instead of one row."""
    message = errors_of({**VALID, field: value})[field]
    assert "caractères au plus" in message


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "N" * 200),
        ("address", "A" * 250),
        ("website", "https://example.org/" + "p" * 280),
        ("email", "a" * 242 + "@example.org"),
        ("services", "S" * 120),
    ],
)
def test_values_as_long_as_their_column_are_accepted(field, value):
    assert field not in errors_of({**VALID, field: value})


@given(st.text(max_size=30))
def test_fold_of_ascii_text_skips_nothing(text):
    """fold() skips Unicode decomposition for ASCII text: the result is the same."""
    decomposed = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    assert fold(text) == " ".join(re.sub(r"[^a-z0-9]+", " ", decomposed.lower()).split())


PARIS_HOURS = "Mo-Fr 09:00-18:00; PH off"


def at(text: str) -> datetime:
    from maillage.places.hours import PARIS

    return datetime.fromisoformat(text).replace(tzinfo=PARIS)


def test_opening_hours_follow_paris_time_and_french_holidays():
    assert is_open_at(PARIS_HOURS, at("2026-11-24T10:00")) is True  # a Tuesday
    assert is_open_at(PARIS_HOURS, at("2026-11-24T19:00")) is False
    assert is_open_at(PARIS_HOURS, at("2026-12-25T10:00")) is False  # Christmas, a Friday
    assert is_open_at(PARIS_HOURS, at("2026-07-14T10:00")) is False  # Bastille Day
    assert is_open_at("", at("2026-11-24T10:00")) is None


def test_week_schedule_lists_intervals_per_day():
    days = week_schedule(PARIS_HOURS, at("2026-12-21T00:00").date())
    assert [day.intervals for day in days] == [
        [("09:00", "18:00")],
        [("09:00", "18:00")],
        [("09:00", "18:00")],
        [("09:00", "18:00")],
        [],  # 25 December
        [],
        [],
    ]


def test_opening_hours_error_message_is_readable():
    assert opening_hours_error(PARIS_HOURS) is None
    assert "OpenStreetMap" in opening_hours_error("tous les jours")


EXAMPLE = " Exemple valide : « Mo-Fr 09:00-12:30,14:00-18:00; Sa 10:00-17:00; PH off »."


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        (
            "Lu-Ve 09:00-18:00",
            "Les jours s’écrivent en abrégé anglais (Mo, Tu, We, Th, Fr, Sa, Su) : "
            "« Lu » n’en est pas un.",
        ),
        (
            "Mo-Fr 9h-18h",
            "Les heures s’écrivent sur 24 heures avec deux points (09:00, 18:30) : "
            "« 9h » ne se lit pas.",
        ),
        ("Mo-Fr 09:00-18:75", "L’heure « 18:75 » n’existe pas."),
        (
            "ouvert en semaine",
            "Ces horaires ne suivent pas la syntaxe OpenStreetMap : des jours (Mo-Fr), un espace, "
            "des plages horaires (09:00-18:00) séparées par des virgules, et un point-virgule "
            "entre deux règles.",
        ),
    ],
)
def test_opening_hours_errors_say_what_is_wrong_in_plain_words(hours, message):
    """No parser internals: the mistake in words, then a valid example."""
    assert opening_hours_error(hours) == message + EXAMPLE


def test_opening_hours_errors_are_in_english_too():
    from django.utils import translation

    with translation.override("en"):
        assert opening_hours_error("Lu 09:00-18:00") == (
            "Days are written as English abbreviations (Mo, Tu, We, Th, Fr, Sa, Su): “Lu” is not "
            "one. A valid example: “Mo-Fr 09:00-12:30,14:00-18:00; Sa 10:00-17:00; PH off”."
        )
