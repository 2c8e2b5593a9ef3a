"""Explicit lifecycles: a model's `TRANSITIONS` table and the one way to move along it.

A model with a lifecycle (import jobs, plan jobs…) declares `TRANSITIONS = {state: frozenset of
the states it may move to}` and changes its state only through `move_state`, called by its
app's services (one service per transition).
"""

from typing import Any, TypeVar

from django.db import models
from django.utils import timezone

M = TypeVar("M", bound=models.Model)


class IllegalTransition(Exception):  # noqa: N818 - reads as a sentence: raise IllegalTransition
    """The object's state does not allow this move (see its model's TRANSITIONS)."""


def move_state(obj: M, target: str, *, field: str = "state", **changes: Any) -> M:
    """Move `obj` to `target` if TRANSITIONS allow it, as a compare-and-set on the current state.

    The conditional UPDATE makes two workers racing for the same object safe: only one of them
    moves it; the other gets IllegalTransition. `changes` are written in the same UPDATE (with
    `updated_at`, which an UPDATE does not set by itself) and copied onto `obj`.
    """
    model = type(obj)
    current = getattr(obj, field)
    if target not in model.TRANSITIONS[current]:
        raise IllegalTransition(
            f"{model._meta.model_name} {obj.pk}: {current} → {target} is not an allowed transition"
        )
    if any(f.name == "updated_at" for f in model._meta.concrete_fields):
        changes["updated_at"] = timezone.now()
    moved = model._default_manager.filter(pk=obj.pk, **{field: current}).update(
        **{field: target}, **changes
    )
    if not moved:
        raise IllegalTransition(f"{model._meta.model_name} {obj.pk} changed state meanwhile")
    setattr(obj, field, target)
    for name, value in changes.items():
        setattr(obj, name, value)
    return obj
