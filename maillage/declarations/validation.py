"""The one validator of a yearly declaration, for the form, the service and the admin.

The ranges are generous bounds on what a tiers-lieu can be (the census's largest places have a
few thousand m² and a few dozen employees), there to catch a typo (a revenue typed in cents, a
surface in cm²), not to judge a place. `models.Declaration` holds the same ranges as checks.
"""

from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from maillage.common.errors import FieldError, ValidationFailed

FIRST_YEAR = 2000
LAST_YEAR = 2100
RANGES: dict[str, tuple[Any, Any]] = {
    "year": (FIRST_YEAR, LAST_YEAR),
    "revenue_eur": (0, 100_000_000),
    "public_funding_pct": (0, 100),
    "staff_fte": (Decimal("0"), Decimal("1000")),
    "volunteers": (0, 100_000),
    "surface_m2": (1, 100_000),
}
FIGURES = ("revenue_eur", "public_funding_pct", "staff_fte", "volunteers", "surface_m2")
FIELDS = (*FIGURES, "premises_status")


def _number(field: str, value: Any) -> Any:
    if field == "staff_fte":
        number = Decimal(str(value).replace(",", ".").strip())
        if not number.is_finite():
            raise InvalidOperation
        return number.quantize(Decimal("0.1"))
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, float) and not value.is_integer():
        raise ValueError
    return int(str(value).strip().replace(" ", "").replace("\u202f", ""))


def clean_declaration(values: dict[str, Any]) -> dict[str, Any]:
    """`values` checked and converted (blank → None), or ValidationFailed naming every field
    out of range; unknown keys are refused."""
    from .models import PremisesStatus

    errors: list[FieldError] = []
    cleaned: dict[str, Any] = {}
    for key in values:
        if key not in FIELDS:
            errors.append(FieldError(key, _("Champ inconnu.")))
    for field in FIGURES:
        raw = values.get(field)
        if raw is None or raw == "":
            cleaned[field] = None
            continue
        try:
            number = _number(field, raw)
        except (ValueError, InvalidOperation, TypeError):
            errors.append(FieldError(field, _("Un nombre est attendu.")))
            continue
        low, high = RANGES[field]
        if not low <= number <= high:
            errors.append(
                FieldError(
                    field,
                    _("Indiquez un nombre entre %(low)s et %(high)s.") % {"low": low, "high": high},
                )
            )
            continue
        cleaned[field] = number
    status = values.get("premises_status") or ""
    if status not in ("", *PremisesStatus.values):
        errors.append(FieldError("premises_status", _("Statut du local inconnu.")))
    cleaned["premises_status"] = status
    if errors:
        raise ValidationFailed(errors)
    return cleaned


def check_year(year: Any) -> int:
    """The year of a declaration, or ValidationFailed."""
    try:
        number = int(year)
    except (TypeError, ValueError):
        number = -1
    if not FIRST_YEAR <= number <= LAST_YEAR:
        raise ValidationFailed(
            [
                FieldError(
                    "year",
                    _("Indiquez une année entre %(low)s et %(high)s.")
                    % {"low": FIRST_YEAR, "high": LAST_YEAR},
                )
            ]
        )
    return number
