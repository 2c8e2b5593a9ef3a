"""Profile of the API's three hot writes, one request at a time, in process.

    DATABASE_URL=postgres://… python -m benchmarks.write_profile [--kind bookings|events|ballots]
        [-n 300] [--top 25] [--setup]

Django's test client sends `N` requests of each kind through the whole request stack
(middleware, django-ninja, token authentication, the service, the audit append, the queued
email) with the settings the benchmarks serve (`maillage.settings`, development environment,
`DEBUG` off), against the database of `DATABASE_URL` (PostgreSQL for the figures that count;
without it a SQLite file in a temporary folder). The first run (`--setup`, or when the data is
missing) migrates the database and writes, through the services, one place with 40 rooms and
400 events, 16 members with a token, and an open vote of as many voters as ballots are sent.

It prints, per kind: the CPU time per request (`time.process_time`, which the load other work
puts on the machine does not inflate), the SQL queries per request, and cProfile's top
functions by own time and by cumulated time. The benchmarks measure throughput under
concurrency (`python -m benchmarks bookings|events|ballots`); this says where a request's time
goes. Rows written here are left in the database: point it at a throw-away one.
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks.bench_world import bench_place, meeting_rooms, members_with_tokens, workshops

KINDS = ("bookings", "events", "ballots")
SETUP_NAME = "Banc de profil"
ROOMS = 40
EVENTS = 400
MEMBERS = 16
VOTERS = 700


def _environment() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "maillage.settings")
    os.environ.setdefault("MAILLAGE_ENV", "development")
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    if "MAILLAGE_VAR_DIR" not in os.environ:
        var_dir = Path(tempfile.mkdtemp(prefix="maillage-write-profile-"))
        (var_dir / "static").mkdir()
        os.environ["MAILLAGE_VAR_DIR"] = str(var_dir)


def _setup() -> dict:
    """The place, rooms, events, members and the open vote (through the services)."""
    from django.core.management import call_command
    from django.utils import timezone

    from maillage.accounts.models import User
    from maillage.accounts.services import create_api_token
    from maillage.common.actors import SYSTEM
    from maillage.governance import services as governance
    from maillage.governance.models import BodyKind
    from maillage.members.models import Membership, MembershipStatus

    call_command("migrate", verbosity=0, interactive=False)
    stamp = str(time.time_ns())
    place = bench_place(name=f"{SETUP_NAME} {stamp}", kinds=["coworking"])
    rooms = meeting_rooms(place, count=ROOMS, max_advance_days=400)
    event_ids = workshops(place, count=EVENTS, start=timezone.now() + timedelta(days=3), capacity=8)
    tokens = members_with_tokens(
        place, usernames=(f"profil-{stamp}-{n}" for n in range(MEMBERS)), label="profil"
    )
    voters = User.objects.bulk_create(User(username=f"votant-{stamp}-{n}") for n in range(VOTERS))
    voters = list(User.objects.filter(username__startswith=f"votant-{stamp}-").order_by("pk"))
    Membership.objects.bulk_create(
        Membership(place=place, user=user, status=MembershipStatus.ACTIVE) for user in voters
    )
    voter_tokens = [create_api_token(user=user, name="profil")[1] for user in voters]
    body = governance.create_body(
        actor=SYSTEM, name="Assemblée", kind=BodyKind.PLACE_MEMBERS, place=place
    )
    vote = governance.create_vote(
        actor=SYSTEM,
        body=body,
        title="Profil",
        method="majority_judgement",
        options=[f"Option {n}" for n in range(5)],
        closes_at=timezone.now() + timedelta(days=30),
    )
    governance.open_vote(actor=SYSTEM, vote=vote)
    return {
        "rooms": rooms,
        "events": event_ids,
        "tokens": tokens,
        "vote": vote.pk,
        "voter_tokens": voter_tokens,
        "next_voter": 0,
        "day0": (datetime.now(UTC) + timedelta(days=1)).date().isoformat(),
    }


def _requests(kind: str, world: dict, count: int):
    """`count` (method, path, body, token) of `kind`, as the benchmark's clients send them."""
    rng = random.Random(time.time_ns())
    if kind == "bookings":
        day0 = datetime.fromisoformat(world["day0"]).replace(tzinfo=UTC)
        for n in range(count):
            start = day0 + timedelta(days=rng.randrange(360), hours=rng.randrange(24))
            body = {
                "resource_id": rng.choice(world["rooms"]),
                "start": start.isoformat(),
                "end": (start + timedelta(hours=1)).isoformat(),
            }
            yield "post", "/api/v1/bookings", json.dumps(body), world["tokens"][n % MEMBERS]
    elif kind == "events":
        for n in range(count):
            path = f"/api/v1/events/{rng.choice(world['events'])}/registrations"
            yield "post", path, "", world["tokens"][n % MEMBERS]
    else:
        first = world["next_voter"]
        tokens = world["voter_tokens"][first : first + count]
        if len(tokens) < count:
            raise SystemExit("not enough voters left: run again with --setup")
        world["next_voter"] = first + count
        for n, token in enumerate(tokens):
            body = {"content": {"grades": [(n + k) % 7 for k in range(5)]}}
            yield "put", f"/api/v1/votes/{world['vote']}/ballot", json.dumps(body), token


def _send(client, method: str, path: str, body: str, token: str) -> int:
    send = getattr(client, method)
    response = send(
        path,
        data=body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    return response.status_code


def profile(kind: str, world: dict, count: int, top: int) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(SERVER_NAME="127.0.0.1")
    calls = list(_requests(kind, world, count + 10 + 20))
    # Warm-up (imports, caches, the connection), then the queries of a few, then the profile.
    for call in calls[:10]:
        _send(client, *call)
    with CaptureQueriesContext(connection) as queries:
        statuses = [_send(client, *call) for call in calls[10:30]]
    per_request = len(queries.captured_queries) / 20
    # Read now: the next request's `request_started` empties the connection's query log.
    last_request = [query["sql"] for query in queries.captured_queries[-round(per_request) :]]
    # CPU time, not wall time: the load other work puts on the machine does not inflate it.
    profiler = cProfile.Profile(time.process_time)
    answered: dict[int, int] = {}
    cpu0, wall0 = time.process_time(), time.perf_counter()
    profiler.enable()
    for call in calls[30:]:
        status = _send(client, *call)
        answered[status] = answered.get(status, 0) + 1
    profiler.disable()
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    # The same requests once more without the profiler's overhead: the CPU figure to compare.
    plain = list(_requests(kind, world, count))
    cpu1 = time.process_time()
    for call in plain:
        _send(client, *call)
    plain_cpu = time.process_time() - cpu1
    print(f"\n=== {kind}: {count} requests, {connection.vendor} ===")
    print(f"statuses (profiled run): {answered}; first 20: {sorted(set(statuses))}")
    print(f"SQL queries per request (20 requests): {per_request:.1f}")
    for sql in last_request if per_request else []:
        print(f"    {sql[:150]}")
    print(f"CPU per request, without profiler: {plain_cpu * 1000 / count:.2f} ms")
    print(f"CPU per request, profiled: {cpu * 1000 / count:.2f} ms")
    print(f"wall per request, profiled: {wall * 1000 / count:.2f} ms")
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats(order).print_stats(top)
        print(f"--- top {top} by {order} ---")
        lines = out.getvalue().splitlines()
        start = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
        print("\n".join(lines[start:]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.write_profile")
    parser.add_argument("--kind", choices=KINDS, action="append")
    parser.add_argument("-n", type=int, default=300, help="profiled requests of each kind")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--setup", action="store_true", help="write fresh set-up data")
    options = parser.parse_args(argv)
    _environment()
    import django

    django.setup()
    state = Path(os.environ["MAILLAGE_VAR_DIR"]) / "write_profile.json"
    world = None
    if not options.setup and state.exists():
        world = json.loads(state.read_text())
    if world is None or world.get("database") != os.environ.get("DATABASE_URL", ""):
        world = _setup()
        world["database"] = os.environ.get("DATABASE_URL", "")
    try:
        for kind in options.kind or KINDS:
            profile(kind, world, options.n, options.top)
    finally:
        state.write_text(json.dumps(world))
    return 0


if __name__ == "__main__":
    sys.exit(main())
