"""Bookings benchmark: `POST /api/v1/bookings` under 16 concurrent clients, served as in
production, then the overlaps left in the database, and one resource's availability.

The database is PostgreSQL when `DATABASE_URL` names one (a throw-away database
`<name>_bench_bookings` is created beside it and dropped at the end: the configured database is
never written), else a temporary SQLite file; the table says which. A child process migrates it
and creates, through the services, one place, `ROOMS` rooms (capacity 1, bookable at any hour,
a year ahead) and 16 members with an API token each. gunicorn serves `maillage.wsgi` with
`maillage/gunicorn_conf.py` (2 workers) on 127.0.0.1 and a free port.

Each client books one-hour slots chosen at random (fixed seed per client) among the rooms and
the next days, in a loop for a fixed duration, over a keep-alive connection: most are accepted
(201), some collide with another client's (409, counted apart). Afterwards a query counts the
pairs of confirmed bookings of one room that overlap: it must be 0. Then one client asks the
availability of one room over a month (with its bookings) again and again.

Targets (issue 8 §7, a 2-core machine): ≥ 200 accepted bookings/s with p95 < 100 ms; the
month's availability in < 20 ms (p95). The load generator shares the cores with the server and
the database: the figures are a lower bound.

    python -m benchmarks.bookings [--quick]
"""

import argparse
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

from benchmarks.api_bench import WORKERS, free_port, start_server, stop_server
from benchmarks.import_bench import REPOSITORY, bench_environment, load_average, manage
from maillage import gunicorn_conf

HOST = "127.0.0.1"
CLIENTS = 16
ROOMS = 40
DAYS = 300
REQUEST_TIMEOUT_S = 30
TARGET_BOOKINGS_PER_S = 200
TARGET_P95_MS = 100
TARGET_AVAILABILITY_MS = 20
AVAILABILITY_REQUESTS = 200


@dataclass(frozen=True)
class Setup:
    tokens: list[str]
    rooms: list[int]
    day0: str  # ISO date of the first bookable day (tomorrow, UTC)


def _pg_bench_url(url: str) -> tuple[str, str, str]:
    """(bench database URL, its name, the maintenance database URL) beside `url`."""
    parts = urlsplit(url)
    name = f"{parts.path.lstrip('/') or 'maillage'}_bench_bookings"
    return (
        urlunsplit(parts._replace(path=f"/{name}")),
        name,
        urlunsplit(parts._replace(path="/postgres")),
    )


def _pg_execute(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(sql)


def child_setup() -> None:
    """In a child process with Django: a place, its rooms, members and their tokens (JSON)."""
    import django

    django.setup()
    from maillage.accounts.models import User
    from maillage.accounts.services import create_api_token
    from maillage.bookings.services import create_resource
    from maillage.common.actors import SYSTEM
    from maillage.members import services as members
    from maillage.places.services import create_place

    place = create_place(
        actor=SYSTEM,
        data={
            "name": "Banc d'essai",
            "kinds": ["coworking"],
            "latitude": 43.2951,
            "longitude": -0.3708,
        },
    )
    rooms = [
        create_resource(
            actor=SYSTEM,
            place=place,
            name=f"Salle {n:03d}",
            kind="meeting_room",
            opening_hours="24/7",
            max_advance_days=DAYS + 30,
            slot_step_minutes=60,
            min_duration_minutes=60,
        ).pk
        for n in range(ROOMS)
    ]
    tokens = []
    for n in range(CLIENTS):
        user = User.objects.create_user(username=f"banc-{n}", email=f"banc-{n}@example.org")
        membership = members.request_membership(actor=user, place=place)
        members.accept_request(actor=SYSTEM, membership=membership)
        tokens.append(create_api_token(user=user, name="banc")[1])
    day0 = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    print(json.dumps({"tokens": tokens, "rooms": rooms, "day0": day0}))


def child_check() -> None:
    """In a child process: the confirmed bookings that overlap another of their room (JSON)."""
    import django

    django.setup()
    from django.db.models import Exists, OuterRef

    from maillage.bookings.models import Booking

    confirmed = Booking.objects.filter(status="confirmed")
    others = confirmed.filter(
        resource=OuterRef("resource"), start__lt=OuterRef("end"), end__gt=OuterRef("start")
    ).exclude(pk=OuterRef("pk"))
    overlaps = confirmed.filter(Exists(others)).count()
    print(json.dumps({"bookings": confirmed.count(), "overlaps": overlaps}))


def _child(env: dict[str, str], flag: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.bookings", flag],
        env=env,
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"{flag} failed:\n{result.stdout}{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


@dataclass
class Load:
    accepted: int = 0
    conflicts: int = 0
    errors: int = 0
    elapsed_s: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)

    def percentile(self, fraction: float) -> float:
        values = self.latencies_ms
        if len(values) < 2:
            return values[0] if values else float("nan")
        return statistics.quantiles(values, n=100, method="inclusive")[round(fraction * 100) - 1]


def book_under_load(port: int, setup: Setup, *, duration_s: float, warmup_s: float) -> Load:
    day0 = datetime.fromisoformat(setup.day0).replace(tzinfo=UTC)
    started = time.perf_counter()
    measuring_from = started + warmup_s
    deadline = measuring_from + duration_s
    lock = threading.Lock()
    load = Load()

    def client(number: int) -> None:
        rng = random.Random(number)
        headers = {
            "Authorization": f"Bearer {setup.tokens[number]}",
            "Content-Type": "application/json",
        }
        connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT_S)
        mine: list[float] = []
        counts = {201: 0, 409: 0, "other": 0}
        while (sent := time.perf_counter()) < deadline:
            start = day0 + timedelta(days=rng.randrange(DAYS), hours=rng.randrange(24))
            body = json.dumps(
                {
                    "resource_id": rng.choice(setup.rooms),
                    "start": start.isoformat(),
                    "end": (start + timedelta(hours=1)).isoformat(),
                }
            )
            try:
                connection.request("POST", "/api/v1/bookings", body=body, headers=headers)
                answer = connection.getresponse()
                answer.read()
                status = answer.status
            except (OSError, http.client.HTTPException):
                status = 0
                connection.close()
                connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT_S)
            done = time.perf_counter()
            if measuring_from <= done <= deadline:
                mine.append((done - sent) * 1000)
                counts[status if status in (201, 409) else "other"] += 1
        connection.close()
        with lock:
            load.latencies_ms.extend(mine)
            load.accepted += counts[201]
            load.conflicts += counts[409]
            load.errors += counts["other"]

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    load.elapsed_s = duration_s
    load.latencies_ms.sort()
    return load


def availability_latencies(port: int, setup: Setup, *, requests: int) -> tuple[list[float], int]:
    """One client asking one room's availability over a month; latencies and free intervals."""
    day0 = datetime.fromisoformat(setup.day0).replace(tzinfo=UTC)
    path = (
        f"/api/v1/resources/{setup.rooms[0]}/availability?from={quote(day0.isoformat())}"
        f"&to={quote((day0 + timedelta(days=30)).isoformat())}"
    )
    headers = {"Authorization": f"Bearer {setup.tokens[0]}"}
    connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT_S)
    latencies = []
    intervals = 0
    for _ in range(requests):
        sent = time.perf_counter()
        connection.request("GET", path, headers=headers)
        answer = connection.getresponse()
        body = answer.read()
        latencies.append((time.perf_counter() - sent) * 1000)
        if answer.status != 200:
            raise RuntimeError(f"availability answered {answer.status}: {body[:200]!r}")
        intervals = len(json.loads(body)["free"])
    connection.close()
    return sorted(latencies), intervals


def server_cpu_s(pid: int) -> float | None:
    """CPU seconds used so far by the gunicorn master `pid` and its workers (Linux /proc), or
    None elsewhere: a figure that other work on the machine does not inflate."""
    proc = Path("/proc")
    if not proc.is_dir():
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in proc.glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # After the command: state, ppid, …; utime and stime are fields 14 and 15 of the line.
        if int(stat.parent.name) == pid or int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def _ratio(measured: float, target: float, *, higher_is_better: bool) -> str:
    ratio = measured / target
    ok = ratio >= 1 if higher_is_better else ratio <= 1
    return f"{ratio:.2f} {'ok' if ok else 'MISSED'}"


def _p(values: list[float], fraction: float) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[round(fraction * 100) - 1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bookings")
    parser.add_argument("--quick", action="store_true", help="3 s of load instead of 10 s")
    parser.add_argument("--child-setup", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--child-check", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.child_setup:
        child_setup()
        return 0
    if options.child_check:
        child_check()
        return 0
    duration_s, warmup_s = (3.0, 0.5) if options.quick else (10.0, 1.0)
    configured = os.environ.get("DATABASE_URL", "")
    postgres = configured.startswith(("postgres://", "postgresql://"))

    with tempfile.TemporaryDirectory(prefix="maillage-bookings-bench-") as tmp:
        var_dir = Path(tmp)
        (var_dir / "static").mkdir()
        env = bench_environment(var_dir)
        bench_name = ""
        maintenance = ""
        if postgres:
            bench_url, bench_name, maintenance = _pg_bench_url(configured)
            _pg_execute(maintenance, f'DROP DATABASE IF EXISTS "{bench_name}"')
            _pg_execute(maintenance, f'CREATE DATABASE "{bench_name}"')
            env["DATABASE_URL"] = bench_url
        database = f"PostgreSQL ({bench_name})" if postgres else "SQLite (DATABASE_URL not set)"
        try:
            print(f"Preparing a throw-away database: {database}…")
            manage(env, "migrate", "--noinput", "-v", "0")
            raw = _child(env, "--child-setup")
            setup = Setup(tokens=raw["tokens"], rooms=raw["rooms"], day0=raw["day0"])
            load_before = load_average()
            port = free_port()
            server = start_server(env, port, cached=True)
            try:
                print(f"Booking with {CLIENTS} clients for {duration_s:.0f} s…")
                cpu_before = server_cpu_s(server.pid)
                load = book_under_load(port, setup, duration_s=duration_s, warmup_s=warmup_s)
                cpu_after = server_cpu_s(server.pid)
                print("Asking one room's availability over a month…")
                requests = AVAILABILITY_REQUESTS // (4 if options.quick else 1)
                availability, intervals = availability_latencies(port, setup, requests=requests)
            finally:
                stop_server(server)
            check = _child(env, "--child-check")
            load_after = load_average()
        finally:
            if postgres:
                _pg_execute(maintenance, f'DROP DATABASE IF EXISTS "{bench_name}"')

    rate = load.accepted / load.elapsed_s
    answered = load.accepted + load.conflicts + load.errors
    cpu_ms = None
    if cpu_before is not None and cpu_after is not None and answered:
        # Warm-up requests included on both sides: CPU per answered request, all of the run's.
        cpu_ms = (cpu_after - cpu_before) * 1000 / max(answered, 1)
    p95 = load.percentile(0.95)
    avail_p95 = _p(availability, 0.95)
    print()
    print(
        f"Bookings through the API: gunicorn {WORKERS} workers × {gunicorn_conf.threads} threads "
        f"({gunicorn_conf.worker_class}), {database}, {CLIENTS} keep-alive clients, "
        f"{ROOMS} rooms, {duration_s:.0f} s of load"
    )
    print(
        f"The load generator shares the machine's {os.cpu_count()} cores with the server and the "
        f"database: a lower bound. Load average (1, 5, 15 min) before: {load_before}; after: "
        f"{load_after}."
    )
    header = f"{'measure':<34} {'value':>10} {'target':>10} {'ratio':>12}"
    print(header)
    print("-" * len(header))
    rows = [
        (
            "accepted bookings/s",
            f"{rate:.0f}",
            f"≥ {TARGET_BOOKINGS_PER_S}",
            _ratio(rate, TARGET_BOOKINGS_PER_S, higher_is_better=True),
        ),
        (
            "p95 latency of POST (ms)",
            f"{p95:.1f}",
            f"< {TARGET_P95_MS}",
            _ratio(p95, TARGET_P95_MS, higher_is_better=False),
        ),
        ("p50 latency of POST (ms)", f"{load.percentile(0.5):.1f}", "", ""),
        (
            "server CPU per POST (ms)",
            f"{cpu_ms:.1f}" if cpu_ms is not None else "n/a",
            "",
            "",
        ),
        (
            "POSTs/s the cores allow (CPU)",
            f"{(os.cpu_count() or 1) * 1000 / cpu_ms:.0f}" if cpu_ms else "n/a",
            f"≥ {TARGET_BOOKINGS_PER_S}",
            _ratio(
                (os.cpu_count() or 1) * 1000 / cpu_ms, TARGET_BOOKINGS_PER_S, higher_is_better=True
            )
            if cpu_ms
            else "",
        ),
        ("409 (slot taken meanwhile)", str(load.conflicts), "", ""),
        ("other answers (errors)", str(load.errors), "0", "ok" if load.errors == 0 else "MISSED"),
        ("confirmed bookings in the database", str(check["bookings"]), "", ""),
        (
            "overlapping confirmed bookings",
            str(check["overlaps"]),
            "0",
            "ok" if check["overlaps"] == 0 else "MISSED",
        ),
        (
            "availability, 1 room, 30 days p95 (ms)",
            f"{avail_p95:.1f}",
            f"< {TARGET_AVAILABILITY_MS}",
            _ratio(avail_p95, TARGET_AVAILABILITY_MS, higher_is_better=False),
        ),
        ("availability p50 (ms)", f"{_p(availability, 0.5):.1f}", "", ""),
        ("free intervals in that month", str(intervals), "", ""),
    ]
    for label, value, target, ratio in rows:
        print(f"{label:<34} {value:>10} {target:>10} {ratio:>12}")
    return 1 if check["overlaps"] else 0


if __name__ == "__main__":
    sys.exit(main())
