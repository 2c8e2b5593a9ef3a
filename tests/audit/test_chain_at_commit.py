"""The chain is linked at commit on PostgreSQL (a deferred trigger), at once on SQLite: parallel
writers all get linked, none waits for another's open transaction, a rolled-back transaction
leaves no gap, floats verify as stored, and migration 0002 links an old chain again."""

import importlib
import threading
from collections import Counter
from types import SimpleNamespace

import pytest
from django.apps import apps as django_apps
from django.db import connection, transaction
from django.utils import timezone

from maillage.audit.models import AuditEntry
from maillage.audit.selectors import verify_chain
from maillage.audit.services import (
    GENESIS_HASH,
    chain_pending,
    content_hash,
    entry_hash,
    hashed_content,
    record,
    record_many,
)
from maillage.common.actors import SYSTEM
from tests.accounts.factories import UserFactory
from tests.audit.test_verify_audit import in_thread, set_changes, sql
from tests.capacity_app.models import Holder
from tests.concurrency import Call, send_all

relinking = importlib.import_module("maillage.audit.migrations.0002_link_the_chain_at_commit")


def linked_entries() -> list[AuditEntry]:
    return list(AuditEntry.objects.order_by("position"))


@pytest.mark.django_db(transaction=True)
def test_parallel_writers_are_all_linked_and_rolled_back_ones_leave_no_gap(app_server):
    holder = Holder.objects.create(capacity=1)
    path = f"/test-capacity/holders/{holder.pk}/audit"
    # 24 transactions at once from 12 clients: 2 entries each (record), every third with
    # record_many (3 entries), every fourth rolled back after recording.
    bodies = [
        {"client": n, "entries": 3 if n % 3 == 0 else 2, "bulk": n % 3 == 0, "fail": n % 4 == 3}
        for n in range(24)
    ]
    responses = send_all(app_server.url, [Call("POST", path, body) for body in bodies], clients=12)
    assert Counter(response.status for response in responses) == {201: 18, 409: 6}
    committed = {
        f"{body['client']}.{n}"
        for body in bodies
        if not body["fail"]
        for n in range(body["entries"])
    }
    entries = linked_entries()
    assert AuditEntry.objects.filter(position__isnull=True).count() == 0
    assert [entry.position for entry in entries] == list(range(1, len(committed) + 1))
    assert {entry.changes["n"][1] for entry in entries} == committed  # none of the rolled back
    # One transaction's entries are consecutive, in the order recorded.
    by_client: dict[str, list[int]] = {}
    for entry in entries:
        client, number = entry.changes["n"][1].split(".")
        by_client.setdefault(client, []).append(int(number))
        assert entry.content_hash == content_hash(hashed_content(entry))
    assert all(numbers == sorted(numbers) for numbers in by_client.values())
    assert verify_chain().first_bad_id is None
    # Tampering is still found, and named.
    altered = entries[len(entries) // 2]
    set_changes(altered.pk, '{"n": [null, "forged"]}')
    assert (verify_chain().first_bad_id, verify_chain().reason) == (altered.pk, "altered")


@pytest.mark.django_db(transaction=True)
def test_an_open_transaction_does_not_hold_the_chain():
    """PostgreSQL: a writer that recorded an entry and has not committed does not stop another
    from recording and committing; each is linked in the order of the commits. SQLite: the
    write lock of BEGIN IMMEDIATE serialises writers anyway, and entries are linked at once."""
    target = UserFactory()
    if connection.vendor == "sqlite":
        with transaction.atomic():
            entry = record(actor=SYSTEM, action="test.open", target=target, changes={})
            assert (entry.position, entry.previous_hash) == (1, GENESIS_HASH)
            assert entry.hash == entry_hash(hashed_content(entry), GENESIS_HASH)
        assert verify_chain().first_bad_id is None
        return
    recorded, release, seen = threading.Event(), threading.Event(), []

    def slow() -> None:
        with transaction.atomic():
            entry = record(actor=SYSTEM, action="test.slow", target=target, changes={})
            seen.append(AuditEntry.objects.get(pk=entry.pk).position)  # not linked yet
            recorded.set()
            release.wait(30)

    def fast() -> None:
        with transaction.atomic():
            record(actor=SYSTEM, action="test.fast", target=target, changes={})

    slow_thread, _, slow_failures = in_thread(slow)
    assert recorded.wait(30)
    fast_thread, _, fast_failures = in_thread(fast)
    fast_thread.join(30)
    committed_while_open = not fast_thread.is_alive()
    release.set()
    slow_thread.join(30)
    fast_thread.join(30)
    assert committed_while_open
    assert (slow_failures, fast_failures, seen) == ([], [], [None])
    assert [(entry.action, entry.position) for entry in linked_entries()] == [
        ("test.fast", 1),
        ("test.slow", 2),
    ]
    assert verify_chain().first_bad_id is None


@pytest.mark.django_db
def test_record_then_record_many_in_one_transaction_keep_their_order():
    target = UserFactory()
    with transaction.atomic():
        record(actor=SYSTEM, action="test.first", target=target, changes={})
        record_many(
            actor=SYSTEM,
            object_type="accounts.user",
            entries=[("test.bulk", target.pk, {"n": [None, 1]})],
        )
        record(actor=SYSTEM, action="test.last", target=target, changes={})
    chain_pending()
    assert [entry.action for entry in linked_entries()] == ["test.first", "test.bulk", "test.last"]
    assert [entry.position for entry in linked_entries()] == [1, 2, 3]
    assert verify_chain().first_bad_id is None


@pytest.mark.django_db(transaction=True)
def test_an_entry_inserted_behind_the_chain_is_named():
    target = UserFactory()
    with transaction.atomic():
        record(actor=SYSTEM, action="test.one", target=target, changes={})
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")  # triggers off
        cursor.execute(
            "INSERT INTO audit_auditentry (at, actor_ref, action, object_type, object_id, "
            "changes, personal_changes, content_hash) "
            "VALUES (CURRENT_TIMESTAMP, 'system', 'test.forged', 'accounts.user', '1', "
            "'{}', '{}', '')"
        )
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = origin")
    forged = AuditEntry.objects.get(action="test.forged")
    report = verify_chain()
    assert (report.first_bad_id, report.reason, report.checked) == (forged.pk, "unlinked", 1)


# PostgreSQL's jsonb keeps numbers as `numeric`: -0.0 comes back as 0.0, 1e16 as the integer
# 10000000000000000. Stored canonical, these values verify on both databases.
FLOATS = {
    "zero": [-0.0, 0.0],
    "large": [1e16, 1.2345678901234568e17],
    "integral": [43.0, -2.0],
    "fractional": [1.5, 1.5e-7],
    "nested": [{"x": -0.0, "y": [1e16, 2.5]}, None],
}
CANONICAL = {
    "zero": [0, 0],
    "large": [10**16, 123456789012345680],
    "integral": [43, -2],
    "fractional": [1.5, 1.5e-7],
    "nested": [{"x": 0, "y": [10**16, 2.5]}, None],
}


@pytest.mark.django_db
def test_floats_are_stored_canonical_and_verify():
    target = UserFactory()
    with transaction.atomic():
        record(actor=SYSTEM, action="test.floats", target=target, changes=FLOATS)
        record_many(
            actor=SYSTEM, object_type="accounts.user", entries=[("test.bulk", target.pk, FLOATS)]
        )
    chain_pending()
    for entry in linked_entries():
        assert entry.changes == CANONICAL
        assert type(entry.changes["integral"][0]) is int
        assert type(entry.changes["fractional"][0]) is float
    assert verify_chain().first_bad_id is None


@pytest.mark.django_db
@pytest.mark.parametrize("value", [float("nan"), float("inf"), [1.0, float("-inf")]])
def test_numbers_json_cannot_hold_are_refused(value):
    target = UserFactory()
    with pytest.raises(ValueError, match="finite"), transaction.atomic():
        record(actor=SYSTEM, action="test.nan", target=target, changes={"x": [None, value]})
    assert not AuditEntry.objects.exists()


# What the migration's functions use of their schema editor (a real one cannot open inside the
# test's transaction on SQLite).
EDITOR = SimpleNamespace(connection=connection)


def old_chain(count: int) -> list[int]:
    """`count` entries hashed by the formula of migration 0001, as written before 0002."""
    previous, ids = GENESIS_HASH, []
    for position in range(1, count + 1):
        with transaction.atomic():
            entry = AuditEntry(
                position=position,
                at=timezone.now(),
                actor_ref="system",
                action="test.old",
                object_type="accounts.user",
                object_id=str(position),
                changes={"n": [None, position], "x": [None, 1.5]},
                previous_hash=previous,
                content_hash="",
            )
            entry.hash = relinking._old_hash(relinking._content(_row(entry)), previous)
            entry.save(force_insert=True)
        previous = entry.hash
        ids.append(entry.pk)
    return ids


def _row(entry: AuditEntry) -> tuple:
    return (
        entry.position,
        entry.at,
        entry.actor_ref,
        entry.action,
        entry.object_type,
        entry.object_id,
        entry.changes,
    )


@pytest.mark.django_db
def test_the_migration_links_an_old_chain_by_the_new_formula_and_back():
    old_chain(4)
    old_hashes = [entry.hash for entry in linked_entries()]
    assert verify_chain().first_bad_id is not None  # the new formula does not accept them
    relinking.link_by_the_new_formula(django_apps, EDITOR)
    assert verify_chain() == verify_chain().__class__(checked=4)
    # Appending goes on after the linked chain.
    with transaction.atomic():
        record(actor=SYSTEM, action="test.new", target=UserFactory(), changes={})
    assert verify_chain().first_bad_id is None
    sql("DELETE FROM audit_auditentry WHERE action = %s", ["test.new"])
    relinking.link_by_the_old_formula(django_apps, EDITOR)
    assert [entry.hash for entry in linked_entries()] == old_hashes


@pytest.mark.django_db
def test_the_migration_refuses_to_link_a_broken_chain_again():
    ids = old_chain(3)
    set_changes(ids[1], '{"n": [null, 9], "x": [null, 1.5]}')
    with pytest.raises(RuntimeError, match=f"broken at entry {ids[1]}"):
        relinking.link_by_the_new_formula(django_apps, EDITOR)


def test_the_docstring_examples_hold():
    import doctest

    from maillage.audit import services

    assert doctest.testmod(services).failed == 0
