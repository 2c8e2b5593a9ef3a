"""Checks of the analysis parameters, shared by the commands, the API, the forms and the services.

Each check raises `ValidationFailed` with one error per faulty field, in words a person can act
on; the API turns it into a 422 answer, the commands into an error message.
"""

import math
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from maillage.common.errors import FieldError, ValidationFailed
from maillage.common.text import control_characters_message, has_control_characters
from maillage.places.kinds import PlaceKind
from maillage.territories.models import Territory
from maillage.territories.selectors import choose_territory, suggestion_label

from .models import PlanMethod, PlanObjective

# Beyond 200 km a "coverage" says nothing about access to a place (France is 1,000 km wide).
MAX_RADIUS_KM = 200.0
MAX_NEW_SITES = 500
MAX_TIME_LIMIT_S = 600.0
DEFAULT_TIME_LIMIT_S = 60.0


def _number(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return math.nan
    return number


def radius_error(value: Any) -> FieldError | None:
    radius = _number(value)
    if not (0 < radius <= MAX_RADIUS_KM):
        return FieldError(
            "radius_km",
            _("Le rayon doit être un nombre de kilomètres supérieur à 0 et au plus %(max)s.")
            % {"max": f"{MAX_RADIUS_KM:g}"},
        )
    return None


def clean_radius_km(value: Any) -> float:
    """The radius in km, in (0, MAX_RADIUS_KM]."""
    error = radius_error(value)
    if error is not None:
        raise ValidationFailed([error])
    return float(value)


def kind_errors(kinds: list[str] | tuple[str, ...], field: str = "kind") -> list[FieldError]:
    return [
        FieldError(
            field,
            _("Type de lieu inconnu « %(kind)s » ; types possibles : %(kinds)s.")
            % {"kind": kind, "kinds": ", ".join(PlaceKind.values)},
        )
        for kind in kinds
        if kind not in PlaceKind.values
    ]


def clean_kinds(kinds: list[str] | tuple[str, ...], field: str = "kind") -> tuple[str, ...]:
    """Kind codes of docs/glossary.md, without repetitions, in the given order."""
    errors = kind_errors(kinds, field)
    if errors:
        raise ValidationFailed(errors)
    return tuple(dict.fromkeys(kinds))


def clean_territory(text: str, field: str = "territory") -> Territory:
    """The territory a person names: "Pyrénées-Atlantiques", "Pau (64)", `departement:64`,
    `64` (see `territories.selectors.choose_territory`). The messages name territories, never
    a code syntax; an ambiguous name lists the territories it may mean."""
    if has_control_characters(text):
        raise ValidationFailed([FieldError(field, control_characters_message())])
    choice = choose_territory(text)
    if choice.territory is not None:
        return choice.territory
    if choice.candidates:
        message = _(
            "Plusieurs territoires répondent à « %(text)s » : %(candidates)s. Choisissez-en "
            "un parmi les suggestions."
        ) % {
            "text": text,
            "candidates": ", ".join(suggestion_label(t) for t in choice.candidates),
        }
    else:
        message = (
            _(
                "Aucun territoire pour « %s ». Tapez le début de son nom (commune, "
                "intercommunalité, département ou région) et choisissez parmi les suggestions, ou "
                "donnez son code INSEE."
            )
            % text
        )
    raise ValidationFailed([FieldError(field, message)])


def clean_coverage_parameters(
    *, territory: str, kinds: list[str] | tuple[str, ...], radius_km: Any
) -> tuple[Territory | None, tuple[str, ...], float]:
    """(territory or None for all of France, kinds, radius); ValidationFailed lists every
    faulty field.
    """
    errors = kind_errors(kinds)
    if (error := radius_error(radius_km)) is not None:
        errors.append(error)
    found = None
    if territory:
        try:
            found = clean_territory(territory)
        except ValidationFailed as exc:
            errors += exc.errors
    if errors:
        raise ValidationFailed(errors)
    return found, tuple(dict.fromkeys(kinds)), float(radius_km)


@dataclass(frozen=True)
class PlanParameters:
    territory: Territory
    kind: str  # "" for every kind
    radius_km: float
    n_new: int
    method: str
    objective: str
    time_limit_s: float


def clean_plan_parameters(
    *,
    territory: str,
    kind: str,
    radius_km: Any,
    n_new: Any,
    method: str,
    objective: str,
    time_limit_s: Any = DEFAULT_TIME_LIMIT_S,
) -> PlanParameters:
    """Every parameter of a plan checked at once; ValidationFailed lists every faulty field."""
    errors: list[FieldError] = []
    found = None
    try:
        found = clean_territory(territory)
    except ValidationFailed as exc:
        errors += exc.errors
    if kind:
        errors += kind_errors([kind])
    if (error := radius_error(radius_km)) is not None:
        errors.append(error)
    count = _number(n_new)
    if not (count.is_integer() and 1 <= count <= MAX_NEW_SITES):
        errors.append(
            FieldError(
                "n_new",
                _("Le nombre de nouveaux lieux doit être un entier entre 1 et %(max)d.")
                % {"max": MAX_NEW_SITES},
            )
        )
    if method not in PlanMethod.values:
        errors.append(
            FieldError(
                "method",
                _("Méthode inconnue ; méthodes possibles : %s.") % ", ".join(PlanMethod.values),
            )
        )
    if objective not in PlanObjective.values:
        errors.append(
            FieldError(
                "objective",
                _("Objectif inconnu ; objectifs possibles : %s.") % ", ".join(PlanObjective.values),
            )
        )
    limit = _number(time_limit_s)
    if not (0 < limit <= MAX_TIME_LIMIT_S):
        errors.append(
            FieldError(
                "time_limit_s",
                _("La limite de temps doit être comprise entre 0 et %(max)s secondes.")
                % {"max": f"{MAX_TIME_LIMIT_S:g}"},
            )
        )
    if errors:
        raise ValidationFailed(errors)
    return PlanParameters(
        territory=found,
        kind=kind,
        radius_km=float(radius_km),
        n_new=int(count),
        method=method,
        objective=objective,
        time_limit_s=limit,
    )
