"""API benchmark: the directory endpoints under load, served as in production.

A temporary SQLite database gets the reference territories and 5,000 generated places (through
the import service); gunicorn serves `maillage.wsgi` with `maillage/gunicorn_conf.py` and 2
workers on 127.0.0.1 and a free port, under the production settings (`MAILLAGE_ENV=production`,
DEBUG off): the cache is the database cache (`createcachetable`), as in production; with
`--redis-url` (default redis://127.0.0.1:6379/0 when a Redis server answers there) the rows that
read the cache are measured a second time with `REDIS_URL` set (Django's RedisCache). A load
generator in this process keeps 16 clients busy (one thread and one keep-alive `http.client`
connection each) for a fixed duration per endpoint, then stops by itself.

Clients do not all ask for the same first page: each cycles through its own shuffled list of
varied requests (pages 1 to 50 of the list, kind, status and territory filters, text searches,
places by id, map views at several zooms), so the figures include what a real mix costs.
Measured for each endpoint: requests per second, p50 and p95 latency under 16 clients, with
the machine's load average (`os.getloadavg()`) at the end of each row: other work on the same
cores lowers every figure. The GeoJSON answers are also timed with a single client, which is
what a person opening the map waits for. Clients send no conditional headers (no 304).

The whole map's GeoJSON body is kept in the cache between changes (GEOJSON_CACHE_SECONDS): it
is measured by a server with that cache off ("cold": every answer built from the database) and
with it on ("warm").

Targets (issue 2 §9, a 2-core machine): the list (`?limit=100`) at ≥ 500 requests/s with
p95 < 50 ms; the 5,000-place GeoJSON in < 150 ms (single-client p95); text and territory
searches ≥ 250 requests/s and p95 < 100 ms; place by id as the list; map views (issue 14 §3)
p95 < 50 ms. Each row prints its target and the verdict computed from the figure. The load
generator runs on the same cores as the server: the figures are a lower bound.

    python -m benchmarks.api_bench [--quick] [--only LABEL] [--redis-url URL | --no-redis]
"""

import argparse
import http.client
import math
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.import_bench import (
    REPOSITORY,
    bench_environment,
    load_average,
    manage,
    read_communes,
    run_import,
    write_csv,
)
from maillage import gunicorn_conf

HOST = "127.0.0.1"
PLACES = 5_000
CLIENTS = 16
WORKERS = 2
STARTUP_TIMEOUT_S = 60
WORKERS_SETTLE_S = 2
REQUEST_TIMEOUT_S = 30
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
SEED = 4
VARIANTS = 200  # requests in each client's list, shuffled per client
DEPARTEMENTS = ("64", "33", "75", "69", "13", "59", "35", "31", "44", "67", "974", "971")
KIND_CODES = ("coworking", "fablab", "repair_cafe", "ressourcerie", "digital_inclusion")
GEOJSON_PATH = "/api/v1/places.geojson"
COMPACT_PATH = "/api/v1/places.geojson?compact=1"


def list_paths(rng: random.Random) -> list[str]:
    """Pages 1 to 50 of the list, alone or with a kind, status or territory filter."""
    paths = []
    for _ in range(VARIANTS):
        offset = 100 * rng.randrange(50)
        extra = rng.choice(
            (
                "",
                "",
                f"&kind={rng.choice(KIND_CODES)}",
                "&status=open",
                f"&territory=departement:{rng.choice(DEPARTEMENTS)}",
            )
        )
        # A filter leaves fewer pages: its first pages.
        paths.append(
            f"/api/v1/places?limit=100&offset={offset if not extra else offset % 300}{extra}"
        )
    return paths


def search_paths(rng: random.Random, words: tuple[str, ...]) -> list[str]:
    return [
        f"/api/v1/places?limit=100&q={rng.choice(words)}&offset={100 * rng.randrange(3)}"
        for _ in range(VARIANTS)
    ]


def detail_paths(rng: random.Random) -> list[str]:
    # The generated places are the only ones: ids 1 to PLACES in a fresh database.
    return [f"/api/v1/places/{rng.randint(1, PLACES)}" for _ in range(VARIANTS)]


def territory_paths(rng: random.Random) -> list[str]:
    prefixes = ("pa", "bor", "lyo", "mar", "gir", "bret", "saint", "lesc", "nan", "toul")
    return [f"/api/v1/territories?q={rng.choice(prefixes)}&limit=10" for _ in range(VARIANTS)]


def view_bbox(lat: float, lon: float, zoom: int, size: tuple[int, int] = (1280, 800)) -> str:
    """The bbox of a `size` px view centred on (lat, lon) at `zoom` (Web Mercator)."""
    world = 256 * 2**zoom
    x = (lon + 180) / 360 * world
    y = 1 - math.log(math.tan(math.radians(lat)) + 1 / math.cos(math.radians(lat))) / math.pi
    y = y / 2 * world

    def to_latlon(px: float, py: float) -> tuple[float, float]:
        lon_ = px / world * 360 - 180
        lat_ = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * py / world))))
        return max(-85.0, min(85.0, lat_)), max(-180.0, min(180.0, lon_))

    south, west = to_latlon(x - size[0] / 2, y + size[1] / 2)
    north, east = to_latlon(x + size[0] / 2, y - size[1] / 2)
    return f"{west:.4f},{south:.4f},{east:.4f},{north:.4f}"


def map_paths(rng: random.Random) -> list[str]:
    """Map views (1280 × 800 px) around French cities at zooms 5 to 15, some with a kind."""
    cities = (
        (48.8566, 2.3522),
        (43.2951, -0.3708),
        (44.8378, -0.5792),
        (45.764, 4.8357),
        (43.2965, 5.3698),
        (50.6292, 3.0573),
        (47.2184, -1.5536),
        (48.1173, -1.6778),
    )
    paths = []
    for _ in range(VARIANTS):
        lat, lon = rng.choice(cities)
        lat, lon = lat + rng.uniform(-0.5, 0.5), lon + rng.uniform(-0.5, 0.5)
        zoom = rng.randint(5, 15)
        kind = rng.choice(("", "", f"&kind={rng.choice(KIND_CODES)}"))
        paths.append(f"/api/v1/places.clusters?zoom={zoom}&bbox={view_bbox(lat, lon, zoom)}{kind}")
    return paths


@dataclass(frozen=True)
class Scenario:
    label: str
    paths: tuple[str, ...]
    clients: int
    min_requests_per_s: float | None = None
    max_p95_ms: float | None = None
    cached: bool = False  # served with the GeoJSON body cache on
    uses_cache: bool = False  # measured again with Redis as the cache


def _scenarios() -> tuple[Scenario, ...]:
    rng = random.Random(SEED)
    geojson = (GEOJSON_PATH,)
    compact = (COMPACT_PATH,)
    map_views = tuple(map_paths(rng))

    def geo(cached: bool) -> tuple[Scenario, ...]:
        return (
            Scenario("geojson (5,000)", geojson, CLIENTS, cached=cached, uses_cache=cached),
            Scenario("geojson compact", compact, CLIENTS, cached=cached, uses_cache=cached),
            Scenario(
                "geojson (5,000)", geojson, 1, max_p95_ms=150, cached=cached, uses_cache=cached
            ),
            Scenario(
                "geojson compact", compact, 1, max_p95_ms=150, cached=cached, uses_cache=cached
            ),
        )

    return (
        Scenario("list pages+filters", tuple(list_paths(rng)), CLIENTS, 500, 50),
        Scenario("place by id", tuple(detail_paths(rng)), CLIENTS, 500, 50),
        # A text search ranks every match before it pages: half the list's rate, p95 < 100 ms.
        # A kind label matching ~1 place in 7, a word of every generated description (every
        # place matches: the worst case for ranking), a typo.
        Scenario(
            "list ?q=",
            tuple(search_paths(rng, ("coworking", "fablab", "mesures", "fablb", "repair"))),
            CLIENTS,
            250,
            100,
        ),
        Scenario("territories ?q=", tuple(territory_paths(rng)), CLIENTS, 250, 100),
        Scenario("map views", map_views, CLIENTS, max_p95_ms=50, cached=True, uses_cache=True),
        *geo(False),
        *geo(True),
    )


SCENARIOS = _scenarios()


@dataclass(frozen=True)
class Measure:
    scenario: Scenario
    requests: int
    errors: int
    elapsed_s: float
    latencies_ms: list[float]
    body_bytes: int
    cache: str = "database"
    load: str = ""

    @property
    def requests_per_s(self) -> float:
        return self.requests / self.elapsed_s

    def percentile(self, fraction: float) -> float:
        if len(self.latencies_ms) < 2:
            return self.latencies_ms[0] if self.latencies_ms else float("nan")
        return statistics.quantiles(self.latencies_ms, n=100, method="inclusive")[
            round(fraction * 100) - 1
        ]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def start_server(env: dict[str, str], port: int, *, cached: bool) -> subprocess.Popen:
    """gunicorn as configured for production, 2 workers, on 127.0.0.1:`port`; returns once it
    answers. `cached=False` turns the GeoJSON body cache off."""
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "maillage.wsgi",
            "--config",
            "python:maillage.gunicorn_conf",
            "--workers",
            str(WORKERS),
            "--bind",
            f"{HOST}:{port}",
            "--log-level",
            "warning",
        ],
        env=env if cached else {**env, "GEOJSON_CACHE_SECONDS": "0"},
        cwd=REPOSITORY,
    )
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with status {server.returncode}")
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=2)
            connection.request("GET", "/api/v1/kinds")
            if connection.getresponse().status == 200:
                connection.close()
                # The first worker answers while the others may still be forking: clients that
                # connected now would all stay with it (keep-alive) and leave a core idle.
                time.sleep(WORKERS_SETTLE_S)
                return server
        except OSError:
            time.sleep(0.2)
    stop_server(server)
    raise RuntimeError("gunicorn did not answer in time")


def stop_server(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def fetch(connection: http.client.HTTPConnection, path: str) -> tuple[int, int]:
    """One request as a browser sends it (accepting gzip); its status and body size."""
    connection.request("GET", path, headers={"Accept-Encoding": "gzip"})
    response = connection.getresponse()
    return response.status, len(response.read())


def measure(
    port: int, scenario: Scenario, *, duration_s: float, warmup_s: float, cache: str = "database"
) -> Measure:
    """Keep `scenario.clients` clients busy for `duration_s` after `warmup_s` of warm-up."""
    started = time.perf_counter()
    measuring_from = started + warmup_s
    deadline = measuring_from + duration_s
    lock = threading.Lock()
    latencies: list[float] = []
    counts = {"errors": 0, "bytes": 0}

    def client(number: int) -> None:
        connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT_S)
        paths = list(scenario.paths)
        random.Random(number).shuffle(paths)
        mine: list[float] = []
        errors = 0
        size = 0
        turn = 0
        while (sent := time.perf_counter()) < deadline:
            path = paths[turn % len(paths)]
            turn += 1
            try:
                status, size = fetch(connection, path)
            except (OSError, http.client.HTTPException):
                status = 0
                connection.close()
                connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT_S)
            done = time.perf_counter()
            # Requests finishing inside the window count, whenever they were sent: with slow
            # answers and 16 clients, a request can wait in the queue longer than the warm-up.
            if measuring_from <= done <= deadline:
                if status == 200:
                    mine.append((done - sent) * 1000)
                else:
                    errors += 1
        connection.close()
        with lock:
            latencies.extend(mine)
            counts["errors"] += errors
            counts["bytes"] = max(counts["bytes"], size)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(scenario.clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Measure(
        scenario=scenario,
        requests=len(latencies),
        errors=counts["errors"],
        elapsed_s=duration_s,
        latencies_ms=sorted(latencies),
        body_bytes=counts["bytes"],
        cache=cache,
        load=load_average(),
    )


def verdict(measured: float, target: float | None, *, higher_is_better: bool = False) -> str:
    """« met » or « missed by x % », computed from the figure and its target."""
    if target is None or math.isnan(measured):  # no target, or no answer
        return "" if target is None else "not measured"
    ok = measured >= target if higher_is_better else measured <= target
    if ok:
        return "met"
    miss = (target - measured) / target if higher_is_better else (measured - target) / target
    return f"missed by {miss * 100:.0f} %"


def production_environment(var_dir: Path, *, redis_url: str = "") -> dict[str, str]:
    """A child's environment with the production settings on a throw-away database in
    `var_dir`: database cache (or Redis with `redis_url`), DEBUG off, no HTTPS redirect
    (the benchmark speaks plain HTTP to 127.0.0.1)."""
    env = bench_environment(var_dir)
    env.update(
        MAILLAGE_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(60),
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        SECURE_SSL_REDIRECT="0",
        SECURE_HSTS_SECONDS="0",
    )
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def redis_answers(url: str) -> bool:
    """Whether a Redis server answers PING at `url` (host and port only)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or HOST, parts.port or 6379), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def print_table(measures: list[Measure], *, duration_s: float, loads: tuple[str, str]) -> None:
    print()
    print(
        f"API under load: gunicorn {WORKERS} workers × {gunicorn_conf.threads} threads "
        f"({gunicorn_conf.worker_class}), production settings, SQLite, {PLACES} places, "
        f"{duration_s:.0f} s per row, keep-alive clients accepting gzip, varied requests"
    )
    print(
        f"The load generator (Python threads) shares the machine's {os.cpu_count()} cores with "
        "the server: the figures are a lower bound. Load average (1, 5, 15 min) before: "
        f"{loads[0]}; after: {loads[1]}; each row's at its end."
    )
    header = (
        f"{'endpoint':<19} {'cache':<8} {'body':<5} {'clients':>7} {'req/s':>6} {'target':>6} "
        f"{'verdict':<15} {'p50 ms':>7} {'p95 ms':>7} {'target':>6} {'verdict':<15} "
        f"{'KB':>5} {'err':>4}  load (1, 5, 15 min)"
    )
    print(header)
    print("-" * len(header))
    for item in measures:
        scenario = item.scenario
        rate, p95 = item.requests_per_s, item.percentile(0.95)
        body = (
            "warm"
            if scenario.cached and "geojson" in scenario.label
            else ("cold" if "geojson" in scenario.label else "")
        )
        print(
            f"{scenario.label:<19} {item.cache:<8} {body:<5} {scenario.clients:>7} {rate:>6.0f} "
            f"{scenario.min_requests_per_s or '':>6} "
            f"{verdict(rate, scenario.min_requests_per_s, higher_is_better=True):<15} "
            f"{item.percentile(0.5):>7.1f} {p95:>7.1f} {scenario.max_p95_ms or '':>6} "
            f"{verdict(p95, scenario.max_p95_ms):<15} {item.body_bytes / 1024:>5.0f} "
            f"{item.errors:>4}  {item.load}"
        )


def prepare(var_dir: Path) -> dict[str, str]:
    """Migrate a fresh SQLite database with the production settings, make the cache table,
    load the territories."""
    env = production_environment(var_dir)
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "createcachetable")
    manage(env, "load_territories")
    return env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.api_bench")
    parser.add_argument("--quick", action="store_true", help="3 s per endpoint instead of 10 s")
    parser.add_argument(
        "--only", default="", help="measure only the endpoints whose label holds this text"
    )
    parser.add_argument(
        "--redis-url",
        default=DEFAULT_REDIS_URL,
        help="measure the rows that read the cache again with REDIS_URL set to this server",
    )
    parser.add_argument("--no-redis", action="store_true", help="the database cache only")
    options = parser.parse_args(argv)
    duration_s, warmup_s = (3.0, 0.5) if options.quick else (10.0, 1.0)
    redis_url = "" if options.no_redis else options.redis_url
    if redis_url and not redis_answers(redis_url):
        print(f"No Redis server answers at {redis_url}: the database cache only.")
        redis_url = ""

    with tempfile.TemporaryDirectory(prefix="maillage-api-bench-") as tmp:
        var_dir = Path(tmp)
        print(f"Preparing a temporary database in {var_dir} (migrate, territories, places)…")
        env = prepare(var_dir)
        places = write_csv(var_dir / "places.csv", PLACES, communes=read_communes())
        run_import(env, places, rows=PLACES, source="bench")
        # WhiteNoise warns about a missing STATIC_ROOT; the API serves no static file.
        (var_dir / "static").mkdir()
        load_before = load_average()
        measures = []
        runs = [("database", env, False), ("database", env, True)]
        if redis_url:
            runs.append(("redis", {**env, "REDIS_URL": redis_url}, True))
        for cache, run_env, cached in runs:
            chosen = [
                scenario
                for scenario in SCENARIOS
                if scenario.cached == cached
                and options.only in scenario.label
                and (cache == "database" or scenario.uses_cache)
            ]
            if not chosen:
                continue
            port = free_port()
            server = start_server(run_env, port, cached=cached)
            try:
                for scenario in chosen:
                    print(
                        f"Measuring {scenario.label} with {scenario.clients} client(s), "
                        f"{cache} cache, GeoJSON cache {'on' if cached else 'off'}…",
                        flush=True,
                    )
                    measures.append(
                        measure(
                            port, scenario, duration_s=duration_s, warmup_s=warmup_s, cache=cache
                        )
                    )
            finally:
                stop_server(server)
        print_table(measures, duration_s=duration_s, loads=(load_before, load_average()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
