"""API benchmark: the directory endpoints under load, served as in production.

A temporary SQLite database gets the reference territories and 5,000 generated places (through
the import service); gunicorn serves `maillage.wsgi` with the production settings of
`maillage/gunicorn_conf.py` and 2 workers on 127.0.0.1 and a free port, DEBUG off. A load
generator in this process keeps 16 clients busy (one thread and one keep-alive `http.client`
connection each) for a fixed duration per endpoint, then stops by itself.

Measured for each endpoint: requests per second, p50 and p95 latency, under 16 concurrent
clients; the GeoJSON answers are also timed with a single client, which is what a person
opening the map waits for. Clients send no conditional headers, so no answer is a 304.

The whole map's GeoJSON body is kept in Django's cache between changes (GEOJSON_CACHE_SECONDS):
it is measured twice, by a server with that cache off ("cold": every answer is built from the
database, the figure for the first visit after a change) and by one with it on ("warm": what
visits between two changes get).

Targets (issue 2 §9, a 2-core machine): the list (`?limit=100`) at ≥ 500 requests/s with
p95 < 50 ms; the 5,000-place GeoJSON in < 150 ms (checked on the single-client p95). The load
generator runs on the same cores as the server and takes part of them: the figures are a lower
bound of what the server alone would do.

    python -m benchmarks.api_bench [--quick] [--only LABEL]

The text searches (`?q=`) and the territory search are measured like the list, with targets of
≥ 250 requests/s and p95 < 100 ms.
"""

import argparse
import http.client
import os
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
    load_average,
    prepare_database,
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
LIST_PATH = "/api/v1/places?limit=100"
GEOJSON_PATH = "/api/v1/places.geojson"
COMPACT_PATH = "/api/v1/places.geojson?compact=1"
# Free-text search (places/search.py): a kind label matching ~1 place in 7, a word of every
# generated description (every place matches: the worst case for ranking), a typo; and the
# territory search behind the autocompletes (36,000 names).
SEARCH_PATHS = (
    ("list ?q=coworking", "/api/v1/places?limit=100&q=coworking"),
    ("list ?q=mesures", "/api/v1/places?limit=100&q=mesures"),
    ("list ?q=fablb", "/api/v1/places?limit=100&q=fablb"),
    ("territories ?q=pa", "/api/v1/territories?q=pa&limit=10"),
)


@dataclass(frozen=True)
class Scenario:
    label: str
    path: str
    clients: int
    min_requests_per_s: float | None = None
    max_p95_ms: float | None = None
    cached: bool = False  # served with the GeoJSON body cache on


def _geojson_scenarios(*, cached: bool) -> tuple[Scenario, ...]:
    return (
        Scenario("geojson (5,000)", GEOJSON_PATH, CLIENTS, cached=cached),
        Scenario("geojson compact", COMPACT_PATH, CLIENTS, cached=cached),
        Scenario("geojson (5,000)", GEOJSON_PATH, 1, max_p95_ms=150, cached=cached),
        Scenario("geojson compact", COMPACT_PATH, 1, max_p95_ms=150, cached=cached),
    )


SCENARIOS = (
    Scenario("list ?limit=100", LIST_PATH, CLIENTS, min_requests_per_s=500, max_p95_ms=50),
    # A text search ranks every match before it pages: half the plain list's rate, p95 < 100 ms.
    *(
        Scenario(label, path, CLIENTS, min_requests_per_s=250, max_p95_ms=100)
        for label, path in SEARCH_PATHS
    ),
    *_geojson_scenarios(cached=False),
    *_geojson_scenarios(cached=True),
)


@dataclass(frozen=True)
class Measure:
    scenario: Scenario
    requests: int
    errors: int
    elapsed_s: float
    latencies_ms: list[float]
    body_bytes: int

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
    connection.request("GET", path)
    response = connection.getresponse()
    return response.status, len(response.read())


def measure(port: int, scenario: Scenario, *, duration_s: float, warmup_s: float) -> Measure:
    """Keep `scenario.clients` clients busy for `duration_s` after `warmup_s` of warm-up."""
    started = time.perf_counter()
    measuring_from = started + warmup_s
    deadline = measuring_from + duration_s
    lock = threading.Lock()
    latencies: list[float] = []
    counts = {"errors": 0, "bytes": 0}

    def client() -> None:
        connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT_S)
        mine: list[float] = []
        errors = 0
        size = 0
        while (sent := time.perf_counter()) < deadline:
            try:
                status, size = fetch(connection, scenario.path)
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

    threads = [threading.Thread(target=client) for _ in range(scenario.clients)]
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
    )


def _ratio(measured: float, target: float | None, *, higher_is_better: bool) -> str:
    if target is None:
        return ""
    ratio = measured / target
    ok = ratio >= 1 if higher_is_better else ratio <= 1
    return f"{ratio:.2f} {'ok' if ok else 'MISSED'}"


def print_table(measures: list[Measure], *, duration_s: float, loads: tuple[str, str]) -> None:
    print()
    print(
        f"API under load: gunicorn {WORKERS} workers × {gunicorn_conf.threads} threads "
        f"({gunicorn_conf.worker_class}), SQLite, {PLACES} places, {duration_s:.0f} s per row, "
        "keep-alive clients"
    )
    print(
        f"The load generator (Python threads) shares the machine's {os.cpu_count()} cores with "
        "the server: the figures are a lower bound. Load average (1, 5, 15 min) before: "
        f"{loads[0]}; after: {loads[1]}."
    )
    header = (
        f"{'endpoint':<17} {'cache':<5} {'clients':>7} {'req/s':>7} {'target':>6} {'ratio':>10} "
        f"{'p50 ms':>7} {'p95 ms':>7} {'target':>6} {'ratio':>10} {'KB':>6} {'errors':>6}"
    )
    print(header)
    print("-" * len(header))
    for item in measures:
        scenario = item.scenario
        rate, p95 = item.requests_per_s, item.percentile(0.95)
        rate_ratio = _ratio(rate, scenario.min_requests_per_s, higher_is_better=True)
        p95_ratio = _ratio(p95, scenario.max_p95_ms, higher_is_better=False)
        cache = "warm" if scenario.cached else "cold" if "geojson" in scenario.path else ""
        print(
            f"{scenario.label:<17} {cache:<5} {scenario.clients:>7} {rate:>7.0f} "
            f"{scenario.min_requests_per_s or '':>6} {rate_ratio:>10} "
            f"{item.percentile(0.5):>7.1f} {p95:>7.1f} {scenario.max_p95_ms or '':>6} "
            f"{p95_ratio:>10} {item.body_bytes / 1024:>6.0f} {item.errors:>6}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.api_bench")
    parser.add_argument("--quick", action="store_true", help="3 s per endpoint instead of 10 s")
    parser.add_argument(
        "--only", default="", help="measure only the endpoints whose label holds this text"
    )
    options = parser.parse_args(argv)
    duration_s, warmup_s = (3.0, 0.5) if options.quick else (10.0, 1.0)

    with tempfile.TemporaryDirectory(prefix="maillage-api-bench-") as tmp:
        var_dir = Path(tmp)
        print(f"Preparing a temporary database in {var_dir} (migrate, territories, places)…")
        env = prepare_database(var_dir)
        places = write_csv(var_dir / "places.csv", PLACES, communes=read_communes())
        run_import(env, places, rows=PLACES, source="bench")
        # WhiteNoise warns about a missing STATIC_ROOT; the API serves no static file.
        (var_dir / "static").mkdir()
        load_before = load_average()
        measures = []
        for cached in (False, True):
            if not any(s.cached == cached and options.only in s.label for s in SCENARIOS):
                continue
            port = free_port()
            server = start_server(env, port, cached=cached)
            try:
                for scenario in SCENARIOS:
                    if scenario.cached != cached or options.only not in scenario.label:
                        continue
                    print(
                        f"Measuring {scenario.label} with {scenario.clients} client(s), "
                        f"GeoJSON cache {'on' if cached else 'off'}…"
                    )
                    measures.append(
                        measure(port, scenario, duration_s=duration_s, warmup_s=warmup_s)
                    )
            finally:
                stop_server(server)
        print_table(measures, duration_s=duration_s, loads=(load_before, load_average()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
