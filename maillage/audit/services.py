"""Appending to the audit log. Every service that changes data calls `record` in its transaction.

Call convention: `record(actor=…, action="<app object>.<verb>", target=<model instance>,
changes={field: [old, new]})`, as the last write of the service, inside its
`transaction.atomic` block, so that the entry and the change commit or roll back together.

How an entry is hashed and chained (docs/decisions.md, "The audit chain is linked at commit"):

- its `content_hash` is the SHA-256 of the canonical JSON of its content (`at`, `actor_ref`,
  `action`, `object_type`, `object_id`, `changes`), computed here when it is recorded;
- its link, `hash = SHA-256(content_hash ‖ previous_hash ‖ position)` (`link_hash`), with its
  `position` and `previous_hash`, is given when its transaction commits on PostgreSQL, by the
  deferred constraint trigger `audit_chain` (migration 0002), which takes the chain's advisory
  lock only then: business transactions no longer wait for each other from their first
  entry to their commit, only for the instant each one's entries are linked. Until its commit
  an entry's `position`, `previous_hash` and `hash` are NULL (`chain_pending` links them
  earlier, for a transaction that reads its own entries). On SQLite, whose IMMEDIATE
  transactions already hold the database's only write lock, entries are linked here, in
  Python, by the same formula.
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
    "content_hash",
    "previous_hash",
    "hash",
)
GENESIS_HASH = "0" * 64  # the `previous_hash` of the first entry
# The content an entry's `content_hash` covers; its position is covered by its link.
CONTENT_FIELDS = ("at", "actor_ref", "action", "object_type", "object_id", "changes")
HASHED_FIELDS = ("position", *CONTENT_FIELDS)  # what `entry_hash` covers, link included
SYSTEM_REF = "system"  # the `actor_ref` of what the instance did on its own (commands)
PERSONAL = "personnel"  # stands in the hashed `changes` for a personal value kept apart
# The PostgreSQL advisory lock (transaction level) under which entries are linked: the trigger
# `audit_chain` and `record_many` take it. The bytes of "maillage" read as a big-endian integer.
CHAIN_LOCK_KEY = 7881696737270785893
CHAIN_TRIGGER = "audit_chain"  # the deferred constraint trigger of migration 0002


class OutsideTransactionError(RuntimeError):
    """`record` was called outside a transaction: the entry could outlive a rolled-back change."""


# Made once: `json.dumps` given options builds a new encoder at each call, a fifth of the cost
# of serialising a small document (a bulk import serialises thousands).
_encode = DjangoJSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode


def canonical_json(value: Any) -> str:
    """One serialisation per value: sorted keys, no spaces, UTF-8 kept, Django types as text."""
    return _encode(value)


def content_hash(content: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the canonical JSON of an entry's content (`CONTENT_FIELDS`)."""
    document = {name: content[name] for name in CONTENT_FIELDS}
    return hashlib.sha256(canonical_json(document).encode()).hexdigest()


def link_hash(content_digest: str, previous_hash: str, position: int) -> str:
    """An entry's `hash`: SHA-256 (hex) of its content hash, its predecessor's hash and its
    position, as text one after the other (two 64-digit hex strings, then decimal digits, so
    the concatenation is unambiguous). The trigger `audit_chain` computes the same in SQL."""
    return hashlib.sha256(f"{content_digest}{previous_hash}{position}".encode()).hexdigest()


def entry_hash(content: Mapping[str, Any], previous_hash: str) -> str:
    """The `hash` of an entry whose hashed fields (`HASHED_FIELDS`, position included) are
    `content`, after an entry whose hash is `previous_hash`."""
    return link_hash(content_hash(content), previous_hash, content["position"])


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


def _links_at_commit(connection) -> bool:
    """Whether the database links entries at commit (the trigger), not `record`."""
    return connection.vendor == "postgresql"


def chain_pending() -> None:
    """Link now the entries the current transaction recorded, instead of at its commit.

    For a transaction that reads its own entries' positions or hashes (`verify_chain` does,
    and so do tests, whose transaction never commits): PostgreSQL runs the pending trigger
    events of `audit_chain` at once (`SET CONSTRAINTS … IMMEDIATE`), which takes the chain's
    lock until the commit, as `record_many` does. A no-op on SQLite, where `record` links.
    """
    connection = transaction.get_connection()
    if not _links_at_commit(connection) or not connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        cursor.execute(f"SET CONSTRAINTS {CHAIN_TRIGGER} IMMEDIATE")
        cursor.execute(f"SET CONSTRAINTS {CHAIN_TRIGGER} DEFERRED")


def _chain_head(connection) -> tuple[int, str]:
    """(position, hash) of the last linked entry, (0, GENESIS_HASH) for an empty log.

    The caller holds the chain: SQLite's write lock, or on PostgreSQL the advisory lock taken
    before this query, whose snapshot then sees every entry linked before (READ COMMITTED)."""
    last = (
        AuditEntry.objects.filter(position__isnull=False)
        .order_by("-position")
        .values_list("position", "hash")
        .first()
    )
    if last is None:
        return 0, GENESIS_HASH
    position, head_hash = last  # a linked entry: neither is NULL
    return int(position or 0), str(head_hash)


_JSON_NATIVE = frozenset({str, int, bool, type(None)})


def canonical_float(value: float) -> float | int:
    """A float as the log stores it, so that both databases give it back as it was hashed:
    PostgreSQL's jsonb keeps numbers as `numeric`, so `1e16` would come back as the integer
    10000000000000000 and `-0.0` as `0.0`. Every integral float is stored as an int (`43.0` as
    `43`, `-0.0` as `0`); other finite floats come back from jsonb as they went in. NaN and
    infinities, which JSON cannot hold, are refused (ValueError).

    >>> canonical_float(-0.0), canonical_float(1e16), canonical_float(43.5)
    (0, 10000000000000000, 43.5)
    """
    if not math.isfinite(value):
        raise ValueError(f"the audit log holds finite numbers only, not {value!r}")
    if value.is_integer():
        return int(value)
    return value


def _parse_float(text: str) -> float | int:
    return canonical_float(float(text))


def _jsonable(value: Any) -> Any:
    """`value` as `json.loads(canonical_json(value))` gives it back, floats canonical
    (`canonical_float`), without that round trip for the plain values that make up nearly
    every change (a bulk import records thousands)."""
    kind = type(value)
    if kind in _JSON_NATIVE:
        return value
    if kind is float:
        return canonical_float(value)
    if kind is list or kind is tuple:
        # Inline for the plain items: a change is a pair, often of plain values.
        return [item if type(item) in _JSON_NATIVE else _jsonable(item) for item in value]
    return json.loads(canonical_json(value), parse_float=_parse_float)


def _recorder(actor) -> tuple[Any, str]:
    """(the user to store in `actor`, or None for the system; its `actor_ref`)."""
    check_actor(actor)
    if is_system(actor):
        return None, SYSTEM_REF
    if not getattr(actor, "is_authenticated", False):
        raise TypeError("the audit log needs a signed-in user or SYSTEM as its actor")
    return actor, str(actor.pk)


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
    erasing a person later leaves the chain intact. Floats are stored as `canonical_float`
    gives them (integral ones as ints). Must run inside the transaction of the change
    (OutsideTransactionError otherwise). The system is recorded as `actor_ref="system"`; a
    missing actor (None) or an anonymous one is a TypeError.

    On PostgreSQL the entry is linked into the chain when its transaction commits (its
    `position`, `previous_hash` and `hash` are None until then; see `chain_pending`); on SQLite
    at once.
    """
    user, actor_ref = _recorder(actor)
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise OutsideTransactionError(action)
    hashed_changes, personal_changes = _split_personal(changes, set(personal_fields))
    entry = AuditEntry(
        at=timezone.now(),
        actor=user,
        actor_ref=actor_ref,
        action=action,
        object_type=target._meta.label_lower,
        object_id=str(target.pk),
        changes=hashed_changes,
        personal_changes=personal_changes,
    )
    content = hashed_content(entry)
    entry.content_hash = content_hash(content)
    if not _links_at_commit(connection):
        # SQLite: this transaction holds the write lock since it began (BEGIN IMMEDIATE).
        position, entry.previous_hash = _chain_head(connection)
        entry.position = position + 1
        entry.hash = link_hash(entry.content_hash, entry.previous_hash, entry.position)
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
    """(hashed changes, personal changes): personal values replaced by a marker in the first.

    A bulk import splits thousands of changes: a pair of plain values, most of an import's, is
    kept as it is (the same list: the database gives it back unchanged, and the entry only
    serialises it), and the personal fields, a few names, are looked up afterwards rather than
    tested for every field."""
    native = _JSON_NATIVE
    hashed: dict[str, Any] = {}
    for name, value in changes.items():
        if type(value) is list and len(value) == 2:
            old, new = value
            pair = (
                value
                if type(old) in native and type(new) in native
                else [_jsonable(old), _jsonable(new)]
            )
        else:
            pair = _jsonable(value)
        hashed[name if type(name) is str else str(name)] = pair
    kept: dict[str, Any] = {}
    for key in personal.intersection(hashed):
        pair = kept[key] = hashed[key]
        hashed[key] = [PERSONAL if item not in (None, "") else item for item in pair]
    return hashed, kept


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

    For bulk writers (imports): the same entries as as many `record` calls, with the same
    serialisation, so `verify_audit` cannot tell them apart, but linked here, in Python, in the
    order given: on PostgreSQL under the chain's advisory lock, taken here and held to the
    commit (entries the transaction recorded before are linked first, `chain_pending`). So call
    it as the last write of its transaction: the chain waits for that commit. Must run inside
    the transaction of the changes.
    """
    user, actor_ref = _recorder(actor)
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise OutsideTransactionError(entries[0][0] if entries else object_type)
    if not entries:
        return 0
    personal = set(personal_fields)
    if _links_at_commit(connection):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])
        chain_pending()
    position, previous_hash = _chain_head(connection)
    at = timezone.now()
    at_text = at.astimezone(UTC).isoformat()
    meta = AuditEntry._meta
    columns = [meta.get_field(name) for name in _INSERTED_FIELDS]
    column_names = [field.column for field in columns if isinstance(field, models.Field)]
    stamp = meta.get_field("at").get_db_prep_save(at, connection)
    # Each entry's content document, `canonical_json` of its `CONTENT_FIELDS` (keys sorted), is
    # assembled from its parts (the changes serialised once, kept for the `changes` column
    # too): the parts constant in the batch are encoded once, and
    # `test_record_many_hashes_as_record` checks the result against `entry_hash`.
    head = '{"action":'
    middle = f',"actor_ref":{_json_text(actor_ref)},"at":{_json_text(at_text)},"changes":'
    tail = f',"object_type":{_json_text(object_type)}}}'
    json_column = _json_column(connection)
    no_personal = json_column("{}")
    user_pk = user.pk if user else None
    encoded_actions: dict[str, str] = {}
    sha256 = hashlib.sha256
    rows = []
    for action, target_id, changes in entries:
        hashed, personal_changes = _split_personal(changes, personal)
        position += 1
        object_id = str(target_id)
        hashed_text = _encode(hashed)
        encoded_action = encoded_actions.get(action)
        if encoded_action is None:
            encoded_action = encoded_actions[action] = _json_text(action)
        document = (
            f'{head}{encoded_action}{middle}{hashed_text},"object_id":{_json_text(object_id)}{tail}'
        )
        digest = sha256(document.encode()).hexdigest()
        link = sha256(f"{digest}{previous_hash}{position}".encode()).hexdigest()
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
                json_column(_encode(personal_changes)) if personal_changes else no_personal,
                digest,
                previous_hash,
                link,
            )
        )
        previous_hash = link
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
