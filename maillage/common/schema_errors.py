"""ninja's validation errors (pydantic's) in the request's language.

pydantic writes its messages in English only (« Input should be a valid integer »). The API
answers in the request's language (Accept-Language, `?lang=`), so the common error types are
rewritten here from their type code and context, French in the source and translated like every
other message; a type not listed keeps pydantic's own words. A `value_error` raised by our own
validators already carries a translated message: only pydantic's « Value error, » prefix goes.
"""

from collections.abc import Callable, Mapping
from typing import Any

from django.utils.translation import gettext as _


def _messages() -> dict[str, Callable[[Mapping[str, Any]], str]]:
    return {
        "missing": lambda ctx: _("Ce champ est obligatoire."),
        "int_parsing": lambda ctx: _("Un nombre entier est attendu."),
        "int_type": lambda ctx: _("Un nombre entier est attendu."),
        "int_from_float": lambda ctx: _("Un nombre entier est attendu, sans décimales."),
        "float_parsing": lambda ctx: _("Un nombre est attendu."),
        "float_type": lambda ctx: _("Un nombre est attendu."),
        "finite_number": lambda ctx: _("Un nombre fini est attendu."),
        "bool_parsing": lambda ctx: _("Oui ou non est attendu : true, false, 1 ou 0."),
        "bool_type": lambda ctx: _("Oui ou non est attendu : true, false, 1 ou 0."),
        "string_type": lambda ctx: _("Un texte est attendu."),
        "string_too_short": lambda ctx: (
            _("Au moins %(count)s caractère(s).") % {"count": ctx.get("min_length")}
        ),
        "string_too_long": lambda ctx: (
            _("Au plus %(count)s caractère(s).") % {"count": ctx.get("max_length")}
        ),
        "too_long": lambda ctx: (
            _("Au plus %(count)s élément(s).") % {"count": ctx.get("max_length")}
        ),
        "too_short": lambda ctx: (
            _("Au moins %(count)s élément(s).") % {"count": ctx.get("min_length")}
        ),
        "greater_than": lambda ctx: (
            _("Une valeur supérieure à %(limit)s est attendue.") % {"limit": ctx.get("gt")}
        ),
        "greater_than_equal": lambda ctx: (
            _("Une valeur d’au moins %(limit)s est attendue.") % {"limit": ctx.get("ge")}
        ),
        "less_than": lambda ctx: (
            _("Une valeur inférieure à %(limit)s est attendue.") % {"limit": ctx.get("lt")}
        ),
        "less_than_equal": lambda ctx: (
            _("Une valeur d’au plus %(limit)s est attendue.") % {"limit": ctx.get("le")}
        ),
        "literal_error": lambda ctx: (
            _("Valeur attendue : %(expected)s.") % {"expected": ctx.get("expected")}
        ),
        "enum": lambda ctx: (
            _("Valeur attendue : %(expected)s.") % {"expected": ctx.get("expected")}
        ),
        "datetime_parsing": lambda ctx: _(
            "Date et heure attendues au format ISO 8601, par exemple 2026-12-01T09:30:00+01:00."
        ),
        "datetime_from_date_parsing": lambda ctx: _(
            "Date et heure attendues au format ISO 8601, par exemple 2026-12-01T09:30:00+01:00."
        ),
        "datetime_type": lambda ctx: _(
            "Date et heure attendues au format ISO 8601, par exemple 2026-12-01T09:30:00+01:00."
        ),
        "date_parsing": lambda ctx: _(
            "Date attendue au format AAAA-MM-JJ, par exemple 2026-12-01."
        ),
        "date_from_datetime_parsing": lambda ctx: _(
            "Date attendue au format AAAA-MM-JJ, par exemple 2026-12-01."
        ),
        "uuid_parsing": lambda ctx: _("Un identifiant UUID est attendu."),
        "list_type": lambda ctx: _("Une liste est attendue."),
        "dict_type": lambda ctx: _("Un objet JSON est attendu."),
        "model_attributes_type": lambda ctx: _("Un objet JSON est attendu."),
        "extra_forbidden": lambda ctx: _("Champ inconnu."),
        "json_invalid": lambda ctx: _("Document JSON illisible."),
    }


VALUE_ERROR_PREFIX = "Value error, "


def schema_error_message(error: Mapping[str, Any]) -> str:
    """The message of one pydantic error (`type`, `msg`, `ctx`) in the active language."""
    kind = error.get("type", "")
    message = str(error.get("msg", ""))
    if kind == "value_error":
        return message.removeprefix(VALUE_ERROR_PREFIX)
    if (translate := _messages().get(kind)) is not None:
        return translate(error.get("ctx") or {})
    return message
