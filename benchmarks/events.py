"""Events benchmark (issue 9 §4): the public agenda with 20,000 events over 5,000 places, and
registrations through the API under 16 concurrent clients.

The database is PostgreSQL when `DATABASE_URL` names one (a throw-away database
`<name>_bench_events` beside it, dropped at the end), else a temporary SQLite file. A child
process migrates it and writes, in bulk (the benchmark measures reads and registrations, not
the set-up), 5,000 places spread over the départements and 20,000 events over the coming year
(1 in 8 a repair café), then, through the services, 16 members of one place and `EVENTS`
events of it with `CAPACITY` seats each. gunicorn serves `maillage.wsgi` (2 workers).

1. One client asks again and again the agenda page of a département filtered on a category
   (`/agenda/?territoire=departement:64&categorie=repair`) and the iCalendar feed of a
   département (`/agenda/territoires/departement:64.ics`, every event of a year there).
2. 16 keep-alive clients register their member (`POST /api/v1/events/{id}/registrations`,
   empty body) to events chosen at random, for a fixed duration: 201 confirmed or waiting,
   409 when that member is already registered there. Afterwards a query counts the events
   whose confirmed registrations exceed the capacity or disagree with the seat counter: 0.

Targets (a 2-core machine): page and feed p95 < 100 ms; ≥ 200 registrations/s; 0 over-booked.
The load generator shares the cores with the server and the database: a lower bound.

    python -m benchmarks.events [--quick]
"""

import argparse
import json
import os
import random
import sys
from collections.abc import Callable

from benchmarks.api_bench import WORKERS, free_port, start_server, stop_server
from benchmarks.bench_world import bench_place, members_with_tokens, workshops
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

CLIENTS = 16
PLACES = 5_000
AGENDA_EVENTS = 20_000
EVENTS = 400
CAPACITY = 8
TARGET_MS = 100
TARGET_REGISTRATIONS_PER_S = 200
PAGE_REQUESTS = 100
AGENDA_PATH = "/agenda/?territoire=departement:64&categorie=repair"
FEED_PATH = "/agenda/territoires/departement:64.ics"


def child_setup(quick: bool) -> None:
    """In a child process with Django: the agenda's places and events, the members and the
    events they register to (JSON on the last line)."""
    import django

    django.setup()
    from datetime import timedelta

    from django.utils import timezone

    from maillage.events.models import Category, Event
    from maillage.places.models import Place
    from maillage.territories.models import Territory

    rng = random.Random(20261201)
    departements = [f"{n:02d}" for n in range(1, 96) if n != 20]
    # The départements the filters and feeds name (the reference file is not loaded here).
    Territory.objects.bulk_create(
        [
            Territory(
                level="departement",
                code=code,
                name=f"Département {code}",
                search_name=f"departement {code}",
                departement_code=code,
                region_code="75",
            )
            for code in departements
        ]
    )
    places = Place.objects.bulk_create(
        [
            Place(
                name=f"Lieu {n:05d}",
                slug=f"lieu-{n:05d}",
                latitude=42 + rng.random() * 8,
                longitude=-4 + rng.random() * 11,
                departement_code=departements[n % len(departements)],
                region_code="75",
                city=f"Commune {n}",
            )
            for n in range(PLACES // (5 if quick else 1))
        ],
        batch_size=1000,
    )
    now = timezone.now()
    categories = [c for c in Category.values if c != Category.REPAIR]
    rows = []
    for n in range(AGENDA_EVENTS // (5 if quick else 1)):
        place = places[n % len(places)]
        start = now + timedelta(hours=rng.randrange(1, 24 * 365))
        rows.append(
            Event(
                place=place,
                departement_code=place.departement_code,
                title=f"Événement {n}",
                description="Un **événement** du banc d'essai.",
                category=Category.REPAIR if n % 8 == 0 else rng.choice(categories),
                start=start,
                end=start + timedelta(hours=2),
                capacity=20,
                taken=rng.randrange(0, 21),
                price_cents=0 if n % 3 else 500,
            )
        )
    Event.objects.bulk_create(rows, batch_size=2000)

    home = bench_place(name="Banc d'essai", kinds=["fablab"])
    event_ids = workshops(home, count=EVENTS, start=now + timedelta(days=3), capacity=CAPACITY)
    tokens = members_with_tokens(
        home, usernames=(f"banc-{n}" for n in range(CLIENTS)), label="banc"
    )
    print(json.dumps({"tokens": tokens, "events": event_ids}))


def child_check() -> None:
    """In a child process: the events whose confirmed registrations exceed their capacity or
    disagree with their seat counter (JSON)."""
    import django

    django.setup()
    from django.db.models import Count, F, Q

    from maillage.events.models import Event, Registration

    # The events registered to (those of the benchmark's place; the agenda's rows have none).
    counted = Event.objects.filter(place__name="Banc d'essai").annotate(
        confirmed=Count("registrations", filter=Q(registrations__status="confirmed"))
    )
    bad = counted.filter(Q(confirmed__gt=F("capacity")) | ~Q(confirmed=F("taken"))).distinct()
    print(
        json.dumps(
            {
                "overbooked": bad.count(),
                "confirmed": Registration.objects.filter(status="confirmed").count(),
                "waiting": Registration.objects.filter(status="waiting").count(),
            }
        )
    )


def registration_request(
    tokens: list[str], events: list[int]
) -> Callable[[random.Random, int], Request]:
    """A member registering themself (empty body) to an event chosen at random."""

    def request(rng: random.Random, number: int) -> Request:
        path = f"/api/v1/events/{rng.choice(events)}/registrations"
        return "POST", path, None, {"Authorization": f"Bearer {tokens[number]}"}

    return request


def classify_registration(status: int, body: bytes) -> str:
    if status == 201:
        return "waiting" if json.loads(body)["status"] == "waiting" else "confirmed"
    return "duplicate" if status == 409 else "error"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.events")
    parser.add_argument("--quick", action="store_true", help="fewer rows, 3 s of load")
    parser.add_argument("--child-setup", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--child-check", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.child_setup:
        child_setup(options.quick)
        return 0
    if options.child_check:
        child_check()
        return 0
    duration_s, warmup_s = (3.0, 0.5) if options.quick else (10.0, 1.0)
    with throwaway_database("events") as bench:
        database = bench.label
        setup = child_json(
            "events", bench.env, "--child-setup", *(["--quick"] if options.quick else [])
        )
        load_before = load_average()
        port = free_port()
        server = start_server(bench.env, port, cached=True)
        try:
            requests = PAGE_REQUESTS // (4 if options.quick else 1)
            print("Asking the agenda page and the feed of a département…")
            agenda, agenda_body = get_latencies(port, AGENDA_PATH, requests=requests)
            feed, feed_body = get_latencies(port, FEED_PATH, requests=requests)
            print(f"Registering with {CLIENTS} clients for {duration_s:.0f} s…")
            cpu_before = server_cpu_s(server.pid)
            load = under_load(
                port,
                clients=CLIENTS,
                duration_s=duration_s,
                warmup_s=warmup_s,
                request=registration_request(setup["tokens"], setup["events"]),
                classify=classify_registration,
            )
            cpu_after = server_cpu_s(server.pid)
        finally:
            stop_server(server)
        check = child_json("events", bench.env, "--child-check")
        load_after = load_average()

    waiting, duplicates, errors = (load.counts[k] for k in ("waiting", "duplicate", "error"))
    rate = (load.counts["confirmed"] + waiting) / duration_s
    cpu_ms = cpu_per_request_ms(cpu_before, cpu_after, load.answered)
    scale = 5 if options.quick else 1
    print()
    print(
        f"Events: gunicorn {WORKERS} workers, {database}, {PLACES // scale} places, "
        f"{AGENDA_EVENTS // scale} agenda events; {CLIENTS} keep-alive clients registering to "
        f"{EVENTS} events of {CAPACITY} seats for {duration_s:.0f} s. The load generator shares "
        f"the machine's {os.cpu_count()} cores: a lower bound. Load average before: "
        f"{load_before}; after: {load_after}."
    )
    rows: list[Row] = [
        (
            "agenda page, département + category p95",
            f"{percentile(agenda, 0.95):.1f}",
            f"< {TARGET_MS}",
            ratio(percentile(agenda, 0.95), TARGET_MS, higher_is_better=False),
        ),
        ("agenda page p50 (ms)", f"{percentile(agenda, 0.5):.1f}", "", ""),
        ("agenda page size (bytes)", str(len(agenda_body)), "", ""),
        (
            "iCalendar feed of a département p95",
            f"{percentile(feed, 0.95):.1f}",
            f"< {TARGET_MS}",
            ratio(percentile(feed, 0.95), TARGET_MS, higher_is_better=False),
        ),
        ("feed p50 (ms)", f"{percentile(feed, 0.5):.1f}", "", ""),
        ("feed size (bytes)", str(len(feed_body)), "", ""),
        (
            "registrations/s (201)",
            f"{rate:.0f}",
            f"≥ {TARGET_REGISTRATIONS_PER_S}",
            ratio(rate, TARGET_REGISTRATIONS_PER_S, higher_is_better=True),
        ),
        ("  of which waiting", str(waiting), "", ""),
        ("p95 latency of POST (ms)", f"{percentile(load.latencies_ms, 0.95):.1f}", "", ""),
        ("server CPU per POST (ms)", f"{cpu_ms:.1f}" if cpu_ms else "n/a", "", ""),
        ("409 (already registered)", str(duplicates), "", ""),
        ("other answers (errors)", str(errors), "0", "ok" if not errors else "MISSED"),
        (
            "over-booked events",
            str(check["overbooked"]),
            "0",
            "ok" if check["overbooked"] == 0 else "MISSED",
        ),
    ]
    print_table(rows)
    return 1 if check["overbooked"] or errors else 0


if __name__ == "__main__":
    sys.exit(main())
