"""Gunicorn settings for serving Maillage in production.

    gunicorn -c python:maillage.gunicorn_conf maillage.wsgi

Any setting can be changed without editing this file, with `GUNICORN_CMD_ARGS` (for example
`GUNICORN_CMD_ARGS="--bind 0.0.0.0:8000 --threads 4"`) or on the command line, both of which
win over this file; `WEB_CONCURRENCY` sets the number of worker processes.
"""

import gc
import os

bind = "127.0.0.1:8000"
# Requests are Python work, and the threads of a process share one core (the GIL): one process
# per core serves the most.
workers = int(os.environ.get("WEB_CONCURRENCY") or os.cpu_count() or 1)
# Two threads per process: one answers while the other waits on the network or the database.
# With SQLite, 1 and 2 served as many requests, 4 fewer and with a longer tail of slow answers
# (`python -m benchmarks api`); more may pay off when the database is farther away (PostgreSQL).
worker_class = "gthread"
threads = 2
keepalive = 30
# Load the application once, in the master process: workers start at once (and again after a
# crash), and share the loaded code's memory with it.
preload_app = True
# Access logs are the reverse proxy's job; errors still go to standard error.
accesslog = None


def when_ready(server) -> None:
    """In the master, the application loaded, before the first worker is forked.

    Django, the apps and the URL configuration are a few hundred thousand objects that are never
    garbage: frozen, full collections stop scanning them (and stop writing to their pages, which
    the workers share). A larger first threshold makes young collections rarer while a request
    builds thousands of rows, rows that hold no reference cycle: reference counting frees them.
    Together they take about a third off building the 5,000-place GeoJSON.
    """
    from django.db import connections
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports every view module now, before freezing
    # Workers must not inherit a database connection opened while loading.
    connections.close_all()
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)
