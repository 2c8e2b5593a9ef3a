"""Append-only models: rows that are written once and never changed or deleted through the ORM.

The audit log (`audit.AuditEntry`) and the places' change log (`places.PlaceChange`) are read
by people and systems that trust what they once read to stay true: the hash chain, mirrors that
resume the changes feed with a cursor. A model becomes append-only by taking
`AppendOnlyModel` as its base and `AppendOnlyQuerySet.as_manager()` (or a subclass) as its
manager: saving an existing row, deleting one, and `update()`, `bulk_update()` or `delete()` on a
queryset raise
`AppendOnlyError`. A subclass may let some updates through (`allows_update`), as the audit log
does for erasing a person.

Only the ORM is guarded: raw SQL still reaches the table, which is how tests simulate a row
altered in the database, and how `verify_audit` is meant to be exercised.
"""

from typing import Any

from django.db import models


class AppendOnlyError(Exception):
    """A row of an append-only model was about to be changed or deleted through the ORM."""


def _label(model: type[models.Model]) -> str:
    return model._meta.label


class AppendOnlyQuerySet(models.QuerySet):
    def allows_update(self, fields: dict[str, Any]) -> bool:
        """Whether `update(**fields)` may run; none may, unless a subclass says otherwise."""
        return False

    def update(self, **kwargs: Any) -> int:
        if self.allows_update(kwargs):
            return super().update(**kwargs)
        raise AppendOnlyError(f"{_label(self.model)} is append-only: rows are never changed")

    def bulk_update(self, objs: Any, fields: Any, batch_size: int | None = None) -> int:
        # Refused before Django opens its transaction, so the caller's stays usable.
        raise AppendOnlyError(f"{_label(self.model)} is append-only: rows are never changed")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(f"{_label(self.model)} is append-only: rows are never deleted")


class AppendOnlyModel(models.Model):
    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError(f"{_label(type(self))} is append-only: rows are never changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(f"{_label(type(self))} is append-only: rows are never deleted")
