"""Audit appends benchmark: transactions per second when every transaction records one entry.

`THREADS` threads (each its own database connection) run transactions in a loop; each records
one audit entry (`audit.services.record`) and then, still inside the transaction, waits
`work_ms` milliseconds in the database (`pg_sleep`), standing for what a service does after
recording (queueing an e-mail, counting participations) and for the commit of a busy request.
Reported: transactions per second with no such work and with 5 ms of it, then whether the chain
verifies (`verify_chain`).

What it shows: whether appends wait for each other's transactions. When the chain is linked at
commit (docs/decisions.md), the 5 ms of each transaction overlap; under a lock held from the
entry to the commit they would add up (at most 200 transactions/s with 5 ms each).

PostgreSQL only, since SQLite serialises writers anyway (BEGIN IMMEDIATE): on a throw-away
database `<name>_bench_audit` beside the one of `DATABASE_URL`, migrated, dropped at the end.
Without `DATABASE_URL` the benchmark says so and exits 0.

    DATABASE_URL=postgres://… python -m benchmarks.audit_append [--quick]
"""

import argparse
import json
import os
import sys

from benchmarks.harness import child_json, is_postgres, throwaway_database
from benchmarks.import_bench import load_average

THREADS = 4
WORK_MS = (0.0, 5.0)
MIN_OVERLAP_TX_S = 1000 / WORK_MS[-1]  # what a lock held to the commit would allow at most


def child_run(per_thread: int) -> None:
    """In a child with Django: the rates for each `WORK_MS`, and the chain's verdict (JSON)."""
    import threading
    import time

    import django

    django.setup()
    from django.db import connection, transaction

    from maillage.accounts.models import User
    from maillage.audit.selectors import verify_chain
    from maillage.audit.services import record
    from maillage.common.actors import SYSTEM

    target, _ = User.objects.get_or_create(username="banc-audit")

    def run(work_ms: float) -> None:
        try:
            for n in range(per_thread):
                with transaction.atomic():
                    record(actor=SYSTEM, action="bench.audit", target=target, changes={"n": [n]})
                    if work_ms:
                        with connection.cursor() as cursor:
                            cursor.execute("SELECT pg_sleep(%s)", [work_ms / 1000])
        finally:
            connection.close()

    rates = {}
    for work_ms in WORK_MS:
        threads = [threading.Thread(target=run, args=(work_ms,)) for _ in range(THREADS)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        rates[str(work_ms)] = THREADS * per_thread / (time.perf_counter() - started)
    report = verify_chain()
    print(json.dumps({"rates": rates, "checked": report.checked, "bad": report.first_bad_id}))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.audit_append")
    parser.add_argument("--quick", action="store_true", help="100 transactions per thread")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.child:
        child_run(options.child)
        return 0
    if not is_postgres(os.environ.get("DATABASE_URL", "")):
        print("Audit appends: PostgreSQL only (set DATABASE_URL); SQLite serialises writers.")
        return 0
    per_thread = 100 if options.quick else 500
    with throwaway_database("audit") as bench:
        load_before = load_average()
        figures = child_json("audit_append", bench.env, "--child", str(per_thread))
    print()
    print(f"Audit appends, {THREADS} threads × {per_thread} transactions, {bench.label}")
    print(f"Load average (1, 5, 15 min) before: {load_before}; after: {load_average()}")
    header = f"{'measure':<44} {'value':>8} {'target':>8} {'verdict':>8}"
    print(header)
    print("-" * len(header))
    for work_ms, rate in figures["rates"].items():
        label = f"transactions/s, {float(work_ms):.0f} ms of work after the entry"
        if float(work_ms) == WORK_MS[-1]:
            verdict = "ok" if rate > MIN_OVERLAP_TX_S else "MISSED"
            print(f"{label:<44} {rate:>8.0f} {f'> {MIN_OVERLAP_TX_S:.0f}':>8} {verdict:>8}")
        else:
            print(f"{label:<44} {rate:>8.0f}")
    intact = figures["bad"] is None
    print(
        f"{'chain verified (entries)':<44} {figures['checked']:>8} {'':>8} "
        f"{'ok' if intact else 'BROKEN':>8}"
    )
    return 0 if intact else 1


if __name__ == "__main__":
    sys.exit(main())
