"""Harvesting a peer on loopback: 5,000 places at the first harvest, then 50 changes.

Instance A (a temporary SQLite database with the reference territories and 5,000 imported
places) is served by gunicorn (`tests/concurrency.py`); instance B (a copy of A's database
taken before the import, so with its own places table and its own identity) harvests it in a
child process, through the same service as `maillage harvest`, with safe fetching allowed to
reach 127.0.0.1 only. Then 50 of A's places change (a re-import of 50 rows) and B harvests
again: it reads one page of the feed and writes the 50 updates.

Targets (issue 12 §5): the first harvest of 5,000 places < 30 s; the incremental harvest of
50 changes < 1 s. The time is the harvest's own (Django's start-up in the child excluded).

    python -m benchmarks.federation [--quick]
"""

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.harness import child_json
from benchmarks.import_bench import (
    load_average,
    manage,
    prepare_database,
    read_communes,
    write_csv,
)
from tests.concurrency import AppServer

FIRST_TARGET_S = 30.0
INCREMENTAL_TARGET_S = 1.0
CHANGES = 50


def child_harvest(url: str) -> None:
    """In a child (instance B): harvest `url` once; print the time and the counts as JSON."""
    import django

    django.setup()
    from maillage.common.actors import SYSTEM
    from maillage.federation import services
    from maillage.federation.models import Peer

    peer = Peer.objects.filter(base_url=url).first() or services.register_peer(
        actor=SYSTEM, base_url=url, name="A"
    )
    job = services.queue_harvest(actor=SYSTEM, peer=peer, launch=False)
    started = time.perf_counter()
    if profile := os.environ.get("FEDERATION_BENCH_PROFILE"):
        import cProfile

        cProfile.runctx(
            "services.run_harvest_job(job_id=job.pk)", globals(), locals(), filename=profile
        )
        job.refresh_from_db()
    else:
        job = services.run_harvest_job(job_id=job.pk)
    elapsed = time.perf_counter() - started
    print(
        json.dumps(
            {
                "seconds": elapsed,
                "state": job.state,
                "error": job.error_message,
                "created": job.created_count,
                "updated": job.updated_count,
                "unchanged": job.unchanged_count,
            }
        )
    )


def _harvest(env: dict[str, str], url: str) -> dict:
    run = child_json("federation", env, "--child-harvest", url)
    if run["state"] != "succeeded":
        raise SystemExit(f"harvest failed: {run['error']}")
    return run


def _row(label: str, run: dict, target_s: float, expected: str) -> str:
    verdict = "ok" if run["seconds"] < target_s else "MISSED"
    counts = f"{run['created']}/{run['updated']}/{run['unchanged']}"
    return (
        f"{label:<34} {run['seconds']:>8.2f} {target_s:>8.1f} {verdict:>7}  {counts} "
        f"(expected {expected})"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.federation")
    parser.add_argument("--quick", action="store_true", help="1,000 places instead of 5,000")
    parser.add_argument("--child-harvest", metavar="URL", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.child_harvest:
        child_harvest(options.child_harvest)
        return 0

    places = 1_000 if options.quick else 5_000
    with tempfile.TemporaryDirectory(prefix="maillage-federation-bench-") as tmp:
        var_a, var_b = Path(tmp) / "a", Path(tmp) / "b"
        var_a.mkdir()
        var_b.mkdir()
        print(f"Preparing two temporary databases in {tmp} (migrate, load_territories)…")
        env_a = prepare_database(var_a)
        shutil.copy(var_a / "maillage.sqlite3", var_b / "maillage.sqlite3")
        env_b = {**env_a, "MAILLAGE_VAR_DIR": str(var_b), "FETCH_ALLOWED_NETWORKS": "127.0.0.1/32"}
        communes = read_communes()
        first_csv = write_csv(Path(tmp) / "places.csv", places, communes=communes)
        changed_csv = write_csv(Path(tmp) / "changed.csv", CHANGES, communes=communes, revision=1)
        print(f"Importing {places} places into A…")
        manage(env_a, "import_places", str(first_csv), "--source", "bench")
        server = AppServer.start(
            database_url=f"sqlite:///{var_a / 'maillage.sqlite3'}",
            settings_module="maillage.settings",
        )
        try:
            print(f"B harvests A ({server.url})…")
            first = _harvest(env_b, server.url)
            manage(env_a, "import_places", str(changed_csv), "--source", "bench")
            incremental = _harvest(env_b, server.url)
        finally:
            server.stop()

    print()
    print(
        f"Harvest of a peer on loopback (SQLite both sides; gunicorn 2 workers × 2 threads); "
        f"load average (1, 5, 15 min): {load_average()}"
    )
    header = f"{'harvest':<34} {'seconds':>8} {'target':>8} {'':>7}  created/updated/unchanged"
    print(header)
    print("-" * len(header))
    print(_row(f"first harvest, {places} places", first, FIRST_TARGET_S, f"{places}/0/0"))
    print(
        _row(
            f"incremental, {CHANGES} changes",
            incremental,
            INCREMENTAL_TARGET_S,
            f"0/{CHANGES}/0",
        )
    )
    missed = first["seconds"] >= FIRST_TARGET_S or incremental["seconds"] >= INCREMENTAL_TARGET_S
    wrong = (first["created"], incremental["updated"]) != (places, CHANGES)
    return 1 if missed or wrong else 0


if __name__ == "__main__":
    sys.exit(main())
