"""`maillage verify_audit`: the chain holds, and tampering in the database is found and named."""

import sqlite3
import threading
from contextlib import contextmanager
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction

from maillage.accounts.services import create_api_token
from maillage.audit.models import AuditEntry
from maillage.audit.selectors import verify_chain
from maillage.audit.services import (
    chain_pending,
    content_hash,
    entry_hash,
    hashed_content,
    record,
)
from maillage.common.actors import SYSTEM
from maillage.places.services import update_place
from tests.accounts.factories import AdminFactory, UserFactory
from tests.places.factories import make_place


def verify() -> tuple[int, list[str]]:
    out = StringIO()
    try:
        call_command("verify_audit", stdout=out)
    except SystemExit as exit_:
        return exit_.code, out.getvalue().splitlines()
    return 0, out.getvalue().splitlines()


def sql(statement: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def set_changes(
    entry_id: int, document: str, *, new_hash: str | None = None, new_content_hash: str = ""
) -> None:
    """Overwrite an entry's changes behind the ORM's back, as someone with database access."""
    value = "%s::jsonb" if connection.vendor == "postgresql" else "%s"
    sql(f"UPDATE audit_auditentry SET changes = {value} WHERE id = %s", [document, entry_id])  # noqa: S608
    if new_hash:
        sql("UPDATE audit_auditentry SET hash = %s WHERE id = %s", [new_hash, entry_id])
    if new_content_hash:
        sql(
            "UPDATE audit_auditentry SET content_hash = %s WHERE id = %s",
            [new_content_hash, entry_id],
        )


@pytest.fixture
def chain():
    """Five entries: a place created and updated three times, and a token."""
    user = AdminFactory()
    place = make_place(description="v0")
    for version in range(1, 4):
        update_place(actor=user, place=place, changes={"description": f"v{version}"})
    create_api_token(user=user, name="script")
    chain_pending()  # on PostgreSQL the test's transaction never commits: link its entries now
    return list(AuditEntry.objects.order_by("position"))


@pytest.mark.django_db
def test_an_intact_chain_passes(chain):
    code, lines = verify()
    assert code == 0
    assert lines == ["Journal d'audit intact : 5 entrée(s) vérifiée(s)."]


@pytest.mark.django_db
def test_an_empty_log_is_intact():
    assert verify() == (0, ["Journal d'audit intact : 0 entrée(s) vérifiée(s)."])


@pytest.mark.django_db
def test_changes_altered_in_the_database_are_named(chain):
    altered = chain[2]
    set_changes(altered.pk, '{"description": ["v1", "v9"]}')
    code, lines = verify()
    assert code == 1
    assert lines[-1] == str(altered.pk)
    assert f"l'entrée {altered.pk} : son contenu a été modifié" in lines[0]


@pytest.mark.django_db
def test_an_entry_rehashed_after_tampering_breaks_the_next_link(chain):
    altered = chain[1]
    forged = {**hashed_content(altered), "changes": {"description": ["v0", "v9"]}}
    set_changes(
        altered.pk,
        '{"description": ["v0", "v9"]}',
        new_hash=entry_hash(forged, altered.previous_hash),
        new_content_hash=content_hash(forged),
    )
    report = verify_chain()
    assert (report.first_bad_id, report.reason) == (chain[2].pk, "link")


@pytest.mark.django_db
def test_a_removed_entry_names_the_one_after_the_gap(chain):
    sql("DELETE FROM audit_auditentry WHERE id = %s", [chain[2].pk])
    code, lines = verify()
    assert code == 1
    assert lines[-1] == str(chain[3].pk)
    assert "supprimée" in lines[0]
    assert verify_chain(chunk_size=2).first_bad_id == chain[3].pk  # streamed in small chunks


@pytest.mark.django_db
def test_a_removed_first_entry_is_found(chain):
    sql("DELETE FROM audit_auditentry WHERE id = %s", [chain[0].pk])
    assert verify_chain().first_bad_id == chain[1].pk


@pytest.mark.django_db
def test_erasing_a_user_keeps_the_chain_intact(chain):
    chain[-1].actor.delete()
    # Erasing personal values kept apart from the hash does not break it either.
    AuditEntry.objects.update(personal_changes={})
    assert AuditEntry.objects.filter(actor__isnull=False).count() == 0
    assert verify()[0] == 0


@contextmanager
def threads_use_a_file_database(tmp_path):
    """On SQLite, give new threads' connections a file copy of the test database.

    The in-memory test database is shared between threads through SQLite's shared cache, whose
    table locks fail at once ("database table is locked") instead of waiting: production runs
    on a file with WAL and IMMEDIATE transactions, which is what this copy gives. On
    PostgreSQL threads use the test database itself.
    """
    if connection.vendor != "sqlite":
        yield
        return
    path = tmp_path / "concurrent.sqlite3"
    connection.ensure_connection()
    copy = sqlite3.connect(path)
    connection.connection.backup(copy)
    copy.close()
    database = connections.settings[DEFAULT_DB_ALIAS]
    previous = database["NAME"]
    database["NAME"] = str(path)
    try:
        yield
    finally:
        database["NAME"] = previous


def in_thread(function, *args):
    """Run `function` in a thread of its own (its own connection) and return its result."""
    results, failures = [], []

    def run():
        try:
            results.append(function(*args))
        except Exception as exc:
            failures.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, results, failures


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_form_one_chain(tmp_path):
    """Threads appending at once each chain on a distinct predecessor (no fork, no lost entry)."""
    target = UserFactory()
    count = 8
    start = threading.Barrier(count)

    def append(index: int) -> None:
        start.wait()
        with transaction.atomic():
            record(
                actor=SYSTEM, action="test.concurrent", target=target, changes={"i": [None, index]}
            )

    def read_chain():
        entries = AuditEntry.objects.order_by("position")
        return (
            [(entry.position, entry.changes["i"][1]) for entry in entries],
            verify_chain().first_bad_id,
        )

    with threads_use_a_file_database(tmp_path):
        runs = [in_thread(append, index) for index in range(count)]
        for thread, _, _ in runs:
            thread.join()
        reader, results, read_failures = in_thread(read_chain)
        reader.join()
    assert [failure for _, _, failures in runs for failure in failures] == []
    assert read_failures == []
    [(rows, first_bad_id)] = results
    assert [position for position, _ in rows] == list(range(1, count + 1))
    assert sorted(index for _, index in rows) == list(range(count))
    assert first_bad_id is None


def test_the_help_renders():
    from maillage.audit.management.commands.verify_audit import Command

    assert "journal d'audit" in Command().create_parser("maillage", "verify_audit").format_help()
