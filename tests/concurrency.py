"""Concurrency harness: the real application server and N parallel HTTP clients.

A test of an invariant under concurrency (a capacity that must not be exceeded, writes that must
not fail while an import runs) needs what production has: several server processes and threads
writing to one database at the same time. pytest-django's `live_server` is one threaded server
inside the test process, sharing its GIL (and, on an in-memory SQLite database, its single
connection), so it cannot show that. This module starts gunicorn as `maillage/gunicorn_conf.py`
configures it (gthread workers, application preloaded) in a child process, on 127.0.0.1 only and
a socket bound to a free port, against a database given by its URL, and fires requests from
client threads (`http.client`, a new connection per request), bounded in count and in time.

With pytest, use the fixture `app_server` (tests/conftest.py): a server started once per
session against the test database, which is a file on SQLite (the in-memory default cannot be
shared with another process) and the test database on PostgreSQL. The server sees committed
data only, so a test using it also asks for `transactional_db`, and it runs the settings module
of the test process (`tests.settings`) with the variables of its environment: the `settings`
fixture does not reach it.

    from tests.concurrency import Call, send_all, ClientPool

    # N calls sent at once by `clients` threads (a barrier releases them together); responses
    # come back in the order of `calls`.
    responses = send_all(app_server.url, [Call("POST", "/api/v1/places", body, token)] * 20,
                         clients=20)

    # Clients send `make_call(client, n)` in a loop while the block runs (at most `max_s`),
    # e.g. writes during a long import; `pool.responses` holds every answer once the block ends.
    with ClientPool(app_server.url, make_call, clients=4, max_s=120) as pool:
        import_places(...)
    assert {response.status for response in pool.responses} == {200}

Each `Response` records the client, the status (0 when no answer came: refused, reset or timed
out, with `error` set), the body, when it was sent (`time.perf_counter()`, to compare with
events of the test) and how long it took. `summary(responses)` counts the statuses and gives
latency percentiles, for benchmarks.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

HOST = "127.0.0.1"
REPOSITORY = Path(__file__).resolve().parent.parent
STARTUP_TIMEOUT_S = 60
REQUEST_TIMEOUT_S = 30
MAX_CLIENTS = 64  # bounded: a test that wants more is measuring the machine, not the code


@dataclass(frozen=True)
class Call:
    """One HTTP request: `body` is sent as JSON, `token` as `Authorization: Bearer`."""

    method: str
    path: str
    body: Any = None
    token: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Response:
    call: Call
    client: int
    status: int  # 0: no answer (see `error`)
    body: bytes
    sent_at: float  # time.perf_counter() when it was sent
    elapsed_s: float
    error: str = ""

    def json(self) -> Any:
        return json.loads(self.body)


def _send(base_url: str, call: Call, *, client: int) -> Response:
    parts = urlsplit(base_url)
    headers = {"Accept": "application/json", **call.headers}
    body = None
    if call.body is not None:
        body = json.dumps(call.body).encode()
        headers["Content-Type"] = "application/json"
    if call.token is not None:
        headers["Authorization"] = f"Bearer {call.token}"
    sent = time.perf_counter()
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=REQUEST_TIMEOUT_S)
    try:
        connection.request(call.method, call.path, body=body, headers=headers)
        answer = connection.getresponse()
        status, content, error = answer.status, answer.read(), ""
    except (OSError, http.client.HTTPException) as exc:
        status, content, error = 0, b"", f"{type(exc).__name__}: {exc}"
    finally:
        connection.close()
    done = time.perf_counter()
    return Response(call, client, status, content, sent, done - sent, error)


def _check_clients(clients: int) -> None:
    if not 1 <= clients <= MAX_CLIENTS:
        raise ValueError(f"clients must be between 1 and {MAX_CLIENTS}, not {clients}")


def send_all(base_url: str, calls: Sequence[Call], *, clients: int) -> list[Response]:
    """Send every call once from `clients` threads started together; responses in call order."""
    _check_clients(clients)
    results: list[Response | None] = [None] * len(calls)
    next_index = iter(range(len(calls)))
    lock = threading.Lock()
    barrier = threading.Barrier(clients)

    def client(number: int) -> None:
        barrier.wait()
        while True:
            with lock:
                index = next(next_index, None)
            if index is None:
                return
            results[index] = _send(base_url, calls[index], client=number)

    threads = [threading.Thread(target=client, args=(number,)) for number in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


class ClientPool:
    """Clients sending `make_call(client, n)` (n = 0, 1, … per client) until the block ends.

    Bounded: each client stops after `max_requests`, and all of them after `max_s` seconds even
    if the block is still running; `pause_s` between two requests of a client paces the load.
    """

    def __init__(
        self,
        base_url: str,
        make_call: Callable[[int, int], Call],
        *,
        clients: int,
        max_s: float,
        max_requests: int = 10_000,
        pause_s: float = 0.0,
    ) -> None:
        _check_clients(clients)
        self.base_url, self.make_call = base_url, make_call
        self.clients, self.max_s = clients, max_s
        self.max_requests, self.pause_s = max_requests, pause_s
        self.responses: list[Response] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def __enter__(self) -> ClientPool:
        deadline = time.perf_counter() + self.max_s

        barrier = threading.Barrier(self.clients)

        def client(number: int) -> None:
            barrier.wait()
            mine = []
            for n in range(self.max_requests):
                if self._stop.is_set() or time.perf_counter() >= deadline:
                    break
                call = self.make_call(number, n)
                mine.append(_send(self.base_url, call, client=number))
                if self.pause_s:
                    self._stop.wait(self.pause_s)
            with self._lock:
                self.responses.extend(mine)

        self._threads = [
            threading.Thread(target=client, args=(number,)) for number in range(self.clients)
        ]
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()
        self.responses.sort(key=lambda response: response.sent_at)


def summary(responses: Sequence[Response]) -> dict[str, Any]:
    """Statuses counted, and latency (ms) max / p95 / p50 of the answered requests."""
    latencies = sorted(response.elapsed_s * 1000 for response in responses if response.status)
    result: dict[str, Any] = {"count": len(responses), "statuses": Counter()}
    result["statuses"].update(response.status for response in responses)
    if latencies:
        result["max_ms"] = latencies[-1]
        result["p50_ms"] = statistics.median(latencies)
        result["p95_ms"] = (
            statistics.quantiles(latencies, n=20, method="inclusive")[-1]
            if len(latencies) > 1
            else latencies[0]
        )
    return result


@dataclass
class AppServer:
    """gunicorn serving `maillage.wsgi` in a child process; `url` is its base URL."""

    process: subprocess.Popen
    url: str
    var_dir: Path

    @classmethod
    def start(
        cls,
        *,
        database_url: str,
        workers: int = 2,
        threads: int = 2,
        env: Mapping[str, str] | None = None,
        settings_module: str | None = None,
    ) -> AppServer:
        """Start gunicorn against `database_url` and return once it answers.

        The listening socket is bound here (127.0.0.1, a free port) and handed to gunicorn
        (`fd://`), so no other process can take the port in between. `env` adds or overrides
        environment variables of the server (e.g. `GEOJSON_CACHE_SECONDS`). The server runs
        `settings_module`, by default the one of this process: under pytest `tests.settings`,
        so that it serves the test-only app (tests/capacity_app) as the tests see it.
        """
        settings_module = settings_module or os.environ.get(
            "DJANGO_SETTINGS_MODULE", "maillage.settings"
        )
        var_dir = Path(tempfile.mkdtemp(prefix="maillage-app-server-"))
        # WhiteNoise warns about a missing STATIC_ROOT; the secret key is generated in var_dir.
        (var_dir / "static").mkdir()
        child_env = {
            key: value
            for key, value in os.environ.items()
            # A test may have set these for its own process; the server runs as in production.
            if key not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_URL"}
        }
        child_env.update(
            DATABASE_URL=database_url,
            MAILLAGE_VAR_DIR=str(var_dir),
            MAILLAGE_ENV="development",
            DEBUG="0",
            LOG_LEVEL="WARNING",
            DJANGO_SETTINGS_MODULE=settings_module,
            PYTHONPATH=os.pathsep.join(
                filter(None, [str(REPOSITORY), os.environ.get("PYTHONPATH")])
            ),
            **(env or {}),
        )
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((HOST, 0))
        listener.listen(128)
        port = listener.getsockname()[1]
        try:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "maillage.wsgi",
                    "--config",
                    "python:maillage.gunicorn_conf",
                    "--workers",
                    str(workers),
                    "--threads",
                    str(threads),
                    "--bind",
                    f"fd://{listener.fileno()}",
                    "--log-level",
                    "warning",
                ],
                env=child_env,
                cwd=REPOSITORY,
                pass_fds=[listener.fileno()],
            )
        finally:
            listener.close()
        server = cls(process=process, url=f"http://{HOST}:{port}", var_dir=var_dir)
        server._wait_until_ready()
        return server

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with status {self.process.returncode}")
            response = _send(self.url, Call("GET", "/api/v1/kinds"), client=0)
            if response.status == 200:
                return
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer within {STARTUP_TIMEOUT_S} s")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.var_dir, ignore_errors=True)


def database_url(settings_dict: Mapping[str, Any]) -> str:
    """The URL (`DATABASE_URL`) of a Django database's settings, e.g. the test database's."""
    name = str(settings_dict["NAME"])
    if settings_dict["ENGINE"] == "django.db.backends.sqlite3":
        if name == ":memory:" or "mode=memory" in name:
            raise ValueError("an in-memory SQLite database cannot be shared with a server process")
        return f"sqlite:///{Path(name).resolve()}"
    if "postgresql" not in settings_dict["ENGINE"]:
        raise ValueError(f"no URL for the database engine {settings_dict['ENGINE']}")
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else f"{user}@" if user else ""
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    return f"postgres://{credentials}{host}{port}/{quote(name, safe='')}"


@contextmanager
def app_server_for(settings_dict: Mapping[str, Any], **options: Any) -> Iterator[AppServer]:
    """An `AppServer` against the database of `settings_dict`, stopped at the end."""
    server = AppServer.start(database_url=database_url(settings_dict), **options)
    try:
        yield server
    finally:
        server.stop()
