"""`maillage db_worker`: django-tasks-db's worker, kept alive through database outages.

django-tasks-db's loop (`Worker.run`, version 0.13) fetches and claims a task inside a
transaction and only forgives "database is locked" raised by the fetch itself. Opening that
transaction (`BEGIN EXCLUSIVE` on SQLite, which waits for the busy timeout while an import holds
the write lock), a lost PostgreSQL connection, or saving a task's outcome while the server is
down all raise out of the loop and end the process. Here such transient errors are logged and
the loop starts again after a growing pause; any other error still ends the worker, for its
supervisor (systemd, `make run`) to restart it. Options are those of django-tasks-db.
"""

import logging
import os
import time

from django.core.management.base import CommandError
from django.db import InterfaceError, OperationalError
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django.utils.translation import gettext as _
from django_tasks_db.management.commands import db_worker

from maillage.common import jobs

logger = logging.getLogger(__name__)


class ResilientWorker(db_worker.Worker):
    """A worker whose loop survives transient database errors (see the module docstring)."""

    def run(self) -> None:
        failures = 0
        while self.running:
            started = time.monotonic()
            try:
                return super().run()
            except (OperationalError, InterfaceError) as exc:
                if not jobs.is_transient(exc):
                    raise
                # A loop that ran well for a while before failing starts its pauses afresh.
                if time.monotonic() - started > jobs.MAX_RETRY_DELAY_S:
                    failures = 0
                failures += 1
                delay = jobs.retry_delay_s(failures)
                logger.warning(
                    "worker %s: database unavailable (%s); trying again in %.1f s",
                    self.worker_id,
                    exc,
                    delay,
                )
                jobs.reset_broken_connections()
                jobs.pause(delay)
        return None


class Command(db_worker.Command):
    help = _(
        "Exécute les tâches de fond (imports volumineux, planifications) ; survit aux "
        "coupures de la base de données."
    )

    def handle(
        self,
        *,
        verbosity: int,
        queue_name: str,
        interval: float,
        batch: bool,
        backend_name: str,
        startup_delay: bool,
        reload: bool,
        max_tasks: int | None,
        worker_id: str,
        exclude_queues: str,
        **options,
    ) -> None:
        # The parent's handle(), building a ResilientWorker instead of its Worker.
        self.configure_logging(verbosity)
        if reload and batch:
            logger.warning("--reload and --batch cannot be specified together: no autoreload.")
            reload = False
        queue_names = queue_name.split(",")
        excluded_queue_names = exclude_queues.split(",") if exclude_queues else []
        if excluded_queue_names and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = ResilientWorker(
            queue_names=queue_names,
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=excluded_queue_names,
        )
        if reload:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()  # only in the reloaded child, as the parent does
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
