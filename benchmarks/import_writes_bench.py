"""API writes during a large import: how long a PATCH waits while 200,000 rows are imported.

A temporary SQLite database gets the reference territories, an admin with an API token and a few
places; gunicorn serves it (2 workers × 2 threads, `tests/concurrency.py`). Writers PATCH those
places through the API (each pausing 0.1 s between two requests) and a reader lists places,
first alone ("idle"), then while a child process imports a canonical CSV of 200,000 new rows
(20,000 with `--quick`) with `import_places`. The latencies of the writes are reported for the
whole import and for its load phase alone (after every row was validated, while batches are
written), with the statuses: every write must succeed.

Targets (hardening issue): no write fails, none waits more than 2 s; the import itself keeps
at least 5,000 rows/s (measured with writers running, so below `python -m benchmarks import`).

    python -m benchmarks.import_writes_bench [--quick]
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.import_bench import (
    MIN_ROWS_PER_S,
    REPOSITORY,
    load_average,
    prepare_database,
    read_communes,
    write_csv,
)
from maillage.common.actors import SYSTEM
from tests.concurrency import AppServer, Call, ClientPool, summary

WRITERS = 3
PAUSE_S = 0.1
IDLE_S = 3.0
MAX_WAIT_S = 2.0


def child_setup() -> None:
    """In a child: an admin, its token and one place per writer; print them as JSON."""
    import django

    django.setup()
    from maillage.accounts.models import User
    from maillage.accounts.services import create_api_token
    from maillage.places.services import create_place

    admin = User.objects.create(username="bench-admin", is_instance_admin=True)
    _, token = create_api_token(user=admin, name="bench")
    places = [
        create_place(
            actor=SYSTEM,
            data={"name": f"Lieu édité {number}", "kinds": ["fablab"], "insee_code": "64445"},
        )
        for number in range(WRITERS)
    ]
    print(json.dumps({"token": token, "places": [place.pk for place in places]}))


def child_import(path: str, source: str) -> None:
    """In a child: import `path`; print when the load began and ended (`perf_counter`, which is
    the system-wide monotonic clock on Linux, so comparable with the parent's)."""
    import django

    django.setup()
    from maillage.opendata.services import import_places

    marks = {}
    started = time.perf_counter()

    def progress(rows: int) -> None:
        # Called once more at the end of the reading: loading starts right after the last call.
        marks["load_started_at"] = time.perf_counter()

    report = import_places(actor=SYSTEM, source=source, path=path, progress=progress)
    ended = time.perf_counter()
    if not report.succeeded:
        raise SystemExit(f"import rejected: {report.as_dict()['errors'][:5]}")
    print(json.dumps({"started_at": started, "ended_at": ended, **marks, "rows": report.rows}))


def _child(env: dict[str, str], *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "benchmarks.import_writes_bench", *args],
        env=env,
        cwd=REPOSITORY,
        stdout=subprocess.PIPE,
        text=True,
    )


def _result(process: subprocess.Popen) -> dict:
    stdout, _ = process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"child failed with status {process.returncode}: {stdout}")
    return json.loads(stdout.strip().splitlines()[-1])


def _row(label: str, responses) -> str:
    figures = summary(responses)
    statuses = ", ".join(
        f"{status}: {count}" for status, count in sorted(figures["statuses"].items())
    )
    max_ms = figures.get("max_ms", float("nan"))
    verdict = (
        "ok" if max_ms <= MAX_WAIT_S * 1000 and set(figures["statuses"]) <= {200} else "MISSED"
    )
    return (
        f"{label:<34} {figures['count']:>6} {figures.get('p50_ms', 0):>7.0f} "
        f"{figures.get('p95_ms', 0):>7.0f} {max_ms:>7.0f} {MAX_WAIT_S * 1000:>7.0f} {verdict:>7}  "
        f"{statuses}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.import_writes_bench")
    parser.add_argument("--quick", action="store_true", help="20,000 rows instead of 200,000")
    parser.add_argument("--child-setup", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--child-import", nargs=2, metavar=("FILE", "SOURCE"), help=argparse.SUPPRESS
    )
    options = parser.parse_args(argv)
    if options.child_setup:
        child_setup()
        return 0
    if options.child_import:
        child_import(*options.child_import)
        return 0

    rows = 20_000 if options.quick else 200_000
    with tempfile.TemporaryDirectory(prefix="maillage-import-writes-bench-") as tmp:
        var_dir = Path(tmp)
        print(f"Preparing a temporary database in {var_dir} (migrate, load_territories)…")
        env = prepare_database(var_dir)
        world = _result(_child(env, "--child-setup"))
        path = write_csv(var_dir / f"places-{rows}.csv", rows, communes=read_communes())
        token, places = world["token"], world["places"]

        def make_call(client: int, n: int) -> Call:
            if client == WRITERS:
                return Call("GET", f"/api/v1/places?limit=20&offset={n % 50 * 20}")
            return Call("PATCH", f"/api/v1/places/{places[client]}", {"capacity": n + 1}, token)

        print("Starting gunicorn…")
        server = AppServer.start(database_url=f"sqlite:///{var_dir / 'maillage.sqlite3'}")
        try:
            pool_options = {"clients": WRITERS + 1, "pause_s": PAUSE_S}
            with ClientPool(server.url, make_call, max_s=IDLE_S, **pool_options) as idle:
                time.sleep(IDLE_S)
            print(f"Importing {rows} rows while {WRITERS} writers and a reader use the API…")
            with ClientPool(server.url, make_call, max_s=3600, **pool_options) as during:
                marks = _result(_child(env, "--child-import", str(path), "bench"))
        finally:
            server.stop()

    def writes(responses, since: float = 0.0, until: float = float("inf")):
        return [
            response
            for response in responses
            if response.call.method == "PATCH" and since <= response.sent_at <= until
        ]

    elapsed_s = marks["ended_at"] - marks["started_at"]
    load_s = marks["ended_at"] - marks["load_started_at"]
    print()
    print(
        f"API writes (PATCH, {WRITERS} writers pausing {PAUSE_S} s, 1 reader) during an import "
        f"of {rows} new rows; SQLite, gunicorn 2 workers × 2 threads"
    )
    print(f"Load average of the machine at the end (1, 5, 15 min): {load_average()}")
    header = (
        f"{'writes':<34} {'count':>6} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7} {'target':>7} "
        f"{'':>7}  statuses"
    )
    print(header)
    print("-" * len(header))
    print(_row("no import", writes(idle.responses)))
    print(_row("during the import", writes(during.responses)))
    load_writes = writes(during.responses, since=marks["load_started_at"], until=marks["ended_at"])
    print(_row(f"during its load phase ({load_s:.1f} s)", load_writes))
    reads = [response for response in during.responses if response.call.method == "GET"]
    print(_row("reads during the import", reads))
    rate = rows / elapsed_s
    print(
        f"import: {elapsed_s:.1f} s, {rate:.0f} rows/s with the API in use (target ≥ "
        f"{MIN_ROWS_PER_S} rows/s without: `python -m benchmarks import`); ratio "
        f"{rate / MIN_ROWS_PER_S:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
