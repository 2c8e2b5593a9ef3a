"""Catalogue benchmark: a place's library of things with 10,000 items, its page and the API.

A child process migrates a throw-away SQLite database (never the configured one), creates one
place and `ITEMS` items (1,000 with `--quick`) in bulk, a tenth of them on loan and some with
people waiting, then renders the catalogue page (`/lieux/<slug>/objets/`: 50 items a page,
with their availability) and `GET /api/v1/sharing/items` through Django's test client, a few
times each. It reports the median time and the number of SQL queries, which must be the same
for the first page and the last one, and the same as with 50 items: the availability is
annotated in the page's one query.

Target (issue 9): the query count constant whatever the number of items; the page in well
under 100 ms on a laptop.

    python -m benchmarks.catalogue [--quick]
"""

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.harness import child_json
from benchmarks.import_bench import bench_environment, load_average, manage

ITEMS = 10_000
RUNS = 7
TARGET_PAGE_MS = 100


def child(items: int) -> None:
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from maillage.accounts.models import User
    from maillage.common.actors import SYSTEM
    from maillage.common.text import fold
    from maillage.members.models import Membership, MembershipStatus
    from maillage.places.services import create_place
    from maillage.sharing.models import Item, Loan, Reservation

    place = create_place(
        actor=SYSTEM,
        data={"name": f"Outilthèque {time.time_ns()}", "kinds": ["fablab"],
              "latitude": 43.3, "longitude": -0.37},
    )  # fmt: skip
    people = User.objects.bulk_create(User(username=f"bench-{n}") for n in range(200))
    Membership.objects.bulk_create(
        Membership(place=place, user=user, status=MembershipStatus.ACTIVE) for user in people
    )
    Item.objects.bulk_create(
        Item(place=place, name=f"Objet {n:05d}", search_name=fold(f"objet {n:05d}"),
             category=("tools", "garden", "kitchen", "games")[n % 4])
        for n in range(items)
    )  # fmt: skip
    ids = list(Item.objects.filter(place=place).order_by("pk").values_list("pk", flat=True))
    now, today = timezone.now(), timezone.localdate()
    Loan.objects.bulk_create(
        Loan(place=place, item_id=pk, borrower=people[n % len(people)], state="out",
             checked_out_at=now, due_on=today, condition_out="good")
        for n, pk in enumerate(ids[::10])
    )  # fmt: skip
    Reservation.objects.bulk_create(
        Reservation(place=place, item_id=pk, user=people[(n + 1) % len(people)], state="waiting")
        for n, pk in enumerate(ids[::20])
    )  # fmt: skip
    client = Client()
    last_page = (items + 49) // 50
    results = {}
    for label, url in (
        ("page 1", f"/lieux/{place.slug}/objets/"),
        (f"page {last_page}", f"/lieux/{place.slug}/objets/?page={last_page}"),
        ("search « objet 0999 »", f"/lieux/{place.slug}/objets/?q=objet+0999"),
        ("API, 50 items", f"/api/v1/sharing/items?place={place.pk}&limit=50"),
    ):
        times, queries = [], set()
        for _ in range(RUNS):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"{url} answered {response.status_code}")
            queries.add(len(captured.captured_queries))
        results[label] = {"median_ms": statistics.median(times), "queries": sorted(queries)}
    print(json.dumps(results))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.catalogue")
    parser.add_argument("--quick", action="store_true", help="1,000 items")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.child:
        child(options.child)
        return 0
    items = 1_000 if options.quick else ITEMS
    with tempfile.TemporaryDirectory(prefix="maillage-catalogue-bench-") as tmp:
        env = bench_environment(Path(tmp))
        print(f"Preparing a SQLite database with {items} items…")
        manage(env, "migrate", "--noinput", "-v", "0")
        results = child_json("catalogue", env, "--child", str(items))
    print()
    print(f"Catalogue of {items} items (a tenth on loan), SQLite, {RUNS} runs each")
    print(f"Load average (1, 5, 15 min): {load_average()}")
    header = f"{'request':<28} {'median ms':>10} {'queries':>8} {'verdict':>8}"
    print(header)
    print("-" * len(header))
    counts = {tuple(figures["queries"]) for label, figures in results.items() if "page" in label}
    constant = len(counts) == 1 and all(len(c) == 1 for c in counts)
    for label, figures in results.items():
        fast = figures["median_ms"] < TARGET_PAGE_MS
        verdict = "ok" if fast and constant else "MISSED"
        queries = "/".join(str(q) for q in figures["queries"])
        print(f"{label:<28} {figures['median_ms']:>10.1f} {queries:>8} {verdict:>8}")
    return 0 if constant else 1


if __name__ == "__main__":
    sys.exit(main())
