"""Background jobs through database outages: a broken connection under a running job, a locked
SQLite file, errors in the worker's own loop. The job completes or fails cleanly, never stays
`running`, and the worker goes on to the next job.

These tests commit (`transaction=True`): a lost connection takes any open transaction with it,
and the job's retries only happen outside one, as in a worker.
"""

import sqlite3

import psycopg
import pytest
from django.core.files.base import ContentFile
from django.db import InterfaceError, OperationalError, connection, connections
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult, DBTaskResultQuerySet

from maillage.common import jobs
from maillage.common.management.commands.db_worker import ResilientWorker
from maillage.opendata import services
from maillage.opendata.models import ImportJob, ImportState
from maillage.planning.models import PlanJob, PlanState
from maillage.planning.services import create_plan_job, run_plan_job
from tests.accounts.factories import AdminFactory, UserFactory
from tests.territories.factories import load_reference_sample

pytestmark = pytest.mark.django_db(transaction=True)

CSV = b"source_id,name,kinds,insee_code\n1,La Fabrique,fablab,64445\n2,Le Cowork,coworking,64348\n"


@pytest.fixture(autouse=True)
def worker_settings(settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.JOB_RETRY_DELAY_SECONDS = 0
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    # Every upload goes to the task worker, as a large file would.
    monkeypatch.setattr(services, "INLINE_MAX_BYTES", 0)
    monkeypatch.setattr(services, "PROGRESS_EVERY_ROWS", 1)
    load_reference_sample()


def worker() -> ResilientWorker:
    """A worker that runs every queued task, then stops."""
    return ResilientWorker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )


def queue_import(admin, name: str) -> ImportJob:
    job = services.create_import_job(
        actor=admin, source=name, file=ContentFile(CSV, name=f"{name}.csv")
    )
    return services.launch_import_job(job=job)


class ConnectionBreaker:
    """Breaks the job's database connection from another connection, the first time it is
    called (from inside the running job).

    PostgreSQL: the other connection ends the job's server process (`pg_terminate_backend`), as
    a server restart would. SQLite: the other connection takes the write lock and keeps it
    until the job's first pause before a retry, longer than the job's busy timeout.
    """

    def __init__(self, monkeypatch):
        self.broken = 0
        self.lock: sqlite3.Connection | None = None
        original_pause = jobs.pause

        def unlock_then_pause(seconds: float) -> None:
            self.release()
            original_pause(seconds)

        monkeypatch.setattr(jobs, "pause", unlock_then_pause)

    def __call__(self) -> None:
        if self.broken:
            return
        self.broken += 1
        if connection.vendor == "postgresql":
            pid = connection.connection.info.backend_pid
            params = connection.settings_dict
            with psycopg.connect(
                dbname=params["NAME"],
                user=params["USER"],
                password=params["PASSWORD"],
                host=params["HOST"],
                port=params["PORT"] or None,
                autocommit=True,
            ) as other:
                other.execute("SELECT pg_terminate_backend(%s)", [pid])
        else:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA busy_timeout = 50")
            self.lock = sqlite3.connect(
                connection.settings_dict["NAME"], uri=True, isolation_level=None
            )
            self.lock.execute("BEGIN IMMEDIATE")
            self.lock.execute("UPDATE accounts_user SET username = username")

    def release(self) -> None:
        if self.lock is not None:
            self.lock.execute("ROLLBACK")
            self.lock.close()
            self.lock = None


def test_a_broken_connection_under_a_running_import_is_survived(monkeypatch):
    """The job's connection is broken while it runs: the job completes, and the worker then
    runs the next job."""
    breaker = ConnectionBreaker(monkeypatch)
    original = services.record_import_progress

    def progress_then_break(*, job, rows_done):
        if job.source == "first":
            breaker()
        original(job=job, rows_done=rows_done)

    monkeypatch.setattr(services, "record_import_progress", progress_then_break)
    admin = AdminFactory()
    first, second = queue_import(admin, "first"), queue_import(admin, "second")
    assert (first.state, second.state) == (ImportState.PENDING, ImportState.PENDING)

    worker().run()
    breaker.release()

    assert breaker.broken == 1
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, first.created_count, first.progress_done) == (ImportState.SUCCEEDED, 2, 2)
    assert (second.state, second.created_count) == (ImportState.SUCCEEDED, 2)
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {
        TaskResultStatus.SUCCESSFUL
    }


def test_a_database_that_stays_unavailable_fails_the_job_cleanly(monkeypatch, settings):
    """Every attempt meets a locked database: the job ends failed with a message saying so
    (not `running`), and the next job still runs."""
    settings.JOB_RETRY_ATTEMPTS = 3
    attempts = []
    original = services.import_places

    def locked_for_the_first(**kwargs):
        if kwargs["source"] == "first":
            attempts.append(1)
            raise OperationalError("database is locked")
        return original(**kwargs)

    monkeypatch.setattr(services, "import_places", locked_for_the_first)
    admin = AdminFactory()
    first, second = queue_import(admin, "first"), queue_import(admin, "second")

    worker().run()

    first.refresh_from_db()
    second.refresh_from_db()
    assert len(attempts) == 3
    assert first.state == ImportState.FAILED
    assert "base de données est restée inaccessible" in first.error_message
    assert first.finished_at is not None
    assert second.state == ImportState.SUCCEEDED


def test_transient_errors_are_retried_until_they_pass(monkeypatch):
    """A plan whose computation meets a lost connection twice is computed at the third try."""
    from maillage.planning import services as plan_services

    calls = []
    original = plan_services.analyse_plan

    def flaky(**kwargs):
        calls.append(1)
        if len(calls) <= 2:
            raise InterfaceError("connection already closed")
        return original(**kwargs)

    monkeypatch.setattr(plan_services, "analyse_plan", flaky)
    job = create_plan_job(actor=UserFactory(), territory="64", kind="fablab", radius_km=10, n_new=1)
    job = run_plan_job(job_id=job.pk)
    assert len(calls) == 3
    assert PlanJob.objects.get(pk=job.pk).state == PlanState.SUCCEEDED


def test_a_bug_is_not_retried(monkeypatch):
    """An error that no retry can fix (here SQLite's "no such table", or any other exception)
    fails the job at the first attempt."""
    calls = []

    def broken(**kwargs):
        calls.append(1)
        raise ValueError("a bug")

    monkeypatch.setattr(services, "import_places", broken)
    job = queue_import(AdminFactory(), "first")
    job = services.run_import_job(job_id=job.pk)
    assert (len(calls), job.state) == (1, ImportState.FAILED)
    assert "erreur inattendue" in job.error_message


def test_the_worker_loop_survives_a_broken_connection(monkeypatch):
    """The worker's connection is broken just before it fetches the next task (where
    django-tasks-db lets the error end the process): the worker waits, fetches again and runs
    the task."""
    breaker = ConnectionBreaker(monkeypatch)
    manager = type(DBTaskResult.objects)
    original = manager.ready
    refused = []
    wrapper = type(connections["default"])
    original_connect = wrapper.get_new_connection

    def refuse_once(self, params):
        # Django's health check reconnects at once after the kill: the server, still
        # restarting, refuses that first new connection.
        if not refused:
            refused.append(1)
            raise psycopg.OperationalError("connection refused: the server is starting up")
        return original_connect(self, params)

    def break_then_ready(self):
        if not breaker.broken and connection.vendor == "postgresql":
            monkeypatch.setattr(wrapper, "get_new_connection", refuse_once)
        breaker()
        return original(self)

    job = queue_import(AdminFactory(), "first")
    monkeypatch.setattr(manager, "ready", break_then_ready)
    broken = []
    original_reset = jobs.reset_broken_connections
    monkeypatch.setattr(
        jobs, "reset_broken_connections", lambda: (broken.append(1), original_reset())
    )

    worker().run()
    breaker.release()

    assert breaker.broken == 1
    assert broken, "the worker did not meet the broken connection"
    job.refresh_from_db()
    assert job.state == ImportState.SUCCEEDED


def test_the_worker_loop_still_stops_on_a_bug(monkeypatch):
    """An error that is not about the database's availability ends the worker, for its
    supervisor to restart it."""

    def bug(self):
        raise ValueError("a bug")

    monkeypatch.setattr(DBTaskResultQuerySet, "get_locked", bug)
    queue_import(AdminFactory(), "first")
    with pytest.raises(ValueError, match="a bug"):
        worker().run()


def test_which_errors_are_transient():
    """Lost connections and locks are; on SQLite a missing table is a bug, while psycopg's
    OperationalErrors are all about the server."""
    assert jobs.is_transient(InterfaceError("connection already closed"))
    assert jobs.is_transient(OperationalError("database is locked"))
    assert jobs.is_transient(OperationalError("database table is locked: opendata_importjob"))
    assert not jobs.is_transient(ValueError("database is locked"))
    assert jobs.is_transient(OperationalError("no such table: x")) is (
        connection.vendor != "sqlite"
    )


def test_pauses_grow_and_are_capped(settings):
    settings.JOB_RETRY_DELAY_SECONDS = 1
    assert [jobs.retry_delay_s(attempt) for attempt in range(1, 8)] == [1, 2, 4, 8, 16, 30, 30]
