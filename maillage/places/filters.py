"""Query parameters → `PlaceFilters`: the one parser behind the API and the HTML list page.

Both read the same parameter names (`q`, `kind`, `service`, `status`, `territory`, `open_now`,
`bbox`, `near`, `radius_km`, `updated_since`, and one per closed code list: `mobility`,
`audience`, `specific_support`, `fee`, `access_mode`, `support_mode`), so a list page URL and an
API URL with the same query string select the same places.
"""

import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime, time
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from maillage.common.errors import FieldError
from maillage.common.identifiers import is_insee_commune_code
from maillage.common.text import control_characters_message, fold, has_control_characters
from maillage.territories.models import Territory
from maillage.territories.selectors import UnknownTerritory, get_territory, resolve_territory

from .kinds import (
    AccessMode,
    Audience,
    Fees,
    Mobility,
    PlaceKind,
    PlaceStatus,
    SpecificSupport,
    SupportMode,
)
from .selectors import PlaceFilters

DEFAULT_RADIUS_KM = 10.0
# Metropolitan France is about 1,000 km across: a larger radius is a typo, not a search.
MAX_RADIUS_KM = 1000.0
TRUE_WORDS = frozenset({"1", "true", "yes", "on", "oui"})
FALSE_WORDS = frozenset({"", "0", "false", "no", "off", "non"})
# Checked before any database lookup, so that arbitrary bytes never reach a query.
TERRITORY_REF = re.compile(r"(?:[A-Za-z]{1,12}:)?[0-9A-Za-z]{1,9}")
# An unencoded "+" in a query string arrives as a space: "…T10:00:00 02:00" meant "+02:00".
SPACE_FOR_PLUS_OFFSET = re.compile(r" (\d{2}(?::?\d{2})?)$")
# Each word of `q` is one LIKE condition: SQLite refuses a query of a thousand of them
# ("Expression tree is too large"), and no one searches a place with more than a few words.
MAX_SEARCH_WORDS = 32
MAX_SEARCH_CHARS = 200
# Each service is one subquery, for the same reason.
MAX_SERVICES = 10
# `updated_since` outside these years is a typo; nearer the limits of `datetime` (years 1 and
# 9999), converting to UTC or to the database's time zone overflows.
MIN_YEAR = 1900
MAX_YEAR = 9998
# Parameter → (PlaceFilters field, its codes): one parameter per closed code list of a place.
CODE_LIST_PARAMS = {
    "mobility": ("mobility", Mobility),
    "audience": ("audiences", Audience),
    "specific_support": ("specific_support", SpecificSupport),
    "fee": ("fees", Fees),
    "access_mode": ("access_modes", AccessMode),
    "support_mode": ("support_modes", SupportMode),
}
FILTER_PARAMS = (
    "q",
    "kind",
    "service",
    "status",
    "territory",
    "open_now",
    "bbox",
    "near",
    "radius_km",
    "updated_since",
    *CODE_LIST_PARAMS,
)


def _values(params: Mapping[str, Any], name: str) -> list[str]:
    """Every value of a parameter, from a QueryDict (`getlist`) or a plain mapping."""
    if hasattr(params, "getlist"):
        raw = params.getlist(name)
    else:
        value = params.get(name)
        raw = [] if value is None else value if isinstance(value, list | tuple) else [value]
    return [str(value).strip() for value in raw]


def _value(params: Mapping[str, Any], name: str) -> str:
    """The last value of a parameter (a repeated single-valued parameter: the last one wins)."""
    values = _values(params, name)
    return values[-1] if values else ""


def _codes(values: list[str], name: str, choices: type, errors: list[FieldError]) -> tuple:
    """Codes from repeated and/or comma-separated values; unknown ones are reported."""
    codes = [code.strip().lower() for value in values for code in value.split(",") if code.strip()]
    unknown = [code for code in codes if code not in choices.values]
    if unknown:
        errors.append(
            FieldError(
                name,
                _("Code(s) inconnu(s) : %(unknown)s ; codes possibles : %(codes)s.")
                % {"unknown": ", ".join(unknown), "codes": ", ".join(choices.values)},
            )
        )
    return tuple(dict.fromkeys(code for code in codes if code in choices.values))


def _floats(value: str, count: int) -> list[float] | None:
    """`count` comma-separated finite numbers, or None."""
    parts = value.split(",")
    if len(parts) != count:
        return None
    try:
        numbers = [float(part) for part in parts]
    except ValueError:
        return None
    return numbers if all(math.isfinite(number) for number in numbers) else None


def _on_earth(latitude: float, longitude: float) -> bool:
    return -90 <= latitude <= 90 and -180 <= longitude <= 180


def _without_control_characters(
    params: Mapping[str, Any], errors: list[FieldError]
) -> dict[str, list[str]]:
    """The filter parameters' values; a parameter holding a control character is an error
    and filters nothing (its bytes never reach a query: PostgreSQL refuses NUL in text)."""
    clean = {}
    for name in FILTER_PARAMS:
        values = _values(params, name)
        if any(has_control_characters(value) for value in values):
            errors.append(FieldError(name, control_characters_message()))
        else:
            clean[name] = values
    return clean


def _search(value: str, errors: list[FieldError]) -> str:
    if len(value) > MAX_SEARCH_CHARS or len(fold(value).split()) > MAX_SEARCH_WORDS:
        errors.append(
            FieldError(
                "q",
                _(
                    "Recherche trop longue : %(words)d mots et %(chars)d caractères au plus. "
                    "Gardez les mots les plus distinctifs."
                )
                % {"words": MAX_SEARCH_WORDS, "chars": MAX_SEARCH_CHARS},
            )
        )
        return ""
    return value


def _services(values: list[str], errors: list[FieldError]) -> tuple[str, ...]:
    services = tuple(dict.fromkeys(value for value in values if value))
    if len(services) > MAX_SERVICES:
        errors.append(FieldError("service", _("%d services au plus par recherche.") % MAX_SERVICES))
        return ()
    return services


def _territory(value: str, errors: list[FieldError]) -> Territory | None:
    if not value:
        return None
    if TERRITORY_REF.fullmatch(value):
        try:
            return resolve_territory(value)
        except UnknownTerritory:
            pass
    errors.append(
        FieldError(
            "territory",
            _(
                "Territoire « %(ref)s » introuvable. Formats : « niveau:code » "
                "(commune:64445, epci:200067254, departement:64, region:75) ou le code seul, "
                "essayé comme région, puis département, EPCI et commune."
            )
            % {"ref": value},
        )
    )
    return None


def _bool(value: str, name: str, errors: list[FieldError]) -> bool:
    word = value.lower()
    if word in TRUE_WORDS:
        return True
    if word not in FALSE_WORDS:
        errors.append(FieldError(name, _("Valeur booléenne attendue (1 ou 0, true ou false).")))
    return False


def _bbox(value: str, errors: list[FieldError]) -> tuple[float, float, float, float] | None:
    if not value:
        return None
    numbers = _floats(value, 4)
    if numbers is not None:
        min_lon, min_lat, max_lon, max_lat = numbers
        if (
            _on_earth(min_lat, min_lon)
            and _on_earth(max_lat, max_lon)
            and min_lon <= max_lon
            and min_lat <= max_lat
        ):
            return min_lon, min_lat, max_lon, max_lat
    errors.append(
        FieldError(
            "bbox",
            _(
                "Rectangle attendu sous la forme min_lon,min_lat,max_lon,max_lat en degrés "
                "(ex. -0.5,43.2,-0.2,43.4), minimum avant maximum ; reçu « %s »."
            )
            % value,
        )
    )
    return None


def _near(value: str, errors: list[FieldError]) -> tuple[float, float] | None:
    """A point `lat,lon`, or the centre of the commune with this INSEE code."""
    if not value:
        return None
    numbers = _floats(value, 2)
    if numbers is not None and _on_earth(*numbers):
        return numbers[0], numbers[1]
    if numbers is None and is_insee_commune_code(value.upper()):
        try:
            commune = get_territory(level=Territory.Level.COMMUNE, code=value)
        except Territory.DoesNotExist:
            commune = None
        if commune is not None and commune.latitude is not None:
            return commune.latitude, commune.longitude
    errors.append(
        FieldError(
            "near",
            _(
                "Point attendu sous la forme lat,lon en degrés (ex. 43.2951,-0.3708) "
                "ou code INSEE d'une commune (ex. 64445) ; reçu « %s »."
            )
            % value,
        )
    )
    return None


def _radius(value: str, errors: list[FieldError]) -> float | None:
    if not value:
        return None
    numbers = _floats(value, 1)
    if numbers is not None and 0 < numbers[0] <= MAX_RADIUS_KM:
        return numbers[0]
    errors.append(
        FieldError(
            "radius_km",
            _(
                "Rayon en kilomètres attendu, plus grand que 0 et au plus %(max)s ; "
                "reçu « %(value)s »."
            )
            % {"max": int(MAX_RADIUS_KM), "value": value},
        )
    )
    return None


def _moment(value: str, errors: list[FieldError], field: str = "updated_since") -> datetime | None:
    """An ISO 8601 date or date-time; without an offset it is read in Paris time. A problem
    is appended to `errors` under `field`."""
    if not value:
        return None
    text = SPACE_FOR_PLUS_OFFSET.sub(r"+\1", value)
    try:
        moment = parse_datetime(text)
        if moment is None and (day := parse_date(text)) is not None:
            moment = datetime.combine(day, time.min)
    except ValueError:
        moment = None
    if moment is None:
        errors.append(
            FieldError(
                field,
                _("Date ISO 8601 attendue (ex. 2025-01-31 ou 2025-01-31T08:00:00Z) ; reçu « %s ».")
                % value,
            )
        )
        return None
    if not MIN_YEAR <= moment.year <= MAX_YEAR:
        errors.append(
            FieldError(
                field,
                _("Date entre les années %(min)d et %(max)d attendue ; reçu « %(value)s ».")
                % {"min": MIN_YEAR, "max": MAX_YEAR, "value": value},
            )
        )
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    # In UTC: PostgreSQL refuses offsets beyond ±15:59 that Python accepts (up to ±23:59).
    return moment.astimezone(UTC)


def parse_moment(value: str, *, field: str) -> tuple[datetime | None, list[FieldError]]:
    """An ISO 8601 parameter read as `updated_since` is (`field` names it in the errors)."""
    errors: list[FieldError] = []
    return _moment(value, errors, field), errors


def filters_from_params(params: Mapping[str, Any]) -> tuple[PlaceFilters, list[FieldError]]:
    """Parse query parameters (a QueryDict, or a plain mapping of strings or lists of strings).

    Returns the filters built from the valid parameters and one error per invalid parameter,
    named after it; an invalid parameter filters nothing (an invalid `radius_km` leaves the
    default). `kind`, `status` and the code list parameters (CODE_LIST_PARAMS) are repeatable
    and also accept comma-separated codes;
    `service` is repeatable (labels may hold commas). `radius_km` defaults to
    DEFAULT_RADIUS_KM when `near` is given and is ignored without it.
    """
    errors: list[FieldError] = []
    params = _without_control_characters(params, errors)
    near = _near(_value(params, "near"), errors)
    radius_km = _radius(_value(params, "radius_km"), errors)
    filters = PlaceFilters(
        q=_search(_value(params, "q"), errors),
        kinds=_codes(_values(params, "kind"), "kind", PlaceKind, errors),
        services=_services(_values(params, "service"), errors),
        statuses=_codes(_values(params, "status"), "status", PlaceStatus, errors),
        territory=_territory(_value(params, "territory"), errors),
        open_now=_bool(_value(params, "open_now"), "open_now", errors),
        bbox=_bbox(_value(params, "bbox"), errors),
        near=near,
        radius_km=(radius_km or DEFAULT_RADIUS_KM) if near is not None else None,
        updated_since=_moment(_value(params, "updated_since"), errors),
        **{
            field: _codes(_values(params, name), name, choices, errors)
            for name, (field, choices) in CODE_LIST_PARAMS.items()
        },
    )
    return filters, errors
