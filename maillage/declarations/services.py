"""Every write of yearly declarations: one service, checked against `declarations.rules` and
audited in its transaction. Nothing is half-written: the figures are validated together, and
the row and its audit entry are one transaction."""

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from maillage.accounts.models import User
from maillage.audit.services import record
from maillage.common.actors import SystemActor, check_actor, is_system
from maillage.common.errors import Conflict, PermissionDenied
from maillage.places.models import Place

from .models import Declaration
from .rules import can_declare
from .validation import FIELDS, check_year, clean_declaration

Actor = User | SystemActor


def _plain(value: Any) -> Any:
    # The audit log stores JSON: decimals as their text, so that 2.5 FTE reads back as typed.
    return str(value) if value is not None and not isinstance(value, int | str) else value


def declare(*, actor: Actor, place: Place, year: int, values: dict[str, Any]) -> Declaration:
    """Record (or correct) what `place` declares for `year`: the figures of `values` (the
    names of `validation.FIELDS`; a missing or blank one is « not answered »). Raises
    PermissionDenied unless `actor` manages the place, ValidationFailed naming every field out
    of range, Conflict if another writer created the same year in between."""
    check_actor(actor)
    if not is_system(actor) and not can_declare(actor, place):
        raise PermissionDenied
    year = check_year(year)
    cleaned = clean_declaration(values)
    try:
        with transaction.atomic():
            return _write(actor=actor, place=place, year=year, cleaned=cleaned)
    except IntegrityError as exc:
        # Two first declarations of the same year at once: the unique constraint decided.
        message = _("Cette année vient d'être déclarée par ailleurs ; rechargez la page.")
        raise Conflict(message) from exc


def _write(*, actor: Actor, place: Place, year: int, cleaned: dict[str, Any]) -> Declaration:
    declaration = Declaration.objects.select_for_update().filter(place=place, year=year).first()
    user: User | None = None if is_system(actor) else actor  # type: ignore[assignment]
    if declaration is None:
        declaration = Declaration.objects.create(
            place=place, year=year, declared_by=user, **cleaned
        )
        changes = {field: [None, _plain(cleaned[field])] for field in FIELDS}
        action = "declaration.create"
    else:
        changes = {
            field: [_plain(getattr(declaration, field)), _plain(cleaned[field])]
            for field in FIELDS
            if getattr(declaration, field) != cleaned[field]
        }
        for field, value in cleaned.items():
            setattr(declaration, field, value)
        declaration.declared_by = user
        declaration.save()
        action = "declaration.update"
    changes = {"year": [None, year], **changes}
    record(actor=actor, action=action, target=declaration, changes=changes)
    return declaration
