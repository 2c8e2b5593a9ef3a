"""An import runs a number of queries per batch, not per row: importing ten times more rows in
one batch costs the same queries (the audit and change-log entries included). Python's garbage
collector is paused while a batch is written, and only then."""

import gc

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from maillage.audit.models import AuditEntry
from maillage.places import bulk
from maillage.places.models import PlaceChange

pytestmark = pytest.mark.django_db

HEADER = "source_id,name,kinds,insee_code,description,services,equipment,email"


def lines(count: int, *, prefix: str, description: str = "") -> list[str]:
    return [
        f"{prefix}{number},Lieu {prefix} {number},fablab|coworking,64445,{description},"
        f"Formation|Domiciliation,Imprimante 3D,contact{number}@example.org"
        for number in range(count)
    ]


def queries_of(run_import, count: int, *, source: str, description: str = "") -> int:
    with CaptureQueriesContext(connection) as captured:
        report = run_import(
            HEADER, *lines(count, prefix=source, description=description), source=source
        )
    assert report.succeeded
    return len(captured.captured_queries)


def test_the_queries_of_an_import_do_not_grow_with_its_rows(run_import):
    # A first import creates the labels, which later ones find.
    queries_of(run_import, 5, source="warm")
    small = queries_of(run_import, 50, source="small")
    large = queries_of(run_import, 500, source="large")
    assert large == small
    small_updated = queries_of(run_import, 50, source="small", description="Modifié")
    large_updated = queries_of(run_import, 500, source="large", description="Modifié")
    assert large_updated == small_updated
    # Every place has its audit entry and its change-log entry, created then updated.
    assert AuditEntry.objects.filter(action="place.create").count() == 555
    assert AuditEntry.objects.filter(action="place.update").count() == 550
    assert PlaceChange.objects.count() == 1105


def test_the_garbage_collector_is_paused_during_a_batch_only(run_import, monkeypatch):
    seen = []
    original = bulk.BulkUpserter._record

    def spy(self, *args):
        seen.append(gc.isenabled())
        return original(self, *args)

    monkeypatch.setattr(bulk.BulkUpserter, "_record", spy)
    assert gc.isenabled()
    run_import(HEADER, *lines(3, prefix="gc"), source="gc")
    assert seen == [False]
    assert gc.isenabled()
    gc.disable()
    try:
        run_import(HEADER, *lines(3, prefix="gc", description="Modifié"), source="gc")
        assert seen == [False, False]
        assert not gc.isenabled()  # left as the caller had it
    finally:
        gc.enable()
