"""Appending to the audit log. Every service that changes data calls `record` in its transaction.

Call convention: `record(actor=…, action="<app object>.<verb>", target=<model instance>,
changes={field: [old, new]})`, as the last write of the service, inside its
`transaction.atomic` block, so that the entry and the change commit or roll back together.
"""

import hashlib
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC
from json.encoder import encode_basestring
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from maillage.common.actors import check_actor, is_system

from .models import AuditEntry

_INSERTED_FIELDS = (
    "position",
    "at",
    "actor",
    "actor_ref",
    "action",
    "object_type",
    "object_id",
    "changes",
    "personal_changes",
    "previous_hash",
    "hash",
)
GENESIS_HASH = "0" * 64  # the `previous_hash` of the first entry
HASHED_FIELDS = ("position", "at", "actor_ref", "action", "object_type", "object_id", "changes")
SYSTEM_REF = "system"  # the `actor_ref` of what the instance did on its own (commands)
PERSONAL = "personnel"  # stands in the hashed `changes` for a personal value kept apart


class OutsideTransactionError(RuntimeError):
    """`record` was called outside a transaction: the entry could outlive a rolled-back change."""


def canonical_json(value: Any) -> str:
    """One serialisation per value: sorted keys, no spaces, UTF-8 kept, Django types as text."""
    return json.dumps(
        value, cls=DjangoJSONEncoder, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )


def entry_hash(content: Mapping[str, Any], previous_hash: str) -> str:
    """SHA-256 of the canonical JSON of an entry's hashed fields and its predecessor's hash."""
    document = {name: content[name] for name in HASHED_FIELDS} | {"previous_hash": previous_hash}
    return hashlib.sha256(canonical_json(document).encode()).hexdigest()


def hashed_content(entry: AuditEntry) -> dict[str, Any]:
    """The hashed fields of a stored entry, as they were when it was hashed."""
    return {
        "position": entry.position,
        "at": entry.at.astimezone(UTC).isoformat(),
        "actor_ref": entry.actor_ref,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "changes": entry.changes,
    }


def _lock_chain() -> None:
    """Make appends take turns, so two transactions never chain on the same predecessor.

    PostgreSQL: an EXCLUSIVE table lock, held to the end of the transaction, blocks other
    appenders but not readers (a row lock on the last entry would not do: the second appender
    would wake up holding the old last entry). SQLite: transactions are BEGIN IMMEDIATE
    (settings), so the writer already holds the database's only write lock. The unique
    `position` and `previous_hash` stop any other case at the database.
    """
    connection = transaction.get_connection()
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(AuditEntry._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")


def _as_json(changes: Mapping[str, Any]) -> dict[str, Any]:
    """The changes as the database will give them back (dates as ISO text, tuples as lists)."""
    return {str(name): _jsonable(value) for name, value in changes.items()}


_JSON_NATIVE = frozenset({str, int, bool, type(None)})


def _jsonable(value: Any) -> Any:
    """`value` as `json.loads(canonical_json(value))` gives it back, without that round trip
    for the plain values that make up nearly every change (a bulk import records thousands)."""
    kind = type(value)
    if kind in _JSON_NATIVE or (kind is float and math.isfinite(value)):
        return value
    if kind is list or kind is tuple:
        # Inline for the plain items: a change is a pair, often of plain values.
        return [item if type(item) in _JSON_NATIVE else _jsonable(item) for item in value]
    return json.loads(canonical_json(value))


def record(
    *,
    actor,
    action: str,
    target: models.Model,
    changes: Mapping[str, Any],
    personal_fields: Iterable[str] = (),
) -> AuditEntry:
    """Append who (`actor`, a user or `common.actors.SYSTEM`) did `action` to `target`.

    `changes` maps each changed field to `[old, new]`. Values of `personal_fields` are kept in
    the unhashed `personal_changes` and replaced by a marker in the hashed `changes`, so that
    erasing a person later leaves the chain intact. Must run inside the transaction of the
    change (OutsideTransactionError otherwise). The system is recorded as
    `actor_ref="system"`; a missing actor (None) or an anonymous one is a TypeError.
    """
    check_actor(actor)
    if not is_system(actor) and not getattr(actor, "is_authenticated", False):
        raise TypeError("record() needs a signed-in user or SYSTEM as its actor")
    if not transaction.get_connection().in_atomic_block:
        raise OutsideTransactionError(action)
    hashed_changes, personal_changes = _split_personal(changes, set(personal_fields))
    _lock_chain()
    last = AuditEntry.objects.order_by("-position").only("position", "hash").first()
    user = None if is_system(actor) else actor
    entry = AuditEntry(
        position=last.position + 1 if last else 1,
        at=timezone.now(),
        actor=user,
        actor_ref=str(user.pk) if user else SYSTEM_REF,
        action=action,
        object_type=target._meta.label_lower,
        object_id=str(target.pk),
        changes=hashed_changes,
        personal_changes=personal_changes,
        previous_hash=last.hash if last else GENESIS_HASH,
    )
    entry.hash = entry_hash(hashed_content(entry), entry.previous_hash)
    entry.save(force_insert=True)
    return entry


def _json_text(value: str) -> str:
    """A string as `canonical_json` writes it (UTF-8 kept)."""
    return encode_basestring(value)


def _json_column(connection):
    """How a JSON text already serialised goes into a JSON column: as it is on SQLite (a text
    column), as `jsonb` on PostgreSQL (psycopg's Jsonb wrapper, told not to serialise it again)."""
    if connection.vendor != "postgresql":
        return str
    from psycopg.types.json import Jsonb

    def as_jsonb(text: str):
        return Jsonb(text, dumps=str)

    return as_jsonb


def _split_personal(
    changes: Mapping[str, Any], personal: set[str]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(hashed changes, personal changes): personal values replaced by a marker in the first."""
    values = _as_json(changes)
    hashed = {
        name: [PERSONAL if value not in (None, "") else value for value in pair]
        if name in personal
        else pair
        for name, pair in values.items()
    }
    return hashed, {name: pair for name, pair in values.items() if name in personal}


def record_many(
    *,
    actor,
    object_type: str,
    entries: Sequence[tuple[str, Any, Mapping[str, Any]]],
    personal_fields: Iterable[str] = (),
) -> int:
    """Append one entry per `(action, object_id, changes)` of `entries`, all by `actor` (a user
    or `common.actors.SYSTEM`, as for `record`) on
    objects of `object_type` (a model's `_meta.label_lower`), in one prepared INSERT; the
    number of entries.

    For bulk writers (imports): the same entries as as many `record` calls, chained in Python
    in the order given, under the same lock and with the same serialisation, so `verify_audit`
    cannot tell them apart. Must run inside the transaction of the changes.
    """
    check_actor(actor)
    if not is_system(actor) and not getattr(actor, "is_authenticated", False):
        raise TypeError("record_many() needs a signed-in user or SYSTEM as its actor")
    if not transaction.get_connection().in_atomic_block:
        raise OutsideTransactionError(entries[0][0] if entries else object_type)
    if not entries:
        return 0
    personal = set(personal_fields)
    _lock_chain()
    last = AuditEntry.objects.order_by("-position").only("position", "hash").first()
    user = None if is_system(actor) else actor
    actor_ref = str(user.pk) if user else SYSTEM_REF
    position = last.position if last else 0
    previous_hash = last.hash if last else GENESIS_HASH
    at = timezone.now()
    at_text = at.astimezone(UTC).isoformat()
    meta = AuditEntry._meta
    columns = [meta.get_field(name) for name in _INSERTED_FIELDS]
    column_names = [field.column for field in columns if isinstance(field, models.Field)]
    connection = transaction.get_connection()
    stamp = meta.get_field("at").get_db_prep_save(at, connection)
    # The hashed document of each entry, `canonical_json` of its hashed fields and its
    # predecessor's hash, is assembled from its parts (the changes serialised once, kept for
    # the `changes` column too): the parts constant in the batch are encoded once, and
    # `test_record_many_hashes_as_record` checks the result against `entry_hash`.
    head = '{"action":'
    middle = f',"actor_ref":{_json_text(actor_ref)},"at":{_json_text(at_text)},"changes":'
    tail = f',"object_type":{_json_text(object_type)},"position":'
    json_column = _json_column(connection)
    user_pk = user.pk if user else None
    encoded_actions: dict[str, str] = {}
    rows = []
    for action, target_id, changes in entries:
        hashed, personal_changes = _split_personal(changes, personal)
        position += 1
        object_id = str(target_id)
        hashed_text = canonical_json(hashed)
        encoded_action = encoded_actions.get(action)
        if encoded_action is None:
            encoded_action = encoded_actions[action] = _json_text(action)
        document = (
            f'{head}{encoded_action}{middle}{hashed_text},"object_id":{_json_text(object_id)}'
            f'{tail}{position},"previous_hash":"{previous_hash}"}}'
        )
        digest = hashlib.sha256(document.encode()).hexdigest()
        rows.append(
            (
                position,
                stamp,
                user_pk,
                actor_ref,
                action,
                object_type,
                object_id,
                json_column(hashed_text),
                json_column(canonical_json(personal_changes) if personal_changes else "{}"),
                previous_hash,
                digest,
            )
        )
        previous_hash = digest
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.executemany(
            # Identifiers come from the model's metadata; every value is a parameter.
            f"INSERT INTO {quote(meta.db_table)} "  # noqa: S608
            f"({', '.join(quote(name) for name in column_names)}) "
            f"VALUES ({', '.join(['%s'] * len(columns))})",
            rows,
        )
    return len(rows)
