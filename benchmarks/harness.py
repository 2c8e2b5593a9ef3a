"""What the benchmarks that run Django in child processes share: a throw-away database, the
JSON a child prints, keep-alive HTTP clients under load, and how a figure meets its target.

A benchmark never writes the configured database: on PostgreSQL it creates a database
`<name>_bench_<what>` beside the one `DATABASE_URL` names and drops it at the end; on SQLite it
uses a file in a temporary directory. The parent process does not set Django up: each step that
needs it runs as `python -m benchmarks.<module> <flags>` with the environment of
`bench_environment`, and prints its result as JSON on its last line.
"""

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
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from benchmarks.import_bench import REPOSITORY, bench_environment, manage

HOST = "127.0.0.1"
REQUEST_TIMEOUT_S = 30


def is_postgres(url: str) -> bool:
    return url.startswith(("postgres://", "postgresql://"))


def _pg_execute(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(sql)


@dataclass(frozen=True)
class BenchDatabase:
    env: dict[str, str]  # the environment of the children and of the server
    label: str  # "PostgreSQL (maillage_bench_events)" or "SQLite (DATABASE_URL not set)"
    url: str  # what DATABASE_URL names for the children (a sqlite:/// file on SQLite)
    postgres: bool


@contextmanager
def throwaway_database(what: str) -> Iterator[BenchDatabase]:
    """A migrated database for one benchmark run, gone afterwards (see the module docstring)."""
    configured = os.environ.get("DATABASE_URL", "")
    postgres = is_postgres(configured)
    with tempfile.TemporaryDirectory(prefix=f"maillage-{what}-bench-") as tmp:
        var_dir = Path(tmp)
        (var_dir / "static").mkdir()
        env = bench_environment(var_dir)
        name = maintenance = ""
        if postgres:
            parts = urlsplit(configured)
            name = f"{parts.path.lstrip('/') or 'maillage'}_bench_{what}"
            env["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{name}"))
            maintenance = urlunsplit(parts._replace(path="/postgres"))
            _pg_execute(maintenance, f'DROP DATABASE IF EXISTS "{name}"')
            _pg_execute(maintenance, f'CREATE DATABASE "{name}"')
        label = f"PostgreSQL ({name})" if postgres else "SQLite (DATABASE_URL not set)"
        url = env.get("DATABASE_URL") or f"sqlite:///{var_dir / 'maillage.sqlite3'}"
        try:
            print(f"Preparing a throw-away database: {label}…")
            manage(env, "migrate", "--noinput", "-v", "0")
            yield BenchDatabase(env=env, label=label, url=url, postgres=postgres)
        finally:
            if postgres:
                _pg_execute(maintenance, f'DROP DATABASE IF EXISTS "{name}"')


def child_json(module: str, env: dict[str, str], *args: str) -> dict:
    """Run `python -m benchmarks.<module> *args` and return the JSON of its last line."""
    result = subprocess.run(
        [sys.executable, "-m", f"benchmarks.{module}", *args],
        env=env,
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"{module} {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


# A request of a client: method, path, body (or None), headers.
Request = tuple[str, str, str | None, dict[str, str]]


@dataclass
class Load:
    """What keep-alive clients got during the measured window: answers counted by the name
    `classify` gave them, and every latency (ms, sorted)."""

    counts: Counter[str] = field(default_factory=Counter)
    latencies_ms: list[float] = field(default_factory=list)

    @property
    def answered(self) -> int:
        return sum(self.counts.values())


def under_load(
    port: int,
    *,
    clients: int,
    duration_s: float,
    warmup_s: float,
    request: Callable[[random.Random, int], Request],
    classify: Callable[[int, bytes], str],
) -> Load:
    """`clients` threads, each on its own keep-alive connection with its own seeded random
    generator, send `request(rng, number)` in a loop; the answers of the `warmup_s` first
    seconds are not counted. A connection that fails is reopened and its answer is status 0."""
    measuring_from = time.perf_counter() + warmup_s
    deadline = measuring_from + duration_s
    lock = threading.Lock()
    load = Load()

    def client(number: int) -> None:
        rng = random.Random(number)
        connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT_S)
        mine: list[float] = []
        counts: Counter[str] = Counter()
        while (sent := time.perf_counter()) < deadline:
            method, path, body, headers = request(rng, number)
            try:
                connection.request(method, path, body=body, headers=headers)
                answer = connection.getresponse()
                status, content = answer.status, answer.read()
            except (OSError, http.client.HTTPException):
                status, content = 0, b""
                connection.close()
                connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT_S)
            done = time.perf_counter()
            if measuring_from <= done <= deadline:
                mine.append((done - sent) * 1000)
                counts[classify(status, content)] += 1
        connection.close()
        with lock:
            load.latencies_ms.extend(mine)
            load.counts.update(counts)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    load.latencies_ms.sort()
    return load


def get_latencies(
    port: int, path: str, *, requests: int, headers: dict[str, str] | None = None
) -> tuple[list[float], bytes]:
    """One keep-alive client asking `path` again and again: sorted latencies (ms) and the last
    body. Any answer but 200 stops the benchmark: it would measure an error page."""
    connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT_S)
    latencies = []
    body = b""
    for _ in range(requests):
        sent = time.perf_counter()
        connection.request("GET", path, headers=headers or {})
        answer = connection.getresponse()
        body = answer.read()
        latencies.append((time.perf_counter() - sent) * 1000)
        if answer.status != 200:
            raise RuntimeError(f"{path} answered {answer.status}: {body[:200]!r}")
    connection.close()
    return sorted(latencies), body


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


def cpu_per_request_ms(
    before_s: float | None, after_s: float | None, requests: int
) -> float | None:
    """The server's CPU time per answered request (ms) between two `server_cpu_s` readings;
    None where the CPU time cannot be read or nothing was answered. The warm-up's requests are
    on both sides of the division: all of the run's CPU, all of its answers."""
    if before_s is None or after_s is None or not requests:
        return None
    return (after_s - before_s) * 1000 / requests


# One line of a benchmark's table: what is measured, its value, its target and the verdict.
Row = tuple[str, str, str, str]


def print_table(rows: list[Row], *, label_width: int = 40) -> None:
    """The table the benchmarks print: measure, value, target and `ratio` (or ok/MISSED)."""
    header = f"{'measure':<{label_width}} {'value':>10} {'target':>10} {'ratio':>12}"
    print(header)
    print("-" * len(header))
    for label, value, target, verdict in rows:
        print(f"{label:<{label_width}} {value:>10} {target:>10} {verdict:>12}")


def percentile(values: list[float], fraction: float) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[round(fraction * 100) - 1]


def ratio(measured: float, target: float, *, higher_is_better: bool) -> str:
    """`measured / target` and whether it meets the target, for a table's last column."""
    value = measured / target
    ok = value >= 1 if higher_is_better else value <= 1
    return f"{value:.2f} {'ok' if ok else 'MISSED'}"
