"""What every background job shares: surviving transient database errors, the runner that takes a
job from pending to its end, the moves of its lifecycle (start, progress, finish, fail, retry),
the "stalled" verdict, and the per-user quota.

Import jobs (`opendata`) and plan jobs (`planning`) both use it; their models inherit
`common.models.Job`: the states `pending`, `running`, `succeeded`, `failed`, the transitions,
and an `updated_at` that every progress update bumps (the heartbeat).

Transient errors are the ones a later attempt can get past: SQLite's "database is locked" while
another process holds the write lock longer than the busy timeout, or a PostgreSQL connection
lost (server restarted, `pg_terminate_backend`, network cut). They are retried with an
exponential backoff (`JOB_RETRY_ATTEMPTS` attempts, `JOB_RETRY_DELAY_SECONDS` doubling up to
MAX_RETRY_DELAY_S), after closing the broken connection so the next attempt opens a new one.
"""

import logging
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import InterfaceError, OperationalError, close_old_connections, models, transaction
from django.db import connection as default_connection
from django.utils import timezone
from django.utils.translation import gettext_noop

from .errors import ErrorCode, FieldError, PermissionDenied, ValidationFailed, stored_message
from .lifecycle import IllegalTransition, move_state

if TYPE_CHECKING:
    from .models import Job

logger = logging.getLogger(__name__)

T = TypeVar("T")
J = TypeVar("J", bound=models.Model)
R = TypeVar("R")
JobT = TypeVar("JobT", bound="Job")

PENDING, RUNNING, SUCCEEDED, FAILED = "pending", "running", "succeeded", "failed"
ACTIVE_STATES = (PENDING, RUNNING)
MAX_RETRY_DELAY_S = 30.0
# SQLite reports its transient conditions as OperationalError with these words; its other
# OperationalErrors ("no such table", a syntax error) are bugs that no retry fixes.
SQLITE_TRANSIENT_WORDS = ("locked", "busy", "disk i/o error", "unable to open")


def is_transient(exc: BaseException) -> bool:
    """Whether a later attempt may succeed where `exc` stopped this one.

    InterfaceError is a closed or broken connection. On PostgreSQL (psycopg) every
    OperationalError is about the connection or the server (lost connection, administrator
    shutdown, serialisation failure, deadlock); on SQLite only locks and I/O are.
    """
    if isinstance(exc, InterfaceError):
        return True
    if not isinstance(exc, OperationalError):
        return False
    if default_connection.vendor != "sqlite":
        return True
    message = str(exc).lower()
    return any(word in message for word in SQLITE_TRANSIENT_WORDS)


def retry_delay_s(attempt: int) -> float:
    """The pause after failed attempt number `attempt` (1-based): the base delay, doubled each
    time, at most MAX_RETRY_DELAY_S.
    """
    return min(settings.JOB_RETRY_DELAY_SECONDS * 2 ** (attempt - 1), MAX_RETRY_DELAY_S)


def pause(seconds: float) -> None:
    """The wait between two attempts (one place for tests to step in)."""
    time.sleep(seconds)


def reset_broken_connections() -> None:
    """Close the connections an error left unusable, so the next query opens a fresh one.

    Only outside a transaction (Django would close one in a transaction too, dropping its
    owner's work): `retry_transient` does not retry inside one, and the worker's loop is
    outside its fetching transaction when it gets here.
    """
    close_old_connections()


def retry_transient(func: Callable[[], T], *, what: str) -> T:
    """`func()`, attempted again after a transient database error, up to JOB_RETRY_ATTEMPTS
    times with a growing pause; the last error is raised as it is.

    `func` must be safe to repeat (it is re-run from its start). Inside a transaction nothing is
    retried: the failed statement has already spoilt the transaction, which only its owner can
    roll back and start again. `what` names the work in the logs.
    """
    attempts = max(1, settings.JOB_RETRY_ATTEMPTS)
    for attempt in range(1, attempts + 1):
        try:
            return func()
        except (OperationalError, InterfaceError) as exc:
            if not is_transient(exc) or attempt == attempts or default_connection.in_atomic_block:
                raise
            delay = retry_delay_s(attempt)
            logger.warning(
                "%s: transient database error (%s), attempt %d of %d; retrying in %.1f s",
                what,
                exc,
                attempt,
                attempts,
                delay,
            )
            reset_broken_connections()
            pause(delay)
            reset_broken_connections()
    raise AssertionError("unreachable: the last attempt returns or raises")


# A coded stop reason (docs/data.md, « Import error codes »): a job that stores its reason's
# code (an import) renders it again in its reader's language.
DATABASE_UNAVAILABLE = ErrorCode(
    "job.database_unavailable",
    gettext_noop(
        "La base de données est restée inaccessible pendant le travail ; il a été "
        "arrêté. Relancez-le quand elle sera de nouveau disponible."
    ),
)


class AuthorRefused(PermissionDenied):
    """The person who queued a job was deleted or lost the right to run it: it does not run.
    Carries the message the job fails with.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def job_author(job, *, allowed: Callable[[object], bool], deleted: str, refused: str):
    """The user who queued `job`, read again now, if they still hold the right `allowed`;
    AuthorRefused with `deleted` or `refused` (sentences for the job page) otherwise.

    A job runs with the rights of the person who queued it, checked when it runs, not when it
    was queued: an account deleted (`created_by` set to NULL) or demoted in between stops it,
    and it never falls back on the system's rights.
    """
    user_model = job._meta.get_field("created_by").related_model
    author_id = type(job).objects.filter(pk=job.pk).values_list("created_by", flat=True).first()
    author = user_model.objects.filter(pk=author_id).first() if author_id is not None else None
    if author is None:
        raise AuthorRefused(deleted)
    if not allowed(author):
        raise AuthorRefused(refused)
    return author


def run_job(
    model: type[J],
    job_id: int,
    *,
    related: tuple[str, ...] = (),
    start: Callable[[J], J] | None = None,
    work: Callable[[J], R],
    finish: Callable[[J, R], J],
    fail: Callable[[J, str], J] | None = None,
    explain: Callable[[Exception], str | None] | None = None,
    unexpected_message: str,
) -> J:
    """Take the pending job `job_id` of `model` (read with its `related` objects) to its end:
    `start` it (`start_job` by default), do its `work`, then `finish` it with the outcome, or
    `fail` it (`fail_job` by default) with a message a person understands.

    Each step is retried on transient database errors (`work` is re-run from its start, so it
    must be repeatable: imports are, since they match rows on their source ids; plans only read).
    `work` starts with `job_author`, so a job whose author was deleted or demoted fails with
    the AuthorRefused message. `explain(exc)` gives the message for another expected failure,
    or None for an unexpected one,
    which is logged with its traceback and stored as `unexpected_message`. A database that stays
    unavailable fails the job with a message saying so. A job another worker has already taken
    (start refused) is returned as it is. If even `fail` cannot reach the database, the error
    propagates and the job stays running until it is shown stalled and retried.
    """
    label = f"{model._meta.model_name} {job_id}"
    job = retry_transient(
        lambda: model._default_manager.select_related(*related).get(pk=job_id), what=label
    )
    begin = start or start_job
    stop = fail or (lambda job, message: fail_job(job, message=message))
    try:
        job = retry_transient(lambda: begin(job), what=f"{label} start")
    except IllegalTransition:
        logger.info("%s was already taken or finished; nothing to run", label)
        job.refresh_from_db()
        return job
    try:
        outcome = retry_transient(lambda: work(job), what=label)
        return retry_transient(lambda: finish(job, outcome), what=f"{label} finish")
    except IllegalTransition:
        # Retried as stalled while this worker was still at it: the new run owns the job now.
        logger.warning("%s changed state while it ran; its new run owns it", label)
        job.refresh_from_db()
        return job
    except Exception as exc:
        if is_transient(exc):
            logger.error("%s: the database stayed unavailable (%s)", label, exc)
            message = DATABASE_UNAVAILABLE()
        elif isinstance(exc, AuthorRefused):
            logger.info("%s refused: %s", label, exc.message)
            message = exc.message
        else:
            message = explain(exc) if explain is not None else None
            if message is None:
                logger.exception("%s stopped on an unexpected error", label)
                message = unexpected_message
        return retry_transient(lambda: stop(job, message), what=f"{label} fail")


# --- the moves of a job ------------------------------------------------------------------------
# Each app's job services call these with what their kind of job adds (an import's counts, a
# plan's step and result); every job model inherits `common.models.Job`.


def start_job(job: JobT, **changes: Any) -> JobT:
    """pending → running."""
    return move_state(job, RUNNING, started_at=timezone.now(), **changes)


def record_progress(job: JobT, *, done: int, total: int | None = None, **changes: Any) -> None:
    """Store how far a running job is (`done` out of `total`, None when not known yet), read by
    the job's page while it polls; `updated_at` is the heartbeat that tells a slow job from a
    stalled one. Nothing is written once the job is no longer running.
    """
    fields = {"progress_done": done, "progress_total": total, **changes}
    retry_transient(
        lambda: (
            type(job)
            ._default_manager.filter(pk=job.pk, state=RUNNING)
            .update(**fields, updated_at=timezone.now())
        ),
        what=f"{job._meta.model_name} {job.pk} progress",
    )
    for name, value in fields.items():
        setattr(job, name, value)


def finish_job(job: JobT, *, succeeded: bool = True, **changes: Any) -> JobT:
    """running → succeeded (or failed, when the work ended but its outcome is a failure, such as
    an import with rejected rows), with what the job reports."""
    return move_state(
        job, SUCCEEDED if succeeded else FAILED, finished_at=timezone.now(), **changes
    )


def fail_job(job: JobT, *, message: str, **changes: Any) -> JobT:
    """pending or running → failed, for a job that could not run to its end: `message` says why,
    to the person who reads the job's page; a `Message` keeps its code and params, so the page
    shows it in its reader's language (`Job.stop_reason`)."""
    stored = stored_message(message)
    return move_state(
        job,
        FAILED,
        finished_at=timezone.now(),
        error_message=stored["message"],
        error_code=stored["code"],
        error_params=stored["params"],
        **changes,
    )


def retry_job(
    job: JobT,
    *,
    check: Callable[[JobT], None] | None = None,
    reset: Mapping[str, Any],
    launch: Callable[[JobT], JobT],
) -> JobT:
    """failed, or stalled (pending or running without a heartbeat) → pending, then `launch`ed.

    The caller has checked that its actor may retry this job. Refused (IllegalTransition) for a
    job that succeeded or is still making progress, then by `check(job)` for the job's own
    reasons (an import whose file is gone); a failed job brought back counts again in
    its author's quota (`check_job_quota`: ValidationFailed when there is no room).
    A stalled pending job is only handed to the workers again; the others start afresh, their
    progress, failure message and the fields of `reset` (what the job reports) set back.
    """
    job.refresh_from_db()
    check_retryable(job, stalled=job.is_stalled)
    if check is not None:
        check(job)
    with transaction.atomic():
        if job.state == FAILED and job.created_by is not None:
            check_job_quota(user=job.created_by, model=type(job))
        if job.state == PENDING:
            # Nothing took it: hand it to the workers again (a second run, if the first task
            # turns up after all, finds it taken and does nothing).
            type(job)._default_manager.filter(pk=job.pk).update(updated_at=timezone.now())
        else:
            move_state(
                job,
                PENDING,
                started_at=None,
                finished_at=None,
                progress_done=0,
                progress_total=None,
                error_message="",
                error_code="",
                error_params={},
                **reset,
            )
    job.refresh_from_db()
    return launch(job)


# --- stalled jobs -------------------------------------------------------------------------------


def stalled_after() -> timedelta:
    """How long an active job may go without a heartbeat before it is called stalled."""
    return timedelta(seconds=settings.JOB_STALLED_AFTER_SECONDS)


def stalled_cutoff(*, extra_silence_s: float = 0, now: datetime | None = None) -> datetime:
    """Active jobs whose `updated_at` is older than this are stalled."""
    return (now or timezone.now()) - stalled_after() - timedelta(seconds=extra_silence_s)


def stalled_filter(*, extra_silence_s: float = 0) -> models.Q:
    """The active jobs without a heartbeat for JOB_STALLED_AFTER_SECONDS (plus
    `extra_silence_s`), as a filter on any job model.
    """
    return models.Q(
        state__in=ACTIVE_STATES, updated_at__lt=stalled_cutoff(extra_silence_s=extra_silence_s)
    )


def is_stalled(job, *, extra_silence_s: float = 0) -> bool:
    """Whether `job` is active and has had no heartbeat for too long: a pending job no worker
    picked up, or a running one whose worker died or lost the database.
    """
    return job.state in ACTIVE_STATES and job.updated_at < stalled_cutoff(
        extra_silence_s=extra_silence_s
    )


def check_retryable(job, *, stalled: bool) -> None:
    """Refuse to retry a job that succeeded, or an active one that is not stalled (its worker is
    still at it); failed and stalled jobs may be run again.
    """
    if job.state == SUCCEEDED or (job.state in ACTIVE_STATES and not stalled):
        raise IllegalTransition(
            f"{job._meta.model_name} {job.pk}: a {job.state} job that is not stalled is not retried"
        )


# --- quotas -------------------------------------------------------------------------------------


def job_quota(user, *, default: int) -> int:
    """How many active jobs of one kind `user` may have: their own quota when an administrator
    set one (`accounts.User.job_quota`), `default` otherwise.
    """
    own = getattr(user, "job_quota", None)
    return default if own is None else own


def check_job_quota(*, user, model: "type[Job]") -> None:
    """Refuse one more job of `model` when `user` already has their quota of pending or running
    ones: ValidationFailed with the model's `QUOTA_MESSAGE`, a sentence where `%(active)d` and
    `%(limit)d` stand for the counts. The default quota is the setting named by the model's
    `QUOTA_SETTING`; a user's own `job_quota` replaces it.

    A quota keeps one person from filling the task workers (ten region-wide exact plans queued
    at once kept the others waiting for an hour).

    Called inside the transaction that creates the job: the user's row is locked first, so two
    requests of one person are counted one after the other (PostgreSQL's row lock; SQLite's
    IMMEDIATE transactions already serialise writers) and the quota holds under concurrency.
    """
    if not default_connection.in_atomic_block:
        raise RuntimeError("check_job_quota() must run in the transaction that creates the job")
    get_user_model()._default_manager.select_for_update().filter(pk=user.pk).exists()
    limit = job_quota(user, default=getattr(settings, model.QUOTA_SETTING))
    active = model._default_manager.filter(created_by=user, state__in=ACTIVE_STATES).count()
    if active >= limit:
        message = str(model.QUOTA_MESSAGE)
        raise ValidationFailed(
            [FieldError("__all__", message % {"active": active, "limit": limit})]
        )
