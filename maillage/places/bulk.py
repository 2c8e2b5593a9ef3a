"""The bulk writer of places: the write half of imports, owned by the places app.

`places.services.upsert_places` is its entry point. Each batch of validated rows is matched on
(source, source_id) against the database and its rows are prepared for writing outside any
transaction; then the batch is written in a transaction of its own, with its audit entries and
change-log entries, so that an import leaves the same trace as the same changes made one by one.
A row whose digest equals the one stored at the last import is `unchanged` and nothing is
written (not even `updated_at`).

A batch is planned without the lock and checked again once in its transaction: if a place of
the batch was created, deleted or re-imported meanwhile, the batch is planned again under the
lock, so it is written against what the database holds then; the slugs of new places are chosen
there too, so one taken meanwhile is not chosen again.

Writes are `executemany` of one prepared statement per table and batch: `bulk_create` and
`bulk_update` build a model instance per row and, on SQLite, compile a statement every 30 rows
(or a CASE per field), which made them several times slower than the validation itself. Values
still go through each field's `get_db_prep_save`, as the ORM would do. The Python half of that
work is done before the transaction, so that the write lock is held only while the database
writes (and other writers get it while the next batch is prepared).
"""

import functools
import gc
import json
import uuid
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.utils import timezone
from django.utils.text import slugify

from maillage.audit.services import record_many
from maillage.common.bulk_sql import update_many
from maillage.common.text import label_key

# A circular import by design: `services.upsert_places` drives this module, which maps rows
# with the services' own `apply_clean_place` (attributes are read at call time).
from . import search, services
from .fields import View, names_for
from .models import Label, Place, PlaceChange, PlaceKindLink
from .validation import CleanPlace

# What an import writes over an existing place (places.fields, the `imported` view): the fields
# of the canonical format and those `apply_clean_place` derives from them. Fields the format does
# not carry (surface, capacity, acceslibre link, managers) keep what people entered, and the
# slug stays, so URLs do not move.
UPDATED_FIELDS = names_for(View.IMPORTED)
# The audited fields (services._audited_values) an import writes: the others keep their value.
_AUDITED_UPDATED = tuple(
    name for name in UPDATED_FIELDS if name in names_for(View.CLEAN) or name == "insee_code"
)
_LABEL_RELATIONS = (("services", Label.Category.SERVICE), ("equipment", Label.Category.EQUIPMENT))
_LABEL_CATEGORIES = dict(_LABEL_RELATIONS)
_RELATIONS = ("kinds", *_LABEL_CATEGORIES)


def _relation_model(relation: str):
    return PlaceKindLink if relation == "kinds" else getattr(Place, relation).through


def _relation_value(relation: str, names) -> list[str]:
    """A relation's value as the audit log compares it: kinds in their order (the first is the
    place's main kind), labels as a set (their order in a file is not a change)."""
    return list(names) if relation == "kinds" else sorted(names)


# A row of a batch: (source_id, validated place, digest of the imported content).
Row = tuple[str, CleanPlace, str]


def slug_base(name: str, city: str) -> str:
    """`name-city`, the slug of a place before any -2, -3… that keeps it unique."""
    return slugify(f"{name} {city}".strip())[:200] or "lieu"


def next_free_slug(base: str, taken, start: int = 2) -> tuple[str, int]:
    """The first of `base`, `base-<start>`, `base-<start+1>`… not in `taken`, and its counter
    (the rule of every slug, one place or a batch)."""
    if base not in taken:
        return base, start - 1
    counter = start
    while f"{base}-{counter}" in taken:
        counter += 1
    return f"{base}-{counter}", counter


@dataclass(frozen=True)
class UpsertCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class _Plan:
    """One batch sorted against `known` (its places in the database), rows ready to write."""

    known: dict[str, tuple[int, str, uuid.UUID]]
    creations: list[tuple[str, CleanPlace]] = field(default_factory=list)
    creation_rows: list[list[Any]] = field(default_factory=list)
    creation_uuids: list[uuid.UUID] = field(default_factory=list)
    slug_bases: list[str] = field(default_factory=list)
    updates: list[tuple[int, CleanPlace]] = field(default_factory=list)
    update_rows: list[list[Any]] = field(default_factory=list)
    update_keys: list[tuple[str, uuid.UUID]] = field(default_factory=list)
    unchanged: int = 0


def source_places(source: str):
    """The places of a source, unordered. Excluding empty source_ids repeats the condition of
    the partial unique index on (source, source_id), without which SQLite does not use it."""
    return Place.objects.filter(source=source).exclude(source_id="").order_by()


class BulkUpserter:
    """Upserts batches of one source's rows, each batch in its own transaction."""

    def __init__(self, source: str, *, actor, write: bool, carried: tuple[str, ...] = ()) -> None:
        """`carried`: fields beyond the canonical format's that this source carries (a peer's
        records carry surface, capacity and acceslibre link): updates write them too."""
        self.source = source
        self.actor = actor
        self.write = write
        self._slugs: SlugAllocator | None = None
        self._label_ids: dict[tuple[str, str], int] = {}
        # One instance reused for every row: `apply_clean_place` sets every mapped field, and
        # building a model instance per row would cost as much as writing it.
        self._scratch = Place()
        self._create_fields = [
            field for field in Place._meta.concrete_fields if not field.primary_key
        ]
        attnames = [field.attname for field in self._create_fields]
        self._slug_index = attnames.index("slug")
        self._uuid_index = attnames.index("uuid")
        self._update_fields = [Place._meta.get_field(name) for name in (*UPDATED_FIELDS, *carried)]
        self._audited = (*_AUDITED_UPDATED, *carried)
        self._audited_getter = attrgetter(*self._audited)

    def upsert(self, batch: list[Row]) -> UpsertCounts:
        with _collector_paused():
            return self._upsert(batch)

    def _upsert(self, batch: list[Row]) -> UpsertCounts:
        plan = self._plan(batch, self._known(batch))
        if self.write and (plan.creations or plan.updates):
            with transaction.atomic():
                known = self._known(batch, lock=True)
                if known != plan.known:
                    # Another writer went in since the plan was made: plan again, under the
                    # lock (and, on PostgreSQL, the rows locked by `_known`).
                    plan = self._plan(batch, known)
                updated_ids = [place_id for place_id, _ in plan.updates]
                before = self._audited_before(updated_ids)
                with search.bulk_indexing() as index:
                    index.forget(updated_ids)
                    created_ids = self._create(plan)
                    self._update(plan, before)
                    index.index([*created_ids, *updated_ids])
                self._record(plan, created_ids, before)
        return UpsertCounts(len(plan.creations), len(plan.updates), plan.unchanged)

    def _known(self, batch: list[Row], *, lock: bool = False):
        """source_id → (id, digest, uuid) of the batch's places already in the database."""
        places = source_places(self.source).filter(
            source_id__in=[source_id for source_id, _, _ in batch]
        )
        if lock:
            places = places.select_for_update()
        return {
            source_id: (place_id, digest, place_uuid)
            for source_id, place_id, digest, place_uuid in places.values_list(
                "source_id", "id", "source_digest", "uuid"
            )
        }

    def _plan(self, batch: list[Row], known) -> _Plan:
        plan = _Plan(known=known)
        creations, updates = [], []
        for source_id, clean, digest in batch:
            found = known.get(source_id)
            if found is None:
                creations.append((source_id, clean, digest))
            elif found[1] == digest:
                plan.unchanged += 1
            else:
                updates.append((found[0], clean, digest))
                plan.update_keys.append((source_id, found[2]))
        plan.creations = [(source_id, clean) for source_id, clean, _ in creations]
        plan.updates = [(place_id, clean) for place_id, clean, _ in updates]
        if self.write:
            self._prepare_creations(plan, creations)
            self._prepare_updates(plan, updates)
        return plan

    def _prepare_creations(self, plan: _Plan, creations) -> None:
        if not creations:
            return
        if self._slugs is None:
            self._slugs = SlugAllocator()
        # executemany bypasses auto_now and auto_now_add: the timestamps are set here, prepared
        # for the database once for the whole batch.
        stamp = db_value(Place._meta.get_field("updated_at"), timezone.now())
        fields = self._create_fields
        read_row = attrgetter(*(field.attname for field in fields))
        stamped = [index for index, field in enumerate(fields) if field.attname in _TIMESTAMPS]
        uuid_field = Place._meta.get_field("uuid")
        place = self._scratch
        db = current_connection()
        for source_id, clean, digest in creations:
            services.apply_clean_place(place, clean)
            place.source, place.source_id, place.source_digest = self.source, source_id, digest
            # The slug is chosen under the lock, by `_create`; only its base is computed here.
            place.slug = ""
            plan.slug_bases.append(slug_base(clean.name, clean.city))
            row = db_values(fields, read_row(place), db)
            for index in stamped:
                row[index] = stamp
            place_uuid = uuid.uuid4()
            row[self._uuid_index] = db_value(uuid_field, place_uuid, db)
            plan.creation_uuids.append(place_uuid)
            plan.creation_rows.append(row)

    def _prepare_updates(self, plan: _Plan, updates) -> None:
        stamp = db_value(Place._meta.get_field("updated_at"), timezone.now())
        fields = self._update_fields
        read_row = attrgetter(*(field.attname for field in fields))
        stamped = [index for index, field in enumerate(fields) if field.attname in _TIMESTAMPS]
        place = self._scratch
        db = current_connection()
        for place_id, clean, digest in updates:
            services.apply_clean_place(place, clean)
            place.source_digest = digest
            row = db_values(fields, read_row(place), db)
            for index in stamped:
                row[index] = stamp
            row.append(place_id)
            plan.update_rows.append(row)

    def _create(self, plan: _Plan) -> list[int]:
        if not plan.creations:
            return []
        for row, slug in zip(
            plan.creation_rows, self._slugs.allocate(plan.slug_bases), strict=True
        ):
            row[self._slug_index] = slug
        insert_many(Place, self._create_fields, plan.creation_rows)
        ids = dict(
            source_places(self.source)
            .filter(source_id__in=[source_id for source_id, _ in plan.creations])
            .values_list("source_id", "id")
        )
        place_ids = [ids[source_id] for source_id, _ in plan.creations]
        self._save_relations(place_ids, [clean for _, clean in plan.creations])
        return place_ids

    def _update(self, plan: _Plan, before: dict[int, dict[str, Any]]) -> None:
        if not plan.updates:
            return
        update_many(Place, self._update_fields, plan.update_rows)
        # Only the relations that change are written again: an import that edits a description
        # leaves kinds, services and equipment as they are (rewriting them all was a third of
        # the time spent writing updated places). Compared as the audit log compares them.
        for relation in _RELATIONS:
            changed = [
                (place_id, clean)
                for place_id, clean in plan.updates
                if _relation_value(relation, getattr(clean, relation))
                != _relation_value(relation, before[place_id][relation])
            ]
            if changed:
                model = _relation_model(relation)
                delete_many(model, model._meta.get_field("place"), [pid for pid, _ in changed])
                self._save_relation(relation, changed)

    def _audited_after(self, clean: CleanPlace) -> dict[str, Any]:
        return {
            **dict(zip(self._audited, self._audited_getter(clean), strict=True)),
            "kinds": list(clean.kinds),
            "services": list(clean.services),
            "equipment": list(clean.equipment),
        }

    def _created_fields(self, clean: CleanPlace) -> dict[str, list]:
        """`services.changed_values({}, after)` of a new place, without comparing to nothing."""
        return {
            name: [None, value]
            for name, value in self._audited_after(clean).items()
            # `value not in (None, "", [])`, without building a list to compare every value.
            if value or not (value is None or isinstance(value, (str, list)))
        }

    def _audited_before(self, place_ids: list[int]) -> dict[int, dict[str, Any]]:
        """What the audit log compares, for places about to be updated: the fields an import
        writes, in four plain queries. The ORM's `values()` cost as much as the update itself,
        and these columns (text and floats) need none of its conversions but the code lists'
        (JSON), which SQLite hands back as text."""
        if not place_ids:
            return {}
        quote = connection.ops.quote_name
        placeholders = ", ".join(["%s"] * len(place_ids))
        place_table, pk = quote(Place._meta.db_table), quote(Place._meta.pk.column)
        columns = [Place._meta.get_field(name).column for name in self._audited]
        before: dict[int, dict[str, Any]] = {}
        with connection.cursor() as cursor:
            cursor.execute(
                # Identifiers come from the model's metadata; every value is a parameter.
                f"SELECT {pk}, {', '.join(quote(column) for column in columns)} "  # noqa: S608
                f"FROM {place_table} WHERE {pk} IN ({placeholders})",
                place_ids,
            )
            json_fields = [
                isinstance(Place._meta.get_field(name), models.JSONField) for name in self._audited
            ]
            for place_id, *stored in cursor.fetchall():
                values = [
                    json.loads(value) if is_json and isinstance(value, str) else value
                    for value, is_json in zip(stored, json_fields, strict=True)
                ]
                before[place_id] = dict(zip(self._audited, values, strict=True)) | {
                    "kinds": [],
                    "services": [],
                    "equipment": [],
                }
            link = PlaceKindLink._meta
            cursor.execute(
                f"SELECT {quote(link.get_field('place').column)}, "  # noqa: S608
                f"{quote(link.get_field('kind').column)} FROM {quote(link.db_table)} "
                f"WHERE {quote(link.get_field('place').column)} IN ({placeholders}) "
                f"ORDER BY {quote(link.pk.column)}",
                place_ids,
            )
            for place_id, kind in cursor.fetchall():
                before[place_id]["kinds"].append(kind)
            label_table, label_pk = quote(Label._meta.db_table), quote(Label._meta.pk.column)
            for relation, _category in _LABEL_RELATIONS:
                through = getattr(Place, relation).through._meta
                place_column = quote(through.get_field("place").column)
                cursor.execute(
                    f"SELECT t.{place_column}, l.{quote('name')} "  # noqa: S608
                    f"FROM {quote(through.db_table)} t JOIN {label_table} l "
                    f"ON l.{label_pk} = t.{quote(through.get_field('label').column)} "
                    f"WHERE t.{place_column} IN ({placeholders})",
                    place_ids,
                )
                for place_id, name in cursor.fetchall():
                    before[place_id][relation].append(name)
        return before

    def _record(self, plan: _Plan, created_ids: list[int], before) -> None:
        """Audit entries and change-log entries of the batch, in its transaction."""
        entries = [
            ("place.create", place_id, self._created_fields(clean))
            for place_id, (_, clean) in zip(created_ids, plan.creations, strict=True)
        ]
        for place_id, clean in plan.updates:
            after = self._audited_after(clean)
            old = before[place_id]
            for relation in _RELATIONS:
                old[relation] = _relation_value(relation, old[relation])
                after[relation] = _relation_value(relation, after[relation])
            if changes := services.changed_values(old, after):
                entries.append(("place.update", place_id, changes))
        at = timezone.now()
        record_place_changes(
            [
                *(
                    (place_uuid, PlaceChange.Change.CREATED, self.source, source_id)
                    for place_uuid, (source_id, _) in zip(
                        plan.creation_uuids, plan.creations, strict=True
                    )
                ),
                *(
                    (place_uuid, PlaceChange.Change.UPDATED, self.source, source_id)
                    for source_id, place_uuid in plan.update_keys
                ),
            ],
            at=at,
        )
        # Last: `record_many` holds the audit chain from here to the commit.
        record_many(
            actor=self.actor,
            object_type=Place._meta.label_lower,
            entries=entries,
            personal_fields=services.PERSONAL_FIELDS,
        )

    def _save_relations(self, place_ids: list[int], cleans: list[CleanPlace]) -> None:
        """Kinds, services and equipment of saved places: one statement per relation."""
        pairs = list(zip(place_ids, cleans, strict=True))
        for relation in _RELATIONS:
            self._save_relation(relation, pairs)

    def _save_relation(self, relation: str, pairs: list[tuple[int, CleanPlace]]) -> None:
        """Insert the rows of one relation (`kinds`, `services` or `equipment`) of these places."""
        if relation == "kinds":
            link = PlaceKindLink._meta
            insert_many(
                PlaceKindLink,
                [link.get_field("place"), link.get_field("kind")],
                [(place_id, kind) for place_id, clean in pairs for kind in clean.kinds],
            )
            return
        label_ids = self._labels(
            _LABEL_CATEGORIES[relation],
            {name for _, clean in pairs for name in getattr(clean, relation)},
        )
        through = getattr(Place, relation).through._meta
        insert_many(
            through.model,
            [through.get_field("place"), through.get_field("label")],
            [
                (place_id, label_ids[name])
                for place_id, clean in pairs
                for name in getattr(clean, relation)
            ],
        )

    def _labels(self, category: str, names: set[str]) -> dict[str, int]:
        """Label id of each name (matched by `label_key`, as `get_or_create_labels` does),
        creating missing labels; cached by import."""
        keys = {name: label_key(name) for name in names}
        missing = [name for name, key in keys.items() if (category, key) not in self._label_ids]
        if missing:
            for label in services.get_or_create_labels(category, missing):
                self._label_ids[(category, label.key)] = label.pk
        return {name: self._label_ids[(category, key)] for name, key in keys.items()}


def record_place_changes(changes: list[tuple[uuid.UUID, str, str, str]], *, at) -> None:
    """Append `(uuid, change, source, source_id)` entries to the change log, in one statement.

    Place writers take turns from here to their commit, so that entries commit in the order of
    `seq` and a reader paging through the feed never sees a later entry before an earlier one:
    on PostgreSQL an EXCLUSIVE lock on the change log, held to the commit (it blocks other
    place writers, not readers, nor the writers of anything else); on SQLite the transaction
    already holds the only write lock. Take it before the audit chain (`record_many`, or
    `record`'s link at commit), as every place writer does, so two writers never wait for
    each other's lock.
    """
    meta = PlaceChange._meta
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"LOCK TABLE {connection.ops.quote_name(meta.db_table)} IN EXCLUSIVE MODE"
            )
    fields = [meta.get_field(name) for name in ("uuid", "change", "at", "source", "source_id")]
    db = current_connection()
    stamp = db_value(meta.get_field("at"), at, db)
    uuid_field = fields[0]
    insert_many(
        PlaceChange,
        fields,
        [
            (db_value(uuid_field, place_uuid, db), str(change), stamp, source, source_id)
            for place_uuid, change, source, source_id in changes
        ],
    )


@contextmanager
def _collector_paused():
    """Pause Python's cyclic garbage collector for one batch: the tens of thousands of small
    lists and dicts a batch builds (rows, audit changes) are freed by reference counting, but
    made the collector walk every object of the process (communes, batches) several times per
    batch. It runs again between batches, so cyclic garbage waits one batch at most."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


class SlugAllocator:
    """Unique slugs for new places, by the rule of `next_free_slug`.

    The taken slugs are read once, so that creating N places costs no query per place; other
    writers may take slugs after that, which `allocate` checks in one query per batch.
    """

    def __init__(self) -> None:
        self.taken = set(Place.objects.values_list("slug", flat=True))
        self._next_counter: dict[str, int] = defaultdict(lambda: 2)

    def allocate(self, bases: list[str]) -> list[str]:
        """A free slug for each base; called in the transaction that inserts the places."""
        slugs = [self._next(base) for base in bases]
        while clashes := set(Place.objects.filter(slug__in=slugs).values_list("slug", flat=True)):
            # Taken by another writer since `taken` was read; `_next` has recorded them.
            slugs = [
                self._next(base) if slug in clashes else slug
                for base, slug in zip(bases, slugs, strict=True)
            ]
        return slugs

    def _next(self, base: str) -> str:
        slug, counter = next_free_slug(base, self.taken, self._next_counter[base])
        if slug != base:
            self._next_counter[base] = counter + 1
        self.taken.add(slug)
        return slug


# Types every database driver takes as they are: they skip Django's per-field preparation, the
# costliest part of writing 100,000 rows. Others (datetimes, enum members) go through it.
_NATIVE_TYPES = frozenset({str, int, float, bool, type(None)})
_TIMESTAMPS = frozenset({"created_at", "updated_at"})


def db_value(field, value, db=connection):
    """`value` as the database takes it for `field`. `db`: the connection itself (callers that
    prepare a value per row resolve it once: `connection` is a thread-local proxy)."""
    return value if type(value) in _NATIVE_TYPES else field.get_db_prep_save(value, db)


def current_connection():
    """The default database's connection of this thread, resolved once for a batch."""
    return connections[DEFAULT_DB_ALIAS]


def db_values(fields, values, db) -> list[Any]:
    """`db_value` of each field and value, in one loop (it runs for every column of every row);
    `db` is the connection, resolved once by the caller (`current_connection`): the global
    `connection` is a thread-local proxy, and reading it for each value (the UUID field asks
    its features) was a tenth of the time spent preparing a new place.

    A list (the code lists, JSON columns) is prepared once per distinct value: a batch holds
    few distinct code lists, and preparing the six of each row for the database (JSON encoding
    and the connection's adapter) was a tenth of the time an import spent per new place. A code
    (a `TextChoices` member, a str) goes as it is, as a CharField's `get_db_prep_save` leaves it.
    """
    native = _NATIVE_TYPES
    vendor = db.vendor
    return [
        value
        if type(value) in native
        else _code_list_value(field, tuple(value), vendor)
        if type(value) is list
        else value
        if isinstance(value, str) and isinstance(field, models.CharField)
        else field.get_db_prep_save(value, db)
        for field, value in zip(fields, values, strict=True)
    ]


@functools.lru_cache(maxsize=4096)
def _code_list_value(field, items: tuple, vendor: str):
    """The database value of a list held by a JSON column, prepared from a list of its own
    (the adapter may keep a reference to it). `vendor` keys the cache: SQLite takes JSON text,
    PostgreSQL an adapter object."""
    return field.get_db_prep_save(list(items), connection)


def insert_many(model, fields, rows) -> None:
    """INSERT `rows` (values already prepared for the database) with one prepared statement."""
    if not rows:
        return
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    with connection.cursor() as cursor:
        cursor.executemany(
            # Identifiers come from the model's metadata; every value is a parameter.
            f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({placeholders})",  # noqa: S608
            rows,
        )


def delete_many(model, field, values) -> None:
    """DELETE the rows of `model` whose `field` is one of `values`, in one statement.

    The ORM's delete() first looks for cascades and signals, which these link tables do not
    have: that search was a quarter of the time spent writing updated places.
    """
    quote = connection.ops.quote_name
    placeholders = ", ".join(["%s"] * len(values))
    with connection.cursor() as cursor:
        cursor.execute(
            # Identifiers come from the model's metadata; every value is a parameter.
            f"DELETE FROM {quote(model._meta.db_table)} "  # noqa: S608
            f"WHERE {quote(field.column)} IN ({placeholders})",
            values,
        )
