"""Map benchmark: the map's view endpoint at 50,000 places, and the home page's first map paint.

A temporary SQLite database (or the PostgreSQL database of `--database-url`, emptied first)
gets the reference territories and 50,000 generated places through the import service. The
production settings are used (`MAILLAGE_ENV=production`): the cache is the database cache (or
Redis with `--redis-url`), answers are gzipped by the compression middleware.

Measured in a child process, through Django's whole request stack (test client, no HTTP):
`GET /api/v1/places.clusters` for a 1280 × 800 px view around 40 places drawn at random (and
Paris) at each zoom from 3 to 18, with and without a kind filter; each request's wall time
and the process's CPU time (`time.process_time`: the machine is shared, CPU time is the
steadier figure), and the gzipped size. The rows:

- every view once: the answer computed from the arrays kept in the process (the body is not
  in the cache yet): what a pan or a zoom costs;
- the same views again: the body from the cache;
- after a change, the first request of a worker: it builds the arrays (reads 50,000 places),
  then another worker's first request, which reads them from the cache.

The home page's first map paint is measured in Debian's chromium (Playwright), served by
gunicorn (production settings, 2 workers): from navigation start to the map's first drawn
answer (`data-drawn`), 5 loads in fresh browser contexts after a first one (reported apart: the
workers build their arrays), tiles left out (the benchmark reaches no other host). Targets
(issue 14 §3): any map request < 50 ms p95 and < 200 KB gzipped at every zoom, first paint
< 1 s.

    python -m benchmarks.map_bench [--quick] [--places N] [--database-url URL] [--redis-url URL]
"""

import argparse
import gzip
import json
import math
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.api_bench import (
    free_port,
    production_environment,
    start_server,
    stop_server,
    verdict,
    view_bbox,
)
from benchmarks.import_bench import (
    REPOSITORY,
    load_average,
    manage,
    read_communes,
    run_import,
    write_csv,
)

PLACES = 50_000
ZOOMS = (3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18)
VIEW_PX = (1280, 800)
CENTRES = 40
SEED = 14
TARGET_P95_MS = 50.0
TARGET_KB = 200.0
TARGET_PAINT_S = 1.0
PAINT_LOADS = 5
CHROMIUM = Path("/usr/bin/chromium")
URL = "/api/v1/places.clusters"


# --- In the child: Django set up with the production settings -------------------------------


def _timed(client, path: str) -> tuple[float, float, int, dict]:
    wall, cpu = time.perf_counter(), time.process_time()
    response = client.get(path, HTTP_ACCEPT_ENCODING="gzip", secure=True)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    if response.status_code != 200:
        raise RuntimeError(f"{path}: {response.status_code} {response.content[:300]!r}")
    body = response.content
    size = len(body)
    if response.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    else:  # the middleware leaves small bodies alone: count them as they are
        size = len(gzip.compress(body))
    return wall * 1000, cpu * 1000, size, json.loads(body)


def child(options: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.core.cache import cache
    from django.test import Client

    from maillage.places import clusters
    from maillage.places.models import Place

    client = Client()
    rng = random.Random(SEED)
    positions = list(Place.objects.values_list("latitude", "longitude"))
    centres = [(48.8566, 2.3522), *rng.sample(positions, options.centres - 1)]
    results: dict = {"rows": []}

    def row(label: str, samples: list[tuple[float, float, int, dict]], zoom: str = "") -> None:
        walls = sorted(sample[0] for sample in samples)
        cpus = sorted(sample[1] for sample in samples)

        def p95(values: list[float]) -> float:
            return values[min(len(values) - 1, math.ceil(0.95 * len(values)) - 1)]

        results["rows"].append(
            {
                "label": label,
                "zoom": zoom,
                "requests": len(samples),
                "p50_ms": statistics.median(walls),
                "p95_ms": p95(walls),
                "p95_cpu_ms": p95(cpus),
                "max_kb": max(sample[2] for sample in samples) / 1024,
                "max_items": max(
                    len(sample[3]["clusters"]) + len(sample[3]["points"]) for sample in samples
                ),
            }
        )

    # The process's first request loads the URL configuration and the API's schemas: not what
    # a change costs, so it is made first and left out.
    client.get("/api/v1/kinds", secure=True)
    # After a change: the first worker builds the arrays, the next ones read them from cache.
    cache.clear()
    clusters.forget_arrays()
    first = _timed(client, f"{URL}?zoom=6&bbox={view_bbox(46.6, 2.4, 6)}")
    clusters.forget_arrays()
    second = _timed(client, f"{URL}?zoom=7&bbox={view_bbox(46.6, 2.4, 7)}")
    results["first"] = first[:3]
    results["second"] = second[:3]

    all_views: list[tuple[float, float, int, dict]] = []
    all_cached: list[tuple[float, float, int, dict]] = []
    for kind in ("", "coworking"):
        suffix = f"&kind={kind}" if kind else ""
        for zoom in options.zooms:
            paths = [
                f"{URL}?zoom={zoom}&bbox={view_bbox(lat, lon, zoom)}{suffix}"
                for lat, lon in centres
            ]
            fresh = [_timed(client, path) for path in paths]
            cached = [_timed(client, path) for path in paths]
            all_views += fresh
            all_cached += cached
            label = "view" + (f" kind={kind}" if kind else "")
            row(label, fresh, str(zoom))
    row("every view, computed", all_views, "all")
    row("every view, from cache", all_cached, "all")
    results["places"] = len(positions)
    print(json.dumps(results))


# --- In the parent -----------------------------------------------------------------------


def measure_paint(env: dict[str, str], var_dir: Path, loads: int) -> list[float] | str:
    """Seconds from navigation start to the home map's first drawn answer, per fresh load."""
    if not CHROMIUM.exists():
        return "chromium missing (make setup-browser)"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return "playwright missing"
    port = free_port()
    server = start_server(env, port, cached=True)
    site = f"http://127.0.0.1:{port}"
    times: list[float] = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
            )
            # The first load after the server started builds each worker's arrays (see the
            # rows above): reported apart, the others are what visitors between two changes get.
            for _ in range(loads + 1):
                context = browser.new_context(locale="fr-FR")
                context.route(
                    "**/*",
                    lambda route: (
                        route.continue_() if route.request.url.startswith(site) else route.abort()
                    ),
                )
                tab = context.new_page()
                tab.goto(f"{site}/", wait_until="commit")
                tab.wait_for_function(
                    "() => document.getElementById('carte')"
                    " && document.getElementById('carte').dataset.drawn",
                    timeout=30_000,
                )
                times.append(tab.evaluate("() => performance.now()") / 1000)
                context.close()
            browser.close()
    finally:
        stop_server(server)
    return times


def prepare(options: argparse.Namespace, var_dir: Path) -> dict[str, str]:
    env = production_environment(var_dir, redis_url=options.redis_url)
    if options.database_url:
        env["DATABASE_URL"] = options.database_url
        manage(env, "flush", "--noinput")
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "createcachetable")
    manage(env, "load_territories")
    manage(env, "collectstatic", "--noinput", "-v", "0")
    return env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.map_bench")
    parser.add_argument("--quick", action="store_true", help="10 views per zoom, 3 page loads")
    parser.add_argument("--places", type=int, default=PLACES)
    parser.add_argument("--database-url", default="", help="a PostgreSQL database to use (emptied)")
    parser.add_argument("--redis-url", default="", help="cache in Redis instead of the database")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--centres", type=int, default=CENTRES, help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    options.zooms = ZOOMS
    if options.child:
        child(options)
        return 0
    centres = 10 if options.quick else CENTRES
    with tempfile.TemporaryDirectory(prefix="maillage-map-bench-") as tmp:
        var_dir = Path(tmp)
        backend = "PostgreSQL" if options.database_url else "SQLite"
        cache_name = "Redis" if options.redis_url else "database"
        print(f"Preparing {backend} with {options.places:,} places in {var_dir}…", flush=True)
        env = prepare(options, var_dir)
        places = write_csv(var_dir / "places.csv", options.places, communes=read_communes())
        run_import(env, places, rows=options.places, source="bench")
        load_before = load_average()
        print("Measuring the view endpoint…", flush=True)
        result = subprocess.run(
            [sys.executable, "-m", "benchmarks.map_bench", "--child", "--centres", str(centres)],
            env=env,
            cwd=REPOSITORY,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            print(result.stdout, result.stderr, file=sys.stderr)
            return result.returncode
        figures = json.loads(result.stdout.strip().splitlines()[-1])
        print("Measuring the home page's first map paint in chromium…", flush=True)
        paint = measure_paint(env, var_dir, 3 if options.quick else PAINT_LOADS)
        load_after = load_average()
    print_report(figures, paint, backend=backend, cache_name=cache_name, centres=centres)
    print(f"Load average (1, 5, 15 min) before: {load_before}; after: {load_after}.")
    return 0


def print_report(figures: dict, paint, *, backend: str, cache_name: str, centres: int) -> None:
    print()
    print(
        f"Map views at {figures['places']:,} places: {backend}, {cache_name} cache, production "
        f"settings, {VIEW_PX[0]}×{VIEW_PX[1]} px views around {centres} places per zoom, "
        "Django's request stack in-process (no HTTP); sizes gzipped by the middleware. Wall "
        "times include waiting for the cores when the machine is loaded (see the load below); "
        "the CPU time (time.process_time) is this process's own work."
    )
    header = (
        f"{'request':<24} {'zoom':>4} {'n':>4} {'p50 ms':>7} {'p95 ms':>7} "
        f"{'verdict (< 50 ms)':<18} {'p95 CPU':>7} {'verdict CPU':<16} {'max KB':>7} "
        f"{'verdict (< 200 KB)':<18} {'items':>6}"
    )
    print(header)
    print("-" * len(header))
    for row in figures["rows"]:
        print(
            f"{row['label']:<24} {row['zoom']:>4} {row['requests']:>4} {row['p50_ms']:>7.1f} "
            f"{row['p95_ms']:>7.1f} {verdict(row['p95_ms'], TARGET_P95_MS):<18} "
            f"{row['p95_cpu_ms']:>7.1f} {verdict(row['p95_cpu_ms'], TARGET_P95_MS):<16} "
            f"{row['max_kb']:>7.1f} {verdict(row['max_kb'], TARGET_KB):<18} {row['max_items']:>6}"
        )
    first_ms, first_cpu, _ = figures["first"]
    second_ms, second_cpu, _ = figures["second"]
    print(
        f"After a change, a worker's first request (reads every place into the arrays): "
        f"{first_ms:.0f} ms ({first_cpu:.0f} ms CPU), {verdict(first_ms, TARGET_P95_MS)}; "
        f"another worker's first (arrays from the {cache_name} cache): {second_ms:.0f} ms "
        f"({second_cpu:.0f} ms CPU), {verdict(second_ms, TARGET_P95_MS)}. Once per change and "
        "worker: not part of the p95 of the views above."
    )
    if isinstance(paint, str):
        print(f"Home page first map paint: not measured ({paint}).")
    else:
        cold, warm = paint[0], paint[1:]
        median = statistics.median(warm)
        print(
            f"Home page first map paint (chromium, gunicorn 2 workers, tiles left out): median "
            f"{median:.2f} s of {len(warm)} fresh browser contexts (max {max(warm):.2f} s), "
            f"target < {TARGET_PAINT_S:.0f} s: {verdict(median, TARGET_PAINT_S)}; the first "
            f"load after the server started (workers build their arrays): {cold:.2f} s."
        )


if __name__ == "__main__":
    sys.exit(main())
