"""ninja's validation errors (pydantic's) in the request's language.

pydantic writes its messages in English only (« Input should be a valid integer »). The API
answers in the request's language (Accept-Language, `?lang=`), so the common error types are
rewritten here from their type code and context, French in the source and translated like every
other message; a type not listed keeps pydantic's own words. A `value_error` raised by our own
validators already carries a translated message: only pydantic's « Value error, » prefix goes.
"""

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_noop

from .errors import ErrorCode, Message

# The stable codes of these messages (docs/data.md, « Import error codes »): data·inclusion's
# files are checked by its pydantic schema, and their errors stored with the import's report.
REQUIRED = ErrorCode("schema.required", gettext_noop("Ce champ est obligatoire."))
INTEGER = ErrorCode("schema.integer", gettext_noop("Un nombre entier est attendu."))
INTEGER_NO_DECIMALS = ErrorCode(
    "schema.integer_no_decimals", gettext_noop("Un nombre entier est attendu, sans décimales.")
)
NUMBER = ErrorCode("schema.number", gettext_noop("Un nombre est attendu."))
FINITE = ErrorCode("schema.finite_number", gettext_noop("Un nombre fini est attendu."))
BOOLEAN = ErrorCode("schema.boolean", gettext_noop("Oui ou non est attendu : true, false, 1 ou 0."))
TEXT = ErrorCode("schema.text", gettext_noop("Un texte est attendu."))
TEXT_TOO_SHORT = ErrorCode(
    "schema.text_too_short", gettext_noop("Au moins %(count)s caractère(s).")
)
TEXT_TOO_LONG = ErrorCode("schema.text_too_long", gettext_noop("Au plus %(count)s caractère(s)."))
TOO_MANY = ErrorCode("schema.too_many", gettext_noop("Au plus %(count)s élément(s)."))
TOO_FEW = ErrorCode("schema.too_few", gettext_noop("Au moins %(count)s élément(s)."))
GREATER_THAN = ErrorCode(
    "schema.greater_than", gettext_noop("Une valeur supérieure à %(limit)s est attendue.")
)
AT_LEAST = ErrorCode(
    "schema.at_least", gettext_noop("Une valeur d’au moins %(limit)s est attendue.")
)
LESS_THAN = ErrorCode(
    "schema.less_than", gettext_noop("Une valeur inférieure à %(limit)s est attendue.")
)
AT_MOST = ErrorCode("schema.at_most", gettext_noop("Une valeur d’au plus %(limit)s est attendue."))
EXPECTED = ErrorCode("schema.expected", gettext_noop("Valeur attendue : %(expected)s."))
DATETIME = ErrorCode(
    "schema.datetime",
    gettext_noop(
        "Date et heure attendues au format ISO 8601, par exemple 2026-12-01T09:30:00+01:00."
    ),
)
DATE = ErrorCode(
    "schema.date", gettext_noop("Date attendue au format AAAA-MM-JJ, par exemple 2026-12-01.")
)
UUID = ErrorCode("schema.uuid", gettext_noop("Un identifiant UUID est attendu."))
LIST = ErrorCode("schema.list", gettext_noop("Une liste est attendue."))
OBJECT = ErrorCode("schema.object", gettext_noop("Un objet JSON est attendu."))
UNKNOWN_FIELD = ErrorCode("schema.unknown_field", gettext_noop("Champ inconnu."))
JSON = ErrorCode("schema.json", gettext_noop("Document JSON illisible."))
# A type not listed above keeps pydantic's own (English) words.
OTHER = ErrorCode("schema.other", gettext_noop("%(message)s"))
# One error of a stored report: pydantic's type of error (`type`) and the message (`problem`).
SCHEMA_INVALID = ErrorCode("schema.invalid", gettext_noop("%(problem)s"))

# pydantic's error type → (its code, the param of the message, the key of pydantic's `ctx`).
_CODES: dict[str, tuple[ErrorCode, str, str]] = {
    "missing": (REQUIRED, "", ""),
    "int_parsing": (INTEGER, "", ""),
    "int_type": (INTEGER, "", ""),
    "int_from_float": (INTEGER_NO_DECIMALS, "", ""),
    "float_parsing": (NUMBER, "", ""),
    "float_type": (NUMBER, "", ""),
    "finite_number": (FINITE, "", ""),
    "bool_parsing": (BOOLEAN, "", ""),
    "bool_type": (BOOLEAN, "", ""),
    "string_type": (TEXT, "", ""),
    "string_too_short": (TEXT_TOO_SHORT, "count", "min_length"),
    "string_too_long": (TEXT_TOO_LONG, "count", "max_length"),
    "too_long": (TOO_MANY, "count", "max_length"),
    "too_short": (TOO_FEW, "count", "min_length"),
    "greater_than": (GREATER_THAN, "limit", "gt"),
    "greater_than_equal": (AT_LEAST, "limit", "ge"),
    "less_than": (LESS_THAN, "limit", "lt"),
    "less_than_equal": (AT_MOST, "limit", "le"),
    "literal_error": (EXPECTED, "expected", "expected"),
    "enum": (EXPECTED, "expected", "expected"),
    "datetime_parsing": (DATETIME, "", ""),
    "datetime_from_date_parsing": (DATETIME, "", ""),
    "datetime_type": (DATETIME, "", ""),
    "date_parsing": (DATE, "", ""),
    "date_from_datetime_parsing": (DATE, "", ""),
    "uuid_parsing": (UUID, "", ""),
    "list_type": (LIST, "", ""),
    "dict_type": (OBJECT, "", ""),
    "model_attributes_type": (OBJECT, "", ""),
    "extra_forbidden": (UNKNOWN_FIELD, "", ""),
    "json_invalid": (JSON, "", ""),
}


VALUE_ERROR_PREFIX = "Value error, "


def _json_value(value: Any) -> Any:
    return value if isinstance(value, str | int | float | bool) or value is None else str(value)


def schema_error_message(error: Mapping[str, Any]) -> str:
    """The message of one pydantic error (`type`, `msg`, `ctx`) in the active language: a
    `Message` of its code (a `value_error` of our own validators is already translated)."""
    kind = error.get("type", "")
    message = str(error.get("msg", ""))
    if kind == "value_error":
        return message.removeprefix(VALUE_ERROR_PREFIX)
    if kind not in _CODES:
        return OTHER(message=message)
    code, param, key = _CODES[kind]
    if not param:
        return code()
    return code(**{param: _json_value((error.get("ctx") or {}).get(key))})


def typed_schema_error(error: Mapping[str, Any]) -> Message:
    """`schema_error_message` for a stored report (`schema.invalid`): the message as its
    `problem`, pydantic's type of error (`missing`, `string_too_long`…) as its `type`."""
    return SCHEMA_INVALID(problem=schema_error_message(error), type=error.get("type", ""))
