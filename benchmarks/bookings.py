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
import json
import os
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from benchmarks.api_bench import WORKERS, free_port, start_server, stop_server
from benchmarks.bench_world import bench_place, meeting_rooms, members_with_tokens
from benchmarks.harness import (
    Request,
    Row,
    child_json,
    cpu_per_request_ms,
    get_latencies,
    percentile,
    print_table,
    ratio,
    server_cpu_s,
    throwaway_database,
    under_load,
)
from benchmarks.import_bench import load_average
from maillage import gunicorn_conf

CLIENTS = 16
ROOMS = 30  # issue 8 §7: a place's view of its 30 resources
DAYS = 300
TARGET_BOOKINGS_PER_S = 200
TARGET_P95_MS = 100
TARGET_AVAILABILITY_MS = 20
TARGET_PLACE_VIEW_MS = 100
PLACE_VIEW_REPEAT = 5  # each of the next 7 days, this many times
AVAILABILITY_REQUESTS = 200


@dataclass(frozen=True)
class Setup:
    tokens: list[str]
    rooms: list[int]
    day0: str  # ISO date of the first bookable day (tomorrow, UTC)


def child_setup() -> None:
    """In a child process with Django: a place, its rooms, members and their tokens (JSON)."""
    import django

    django.setup()
    from maillage.accounts.models import User
    from maillage.common.actors import SYSTEM
    from maillage.places.services import grant_place_role

    place = bench_place(name="Banc d'essai", kinds=["coworking"])
    rooms = meeting_rooms(place, count=ROOMS, max_advance_days=DAYS + 30)
    staff = User.objects.create_user(username="banc-equipe", email="banc-equipe@example.org")
    grant_place_role(actor=SYSTEM, place=place, user=staff, role="staff")
    tokens = members_with_tokens(
        place, usernames=(f"banc-{n}" for n in range(CLIENTS)), label="banc"
    )
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


def child_place_view() -> None:
    """In a child process, after the load: the staff's view of the place's resources
    (`bookings:place_day`, every resource with its bookings) for each of the next 7 days, its
    render time (Django's test client, no HTTP) and the query counts seen (JSON)."""
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django.urls import reverse

    from maillage.accounts.models import User
    from maillage.places.models import Place

    setup_test_environment()
    place = Place.objects.get(name="Banc d'essai")
    client = Client()
    client.force_login(User.objects.get(username="banc-equipe"))
    base = reverse("bookings:place_day", args=[place.slug])
    day0 = datetime.now(UTC).date() + timedelta(days=1)
    paths = [f"{base}?jour={(day0 + timedelta(days=n)).isoformat()}" for n in range(7)]
    client.get(paths[0])  # warm-up: templates, translations
    latencies, queries = [], set()
    for _ in range(PLACE_VIEW_REPEAT):
        for path in paths:
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(path)
                latencies.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"{path} answered {response.status_code}")
            queries.add(len(captured.captured_queries))
    columns = len(response.context["grid"].columns)
    print(json.dumps({"ms": sorted(latencies), "queries": sorted(queries), "columns": columns}))


def booking_request(setup: Setup) -> Callable[[random.Random, int], Request]:
    """A one-hour slot chosen at random among the rooms and the next `DAYS` days."""
    day0 = datetime.fromisoformat(setup.day0).replace(tzinfo=UTC)

    def request(rng: random.Random, number: int) -> Request:
        start = day0 + timedelta(days=rng.randrange(DAYS), hours=rng.randrange(24))
        body = {
            "resource_id": rng.choice(setup.rooms),
            "start": start.isoformat(),
            "end": (start + timedelta(hours=1)).isoformat(),
        }
        headers = {
            "Authorization": f"Bearer {setup.tokens[number]}",
            "Content-Type": "application/json",
        }
        return "POST", "/api/v1/bookings", json.dumps(body), headers

    return request


def classify_booking(status: int, body: bytes) -> str:
    return {201: "accepted", 409: "conflict"}.get(status, "error")


def availability_latencies(port: int, setup: Setup, *, requests: int) -> tuple[list[float], int]:
    """One client asking one room's availability over a month; latencies and free intervals."""
    day0 = datetime.fromisoformat(setup.day0).replace(tzinfo=UTC)
    path = (
        f"/api/v1/resources/{setup.rooms[0]}/availability?from={quote(day0.isoformat())}"
        f"&to={quote((day0 + timedelta(days=30)).isoformat())}"
    )
    headers = {"Authorization": f"Bearer {setup.tokens[0]}"}
    latencies, body = get_latencies(port, path, requests=requests, headers=headers)
    return latencies, len(json.loads(body)["free"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bookings")
    parser.add_argument("--quick", action="store_true", help="3 s of load instead of 10 s")
    parser.add_argument("--child-setup", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--child-check", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--child-place-view", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.child_setup:
        child_setup()
        return 0
    if options.child_check:
        child_check()
        return 0
    if options.child_place_view:
        child_place_view()
        return 0
    duration_s, warmup_s = (3.0, 0.5) if options.quick else (10.0, 1.0)
    with throwaway_database("bookings") as bench:
        database = bench.label
        raw = child_json("bookings", bench.env, "--child-setup")
        setup = Setup(tokens=raw["tokens"], rooms=raw["rooms"], day0=raw["day0"])
        load_before = load_average()
        port = free_port()
        server = start_server(bench.env, port, cached=True)
        try:
            print(f"Booking with {CLIENTS} clients for {duration_s:.0f} s…")
            cpu_before = server_cpu_s(server.pid)
            load = under_load(
                port,
                clients=CLIENTS,
                duration_s=duration_s,
                warmup_s=warmup_s,
                request=booking_request(setup),
                classify=classify_booking,
            )
            cpu_after = server_cpu_s(server.pid)
            print("Asking one room's availability over a month…")
            requests = AVAILABILITY_REQUESTS // (4 if options.quick else 1)
            availability, intervals = availability_latencies(port, setup, requests=requests)
        finally:
            stop_server(server)
        check = child_json("bookings", bench.env, "--child-check")
        print(f"Rendering the staff's view of the {ROOMS} resources, 7 days…")
        place_view = child_json("bookings", bench.env, "--child-place-view")
        load_after = load_average()

    accepted, conflicts, errors = (load.counts[k] for k in ("accepted", "conflict", "error"))
    rate = accepted / duration_s
    cpu_ms = cpu_per_request_ms(cpu_before, cpu_after, load.answered)
    p95 = percentile(load.latencies_ms, 0.95)
    avail_p95 = percentile(availability, 0.95)
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
    rows: list[Row] = [
        (
            "accepted bookings/s",
            f"{rate:.0f}",
            f"≥ {TARGET_BOOKINGS_PER_S}",
            ratio(rate, TARGET_BOOKINGS_PER_S, higher_is_better=True),
        ),
        (
            "p95 latency of POST (ms)",
            f"{p95:.1f}",
            f"< {TARGET_P95_MS}",
            ratio(p95, TARGET_P95_MS, higher_is_better=False),
        ),
        ("p50 latency of POST (ms)", f"{percentile(load.latencies_ms, 0.5):.1f}", "", ""),
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
            ratio(
                (os.cpu_count() or 1) * 1000 / cpu_ms, TARGET_BOOKINGS_PER_S, higher_is_better=True
            )
            if cpu_ms
            else "",
        ),
        ("409 (slot taken meanwhile)", str(conflicts), "", ""),
        ("other answers (errors)", str(errors), "0", "ok" if errors == 0 else "MISSED"),
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
            ratio(avail_p95, TARGET_AVAILABILITY_MS, higher_is_better=False),
        ),
        ("availability p50 (ms)", f"{percentile(availability, 0.5):.1f}", "", ""),
        ("free intervals in that month", str(intervals), "", ""),
        (
            f"place's {place_view['columns']} resources, one day p95 (ms)",
            f"{percentile(place_view['ms'], 0.95):.1f}",
            f"< {TARGET_PLACE_VIEW_MS}",
            ratio(percentile(place_view["ms"], 0.95), TARGET_PLACE_VIEW_MS, higher_is_better=False),
        ),
        (
            "  queries per view, 7 days",
            "/".join(map(str, place_view["queries"])),
            "constant",
            "ok" if len(place_view["queries"]) == 1 else "MISSED",
        ),
    ]
    print_table(rows)
    return 1 if check["overlaps"] or len(place_view["queries"]) != 1 else 0


if __name__ == "__main__":
    sys.exit(main())
