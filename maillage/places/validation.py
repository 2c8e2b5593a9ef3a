"""Turn raw place input (a CSV row, an API body, a form) into clean values, or field errors.

One validator serves the import pipeline, the API and the edit form, so a place that one of them
accepts is accepted by all. It does no database query per call: communes are looked up through a
`CommuneIndex`, loaded once per import or built lazily for a single edit.
"""

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any, TypeVar

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_noop

from maillage.common.errors import ErrorCode, FieldError
from maillage.common.geo import is_in_france
from maillage.common.identifiers import is_valid_siret
from maillage.common.text import (
    control_characters_message,
    fold,
    has_control_characters,
    label_key,
)
from maillage.territories.selectors import CommuneIndex, CommuneRef

from .fields import FIELDS, Kind, PlaceField, Role, View, fields_for, names_for
from .hours import opening_hours_error
from .kinds import PlaceKind
from .models import Place
from .phones import is_valid_french_number

# The stable codes of the errors below (docs/data.md, « Import error codes »).
TOO_LONG = ErrorCode("field.too_long", gettext_noop("%d caractères au plus."))
NUMBER_INVALID = ErrorCode(
    "number.invalid", gettext_noop("Nombre attendu (ex. 43.2951), reçu « %s ».")
)
NUMBER_NOT_FINITE = ErrorCode("number.not_finite", gettext_noop("Nombre fini attendu."))
INTEGER_INVALID = ErrorCode("integer.invalid", gettext_noop("Nombre entier attendu, reçu « %s »."))
INTEGER_NEGATIVE = ErrorCode(
    "integer.negative", gettext_noop("La valeur ne peut pas être négative.")
)
CHOICE_UNKNOWN = ErrorCode(
    "choice.unknown", gettext_noop("Code « %(code)s » inconnu ; codes possibles : %(codes)s.")
)
CODES_UNKNOWN = ErrorCode(
    "codes.unknown",
    gettext_noop("Code(s) inconnu(s) : %(unknown)s ; codes possibles : %(codes)s."),
)
NAME_REQUIRED = ErrorCode("name.required", gettext_noop("Le nom est obligatoire."))
KINDS_UNKNOWN = ErrorCode(
    "kinds.unknown",
    gettext_noop("Type(s) inconnu(s) : %(unknown)s ; codes possibles : %(codes)s."),
)
KINDS_REQUIRED = ErrorCode(
    "kinds.required", gettext_noop("Au moins un type de lieu est obligatoire.")
)
URL_INVALID = ErrorCode("url.invalid", gettext_noop("Adresse web invalide : « %s »."))
EMAIL_INVALID = ErrorCode("email.invalid", gettext_noop("Adresse de courriel invalide."))
PHONE_UNREADABLE = ErrorCode("phone.unreadable", gettext_noop("Numéro de téléphone illisible."))
PHONE_INVALID = ErrorCode("phone.invalid", gettext_noop("Numéro de téléphone invalide."))
SIRET_INVALID = ErrorCode(
    "siret.invalid", gettext_noop("SIRET invalide : 14 chiffres avec une clé de contrôle juste.")
)
LABEL_TOO_LONG = ErrorCode("label.too_long", gettext_noop("%d caractères au plus par libellé."))
DATE_INVALID = ErrorCode("datetime.invalid", gettext_noop("Date ISO 8601 attendue."))
POSTAL_CODE_INVALID = ErrorCode(
    "postal_code.invalid", gettext_noop("Code postal à 5 chiffres attendu.")
)
INSEE_CODE_UNKNOWN = ErrorCode("insee_code.unknown", gettext_noop("Code INSEE « %s » inconnu."))
COMMUNE_NOT_FOUND = ErrorCode(
    "commune.not_found", gettext_noop("Commune introuvable pour « %(postal)s %(city)s ».")
)
COORDINATES_PAIR = ErrorCode(
    "coordinates.pair",
    gettext_noop("Latitude et longitude vont ensemble : donnez les deux ou aucune."),
)
COORDINATES_OUTSIDE = ErrorCode(
    "coordinates.outside_france",
    gettext_noop(
        "Coordonnées (%(lat)s, %(lon)s) hors de France (outre-mer compris) : "
        "latitude et longitude inversées ?"
    ),
)
LOCATION_REQUIRED = ErrorCode(
    "location.required",
    gettext_noop("Coordonnées ou commune (code INSEE, ou code postal et ville) obligatoires."),
)

MULTI_VALUE_SEPARATOR = "|"
_T = TypeVar("_T")

# Free texts, checked for length (other texts have a validator of their own below).
TEXT_FIELDS = names_for(View.CLEAN, roles=(Role.DATA,), kinds=(Kind.TEXT, Kind.LONG_TEXT))
# The texts that keep their paragraphs (the others are single lines).
_PARAGRAPHS = frozenset(names_for(View.CLEAN, kinds=(Kind.LONG_TEXT,)))

# The longest value of each field (places.fields): a longer value is a field error here rather
# than a database error that would fail a whole import on PostgreSQL. Phones need no entry:
# what is stored is the E.164 form, at most 16 characters (ITU-T E.164).
MAX_LENGTHS = {field.name: field.max_length for field in FIELDS if field.max_length is not None}

# The codes of each list, computed once: `TextChoices.values` builds a new list at each call,
# which showed in the profile of a large import. The joined codes go into error messages.
_CODES = {
    field.choices: (frozenset(field.codes), ", ".join(field.codes))
    for field in FIELDS
    if field.choices is not None
}
KIND_CODES, _KIND_LISTING = _CODES[PlaceKind]

# Django's URL and e-mail validators cost about 15 µs a call, a third of the validation of an
# imported row. These patterns accept the usual shapes and only values those validators accept
# too (tests/places/test_validation.py checks it); any other value goes to Django's validator.
_URL_VALIDATOR = URLValidator(schemes=["http", "https"])
_EMAIL_VALIDATOR = EmailValidator()
_HOST_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
SIMPLE_URL = re.compile(
    rf"https?://{_HOST_LABEL}(?:\.{_HOST_LABEL})*\.[a-z]{{2,63}}(?:/\S*)?", re.IGNORECASE
)
# Short URLs only, so that the host stays within the 253 characters URLValidator allows.
SIMPLE_URL_MAX_LENGTH = 200
SIMPLE_EMAIL = re.compile(
    rf"[a-z0-9_%+-]+(?:\.[a-z0-9_%+-]+)*@(?:{_HOST_LABEL}\.)+[a-z]{{2,63}}", re.IGNORECASE
)
# The national form of a French number, "05 59 00 00 00", "05.59.00.00.00" or "0559000000":
# most phones of an import. `phonenumbers.parse` gives country code 33 and the nine digits after
# the leading 0 for it (tested); building that number directly skips two thirds of the cost.
FRENCH_NATIONAL_PHONE = re.compile(r"0([1-9])[ .-]?(\d\d)[ .-]?(\d\d)[ .-]?(\d\d)[ .-]?(\d\d)")


# What CleanPlace carries: the scalar values copied to the model (the `clean` view), the
# relations (kinds, services, equipment) and the commune, in the registry's order.
CLEAN_FIELDS = tuple(
    field
    for field in FIELDS
    if View.CLEAN in field.views or field.relation or field.kind == Kind.COMMUNE
)
# The type of each kind of value in CleanPlace: texts and codes are "" when not given, lists
# empty, the others None.
_VALUE_TYPES: dict[Kind, Any] = {
    **dict.fromkeys(
        (
            Kind.TEXT,
            Kind.LONG_TEXT,
            Kind.CODE,
            Kind.POSTAL_CODE,
            Kind.HOURS,
            Kind.URL,
            Kind.EMAIL,
            Kind.PHONE,
            Kind.SIRET,
        ),
        str,
    ),
    Kind.CODES: list[str],
    Kind.LABELS: list[str],
    Kind.FLOAT: float | None,
    Kind.INTEGER: int | None,
    Kind.DATETIME: datetime | None,
    Kind.COMMUNE: CommuneRef | None,
}


def _default(declared: PlaceField) -> Any:
    """A field's value in a new CleanPlace; a code that may not be unknown has its column's
    default (a place is open, its location exact)."""
    value_type = _VALUE_TYPES[declared.kind]
    if value_type is str:
        if declared.kind == Kind.CODE and not declared.optional:
            return Place._meta.get_field(declared.name).default
        return ""
    if value_type == list[str]:
        return field(default_factory=list)
    return None


def _registry_values(cls: type[_T]) -> type[_T]:
    """Make `cls` a dataclass of one field per CLEAN_FIELDS, typed and defaulted by its kind."""
    cls.__annotations__ = {declared.name: _VALUE_TYPES[declared.kind] for declared in CLEAN_FIELDS}
    for declared in CLEAN_FIELDS:
        setattr(cls, declared.name, _default(declared))
    return dataclass(cls)


@_registry_values
class CleanPlace:
    """Validated values ready to be written: a dataclass of the registry's CLEAN_FIELDS
    (`kinds`, `services`, `equipment` and the code lists are lists)."""

    if TYPE_CHECKING:
        # Its fields come from the registry, so mypy sees none of them: any is accepted.
        def __init__(self, **values: Any) -> None: ...
        def __getattr__(self, name: str) -> Any: ...
        def __setattr__(self, name: str, value: Any) -> None: ...

    @property
    def insee_code(self) -> str:
        return self.commune.code if self.commune else ""


# What a code field keeps when no code (or an unknown one) is given.
_CODE_DEFAULTS = {
    declared.name: _default(declared) for declared in FIELDS if declared.kind == Kind.CODE
}


def split_multi(value: Any) -> list[str]:
    """`a|b|c` or a list → trimmed non-empty items, first spelling kept, duplicates dropped.

    Duplicates are items with the same `label_key`, the identity of a label.
    """
    items: Iterable[Any]
    if value is None:
        items = []
    elif isinstance(value, str):
        items = value.split(MULTI_VALUE_SEPARATOR)
    else:
        items = value
    seen: dict[str, str] = {}
    for item in items:
        text = " ".join(str(item).split())
        if text:
            seen.setdefault(label_key(text), text)
    return list(seen.values())


def normalise_phone(raw: str) -> str:
    """E.164 form (+33559000000); raises ValueError with a readable message."""
    e164 = _e164(raw)
    if e164 is None:
        raise ValueError(PHONE_UNREADABLE())
    if not e164:
        raise ValueError(PHONE_INVALID())
    return e164


@lru_cache(maxsize=4096)
def _e164(raw: str) -> str | None:
    """E.164 form of a valid number, "" for an invalid one, None for an unreadable one.

    Cached (without messages, which depend on the language): a file repeats the numbers of
    networks and switchboards, and phonenumbers takes some 25 µs to parse and check one.
    """
    if match := FRENCH_NATIONAL_PHONE.fullmatch(raw):
        # Most phones of an import: checked on phonenumbers' own patterns directly
        # (places.phones), and their E.164 form is +33 and the digits after the 0.
        # int() reads any digits `\d` matched (Arabic-Indic ones too); str() writes them ASCII.
        national = str(int("".join(match.groups())))
        return f"+33{national}" if is_valid_french_number(national) else ""
    try:
        number = phonenumbers.parse(raw, "FR")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def is_valid_url(url: str) -> bool:
    """An absolute http(s) URL, as Django's URLValidator checks it."""
    if len(url) <= SIMPLE_URL_MAX_LENGTH and SIMPLE_URL.fullmatch(url):
        return True
    try:
        _URL_VALIDATOR(url)
    except ValidationError:
        return False
    return True


def is_valid_email(email: str) -> bool:
    """An e-mail address, as Django's EmailValidator checks it."""
    if len(email) <= MAX_LENGTHS["email"] and SIMPLE_EMAIL.fullmatch(email):
        return True
    try:
        _EMAIL_VALIDATOR(email)
    except ValidationError:
        return False
    return True


def control_character_errors(data: Mapping[str, Any]) -> list[FieldError]:
    """One error per field whose text (or one of its list items) holds a control character.

    Checked on the raw input, before anything is stripped: a NUL byte is refused, never
    silently dropped, and never reaches the database (PostgreSQL refuses it in text).
    """
    # One search over every text of the row first (joined by a newline, which is accepted, so
    # the joint adds no match): an import checks 20 fields of each of its rows, and nearly all
    # rows are clean. Field by field only when something was found.
    texts = [
        item
        for value in data.values()
        for item in (value if isinstance(value, list | tuple) else (value,))
        if isinstance(item, str)
    ]
    if not has_control_characters("\n".join(texts)):
        return []
    errors = []
    for name, value in data.items():
        items = value if isinstance(value, list | tuple) else [value]
        if any(isinstance(item, str) and has_control_characters(item) for item in items):
            errors.append(FieldError(name, control_characters_message()))
    return errors


def _text(value: Any) -> str:
    """One line of text: surrounding and repeated white space removed."""
    return "" if value is None else " ".join(str(value).split())


def _float(value: Any, name: str, errors: list[FieldError]) -> float | None:
    if value in (None, ""):
        return None
    try:
        number = float(str(value).strip().replace(",", "."))
    except ValueError:
        errors.append(FieldError(name, NUMBER_INVALID(value=str(value))))
        return None
    if not math.isfinite(number):
        errors.append(FieldError(name, NUMBER_NOT_FINITE()))
        return None
    return number


def _positive_int(value: Any, declared: PlaceField, errors: list[FieldError]) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        errors.append(FieldError(declared.name, INTEGER_INVALID(value=str(value))))
        return None
    if number < 0:
        errors.append(FieldError(declared.name, INTEGER_NEGATIVE()))
        return None
    return number


def _too_long(name: str, value: str, errors: list[FieldError]) -> bool:
    """Report a value longer than its column (MAX_LENGTHS); True when it is."""
    if len(value) <= MAX_LENGTHS[name]:
        return False
    errors.append(FieldError(name, TOO_LONG(max=MAX_LENGTHS[name])))
    return True


def _choice(value: Any, declared: PlaceField, errors: list[FieldError]) -> str:
    """One code of the field's list; its default when none or an unknown one is given."""
    code = _text(value).lower()
    default = _CODE_DEFAULTS[declared.name]
    if not code:
        return default
    codes, listing = _CODES[declared.choices]
    if code not in codes:
        errors.append(FieldError(declared.name, CHOICE_UNKNOWN(code=str(value), codes=listing)))
        return default
    return code


def _code_list(value: Any, declared: PlaceField, errors: list[FieldError]) -> list[str]:
    """The known codes of `value` (`a|b` or a list), in their declared order, each once."""
    codes, listing = _CODES[declared.choices]
    given = [_text(item).lower() for item in split_multi(value)]
    unknown = [code for code in given if code not in codes]
    if unknown:
        errors.append(
            FieldError(declared.name, CODES_UNKNOWN(unknown=", ".join(unknown), codes=listing))
        )
    return [code for code in declared.codes if code in given]


def _hours(value: Any, declared: PlaceField, errors: list[FieldError]) -> str:
    """Opening hours in OpenStreetMap's syntax (`hours.opening_hours_error`)."""
    hours = _text(value)
    if (
        hours
        and not _too_long(declared.name, hours, errors)
        and (message := opening_hours_error(hours))
    ):
        errors.append(FieldError(declared.name, message))
    return hours


def _url(value: Any, declared: PlaceField, errors: list[FieldError]) -> str:
    """An http(s) URL; `https://` is added to one given without its scheme."""
    url = _text(value)
    if url and "://" not in url:
        url = "https://" + url
    if url and not _too_long(declared.name, url, errors) and not is_valid_url(url):
        errors.append(FieldError(declared.name, URL_INVALID(value=url)))
    return url


def _email(value: Any, declared: PlaceField, errors: list[FieldError]) -> str:
    email = _text(value).lower()
    if email and not _too_long(declared.name, email, errors) and not is_valid_email(email):
        errors.append(FieldError(declared.name, EMAIL_INVALID()))
    return email


def _phone(value: Any, declared: PlaceField, errors: list[FieldError]) -> str:
    """The E.164 form of a valid number (what was given, when it is not one)."""
    phone = _text(value)
    if phone:
        try:
            phone = normalise_phone(phone)
        except ValueError as exc:
            errors.append(FieldError(declared.name, exc.args[0]))
    return phone


def _siret(value: Any, declared: PlaceField, errors: list[FieldError]) -> str:
    siret = "".join(_text(value).split())
    if siret and not is_valid_siret(siret):
        errors.append(FieldError(declared.name, SIRET_INVALID()))
    return siret


def _labels(value: Any, declared: PlaceField, errors: list[FieldError]) -> list[str]:
    """Free labels (`split_multi`), each at most the field's length (Label.name)."""
    labels = split_multi(value)
    if any(len(label) > (declared.max_length or 0) for label in labels):
        errors.append(FieldError(declared.name, LABEL_TOO_LONG(max=declared.max_length)))
    return labels


def _datetime(value: Any, declared: PlaceField, errors: list[FieldError]) -> datetime | None:
    if isinstance(value, datetime) or value in (None, ""):
        return value or None
    parsed = parse_datetime(str(value).strip())
    if parsed is None:
        errors.append(FieldError(declared.name, DATE_INVALID()))
    return parsed


Rule = Callable[[Any, PlaceField, list[FieldError]], Any]
# The rule of each kind of value, in the order they are applied (the order of the errors).
# Free texts come first, the kinds of place and the location have rules of their own.
RULES: tuple[tuple[Kind, Rule], ...] = (
    (Kind.CODE, _choice),
    (Kind.CODES, _code_list),
    (Kind.HOURS, _hours),
    (Kind.URL, _url),
    (Kind.EMAIL, _email),
    (Kind.PHONE, _phone),
    (Kind.SIRET, _siret),
    (Kind.LABELS, _labels),
    (Kind.INTEGER, _positive_int),
    (Kind.DATETIME, _datetime),
)
# Every input of those kinds (the fields of the write bodies: what the API, the form and the
# imports give), with its rule. `kinds` is a list of codes with a rule of its own.
_RULED_INPUTS = tuple(
    (declared.name, rule, declared)
    for kind, rule in RULES
    for declared in fields_for(View.WRITE, kinds=(kind,))
    if declared.name != "kinds"
)


def clean_place_input(
    data: Mapping[str, Any],
    *,
    communes: CommuneIndex,
    base: CleanPlace | None = None,
) -> tuple[CleanPlace, list[FieldError]]:
    """Validate `data`; fields absent from it keep their value in `base` (a partial update).

    Returns the clean place and every error found (an empty list when valid).
    """
    errors: list[FieldError] = []
    clean = CleanPlace() if base is None else CleanPlace(**vars(base))
    present = set(data)
    errors.extend(control_character_errors(data))

    for name in TEXT_FIELDS:
        if name in present:
            # Long texts keep their paragraphs; other texts are single lines.
            raw = data[name]
            value = (str(raw or "").strip()) if name in _PARAGRAPHS else _text(raw)
            _too_long(name, value, errors)
            setattr(clean, name, value)
    if not clean.name:
        errors.append(FieldError("name", NAME_REQUIRED()))

    if "kinds" in present:
        kinds = list(
            dict.fromkeys(fold(kind).replace(" ", "_") for kind in split_multi(data["kinds"]))
        )
        unknown = [kind for kind in kinds if kind not in KIND_CODES]
        if unknown:
            errors.append(
                FieldError("kinds", KINDS_UNKNOWN(unknown=", ".join(unknown), codes=_KIND_LISTING))
            )
        clean.kinds = [kind for kind in kinds if kind in KIND_CODES]
    if not clean.kinds and not any(error.field == "kinds" for error in errors):
        errors.append(FieldError("kinds", KINDS_REQUIRED()))

    for name, rule, declared in _RULED_INPUTS:
        if name in present:
            setattr(clean, name, rule(data[name], declared, errors))

    _clean_location(data, present, clean, communes, errors)
    return clean, errors


def _clean_location(data, present, clean: CleanPlace, communes: CommuneIndex, errors) -> None:
    """Resolve the commune and the coordinates; either must be given, the other is derived."""
    if "postal_code" in present:
        postal_code = "".join(_text(data["postal_code"]).split())
        if postal_code and (len(postal_code) != 5 or not postal_code.isdigit()):
            errors.append(FieldError("postal_code", POSTAL_CODE_INVALID()))
        clean.postal_code = postal_code

    location_fields = {"insee_code", "postal_code", "city"}
    if present & location_fields:
        insee_code = _text(data.get("insee_code", "")).upper() if "insee_code" in present else ""
        if insee_code:
            clean.commune = communes.by_code(insee_code)
            if clean.commune is None:
                errors.append(FieldError("insee_code", INSEE_CODE_UNKNOWN(value=insee_code)))
        elif clean.postal_code or clean.city:
            clean.commune = communes.by_postal_code_and_name(clean.postal_code, clean.city)
            if clean.commune is None and clean.city:
                errors.append(
                    FieldError("city", COMMUNE_NOT_FOUND(postal=clean.postal_code, city=clean.city))
                )
        else:
            clean.commune = None
        if clean.commune and not clean.city:
            clean.city = clean.commune.name

    if "latitude" in present or "longitude" in present:
        latitude = _float(data.get("latitude"), "latitude", errors)
        longitude = _float(data.get("longitude"), "longitude", errors)
        if (latitude is None) != (longitude is None):
            errors.append(
                FieldError(
                    "latitude" if latitude is None else "longitude",
                    COORDINATES_PAIR(),
                )
            )
        elif latitude is not None and not is_in_france(latitude, longitude):
            errors.append(
                FieldError(
                    "latitude",
                    COORDINATES_OUTSIDE(lat=latitude, lon=longitude),
                )
            )
        else:
            clean.latitude, clean.longitude = latitude, longitude
            clean.location_precision = "exact"

    has_coordinates = clean.latitude is not None and clean.location_precision == "exact"
    if (
        has_coordinates
        and clean.commune is None
        and not any(error.field in {"insee_code", "city"} for error in errors)
    ):
        # No commune given (nor one found by postal code and name): the commune whose outline
        # holds the point, so that the place still counts in its EPCI, département and région.
        clean.commune = communes.by_point(clean.latitude, clean.longitude)
        if clean.commune and not clean.city:
            clean.city = clean.commune.name
    if not has_coordinates:
        if clean.commune is not None and clean.commune.latitude is not None:
            clean.latitude, clean.longitude = clean.commune.latitude, clean.commune.longitude
            clean.location_precision = "commune"
        elif not any(
            error.field in {"latitude", "longitude", "insee_code", "city"} for error in errors
        ):
            errors.append(
                FieldError(
                    "latitude",
                    LOCATION_REQUIRED(),
                )
            )
