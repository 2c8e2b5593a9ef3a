"""Writes through the API go on while a large import runs (SQLite and PostgreSQL).

gunicorn serves the test database (tests/concurrency.py) while this process imports 20,000 rows,
500 of which update places that the API clients are editing at the same time. Every write must
succeed, none may wait for the whole import: some are answered between two batches of it. Each
client pauses 0.1 s between two requests: on two shared cores, clients sending as fast as they
can would measure the machine rather than the lock. How long writes wait is measured by
`python -m benchmarks import_writes`, not asserted here.
"""

import time

import pytest
from django.db import transaction

from maillage.accounts.services import create_api_token
from maillage.common.actors import SYSTEM
from maillage.opendata import services
from maillage.opendata.services import import_places
from maillage.places import bulk
from maillage.places.models import Place
from tests.accounts.factories import AdminFactory
from tests.concurrency import Call, ClientPool
from tests.places.factories import make_place
from tests.territories.factories import load_reference_sample

pytestmark = pytest.mark.django_db(transaction=True)

ROWS = 20_000
UPDATED_ROWS = 500
WRITERS = 3
COMMUNES = (("64445", "Pau", 43.2951, -0.3708), ("64348", "Lescar", 43.3333, -0.4347))


def write_file(path, rows: int, *, revision: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as file:
        file.write("source_id,name,kinds,insee_code,latitude,longitude,description,services\r\n")
        for number in range(rows):
            code, city, latitude, longitude = COMMUNES[number % len(COMMUNES)]
            file.write(
                f"L{number},Tiers-lieu {number} {city},coworking,{code},{latitude},{longitude},"
                f"Révision {revision},Wifi|Atelier {number % 20}\r\n"
            )


def test_api_writes_succeed_during_a_large_import(app_server, tmp_path, monkeypatch):
    load_reference_sample()
    _, token = create_api_token(user=AdminFactory(), name="concurrency")
    first = tmp_path / "first.csv"
    write_file(first, UPDATED_ROWS, revision=1)
    import_places(actor=SYSTEM, source="grand", path=first)
    # Each writer edits a place of the import (which the import updates meanwhile) and a place
    # entered by hand, with a field the import does not carry: the last value sent must stay.
    imported = list(Place.objects.filter(source="grand").order_by("pk")[:WRITERS])
    by_hand = [make_place(name=f"Saisi {number}") for number in range(WRITERS)]

    def make_call(client: int, n: int) -> Call:
        if client == WRITERS:  # one client reads
            return Call("GET", f"/api/v1/places?limit=20&offset={n % 50 * 20}")
        place = (imported, by_hand)[n % 2][client]
        return Call("PATCH", f"/api/v1/places/{place.pk}", {"capacity": n + 1}, token)

    commits: list[float] = []
    create = bulk.BulkUpserter._create

    def record_commit(self, plan):
        created = create(self, plan)
        transaction.on_commit(lambda: commits.append(time.perf_counter()))
        return created

    monkeypatch.setattr(bulk.BulkUpserter, "_create", record_commit)
    path = tmp_path / "large.csv"
    write_file(path, ROWS, revision=2)
    with ClientPool(app_server.url, make_call, clients=WRITERS + 1, max_s=300, pause_s=0.1) as pool:
        report = import_places(actor=SYSTEM, source="grand", path=path)

    assert report.errors == []
    assert (report.created, report.updated) == (ROWS - UPDATED_ROWS, UPDATED_ROWS)
    failures = [(r.call.path, r.status, r.error, r.body[:200]) for r in pool.responses]
    assert [failure for failure in failures if failure[1] != 200] == []
    assert not any(b"database is locked" in response.body for response in pool.responses)
    writes = [response for response in pool.responses if response.call.method == "PATCH"]
    assert len(writes) >= 2 * WRITERS
    # Writes were answered while the import was writing, between two of its transactions.
    assert len(commits) == ROWS // services.BATCH_SIZE  # every batch creates places
    assert [
        write for write in writes if commits[0] < write.sent_at + write.elapsed_s < commits[-1]
    ] != []
    for place in (*imported, *by_hand):
        sent = [
            write.call.body["capacity"]
            for write in writes
            if write.call.path.endswith(f"/{place.pk}")
        ]
        place.refresh_from_db()
        assert place.capacity == (sent[-1] if sent else None)
    assert Place.objects.filter(source="grand", description="Révision 2").count() == ROWS
