"""Plan jobs and their lifecycle: every write of the planning app.

A plan job is created by a signed-in person (page or API), then run — during the request when
it is small, by a task worker (`maillage db_worker`) otherwise — and ends succeeded with its
result or failed with a message. A job whose parameters and inputs (places, communes) are those
of an earlier successful job reuses that result instead of computing it again.
"""

from dataclasses import fields as dataclass_fields
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_noop

from maillage.accounts.models import User
from maillage.common import jobs
from maillage.common.actors import check_actor
from maillage.common.errors import ErrorCode, PermissionDenied
from maillage.territories.selectors import communes_in

from .models import PlanJob, PlanMethod, PlanObjective, PlanStep
from .rules import can_create_plan, can_retry_plan
from .selectors import cached_plan_result, plan_digest
from .validation import DEFAULT_TIME_LIMIT_S, clean_plan_parameters

# The reasons a plan stops before its end, coded like an import's (docs/data.md, « Import error
# codes »): the plan's page and API show them in their reader's language (`Job.stop_reason`).
AUTHOR_DELETED = ErrorCode(
    "plan.author_deleted",
    gettext_noop("Le compte qui a demandé ce plan n'existe plus : il n'a pas été calculé."),
)
AUTHOR_REFUSED = ErrorCode(
    "plan.author_refused",
    gettext_noop(
        "Le compte qui a demandé ce plan n'a plus le droit d'en demander : il n'a pas été calculé."
    ),
)
UNEXPECTED_ERROR = ErrorCode(
    "plan.unexpected_error", gettext_noop("Le calcul s'est arrêté sur une erreur inattendue.")
)

# Plans over at most this many communes, by the greedy method, run during the request (well
# under a second); larger ones and exact ones go to the task workers.
INLINE_MAX_COMMUNES = 600


@transaction.atomic
def create_plan_job(
    *,
    actor: User,
    territory: str,
    kind: str = "",
    radius_km: Any,
    n_new: Any,
    method: str = PlanMethod.GREEDY,
    objective: str = PlanObjective.COVERAGE,
    time_limit_s: Any = DEFAULT_TIME_LIMIT_S,
) -> PlanJob:
    """A pending plan job; raises PermissionDenied (see `rules.can_create_plan`) or
    ValidationFailed with every faulty parameter, or when the person already has their quota of
    pending or running plans (PLAN_JOBS_PER_USER, or their own `job_quota`).
    """
    check_actor(actor)
    if not can_create_plan(actor):
        raise PermissionDenied
    jobs.check_job_quota(user=actor, model=PlanJob)
    parameters = clean_plan_parameters(
        territory=territory,
        kind=kind,
        radius_km=radius_km,
        n_new=n_new,
        method=method,
        objective=objective,
        time_limit_s=time_limit_s,
    )
    # The checked parameters are the model's fields, name for name.
    fields = {field.name: getattr(parameters, field.name) for field in dataclass_fields(parameters)}
    return PlanJob.objects.create(**fields, created_by=actor)


def start_plan_job(*, job: PlanJob) -> PlanJob:
    """pending → running."""
    return jobs.start_job(
        job,
        step=PlanStep.LOADING,
        progress_done=PlanJob.STEP_PROGRESS[PlanStep.LOADING],
        progress_total=PlanJob.PROGRESS_TOTAL,
    )


def record_plan_progress(*, job: PlanJob, step: str) -> None:
    """Store the step a running job has reached (read by the job page while it polls)."""
    jobs.record_progress(
        job, done=PlanJob.STEP_PROGRESS[step], total=PlanJob.PROGRESS_TOTAL, step=step
    )


def finish_plan_job(*, job: PlanJob, result: dict[str, Any], digest: str) -> PlanJob:
    """running → succeeded, with the result and the digest of the inputs it was computed from."""
    return jobs.finish_job(
        job,
        step=PlanStep.DONE,
        progress_done=PlanJob.STEP_PROGRESS[PlanStep.DONE],
        progress_total=PlanJob.PROGRESS_TOTAL,
        result=result,
        inputs_digest=digest,
    )


def analyse_plan(**kwargs: Any) -> dict[str, Any]:
    """`computations.analyse_plan`, imported when a plan is computed: numpy and scipy are then
    loaded only by the process that computes (the worker), not by every command and page.
    """
    from .computations import analyse_plan as compute

    return compute(**kwargs)


def _compute_plan(job: PlanJob) -> tuple[dict[str, Any], str]:
    from .inputs import centres_of, commune_population, open_sites

    jobs.job_author(
        job,
        allowed=can_create_plan,
        deleted=AUTHOR_DELETED(),
        refused=AUTHOR_REFUSED(),
    )
    digest = plan_digest(job)
    result = cached_plan_result(digest)
    if result is None:
        population = commune_population(job.territory)
        existing = open_sites((job.kind,) if job.kind else ())
        record_plan_progress(job=job, step=PlanStep.SOLVING)
        result = analyse_plan(
            population=population,
            existing=existing,
            candidates=centres_of(population),
            radius_km=job.radius_km,
            n_new=job.n_new,
            method=job.method,
            objective=job.objective,
            time_limit_s=job.time_limit_s,
        )
    return result, digest


def run_plan_job(*, job_id: int) -> PlanJob:
    """Run a pending job to its end (the background task and small plans both call this).

    Transient database errors are retried with a growing pause (the computation only reads, so
    it starts again); the job ends failed, with a message, if anything else stops it or the
    database stays unavailable. See `maillage.common.jobs.run_job`.
    """
    return jobs.run_job(
        PlanJob,
        job_id,
        related=("territory",),
        start=lambda job: start_plan_job(job=job),
        work=_compute_plan,
        finish=lambda job, outcome: finish_plan_job(job=job, result=outcome[0], digest=outcome[1]),
        unexpected_message=UNEXPECTED_ERROR(),
    )


def launch_plan_job(*, job: PlanJob) -> PlanJob:
    """Run a small job, or one already answered, now; hand the others to the task workers."""
    small = (
        job.method == PlanMethod.GREEDY
        and communes_in(job.territory).count() <= INLINE_MAX_COMMUNES
    )
    if small or cached_plan_result(plan_digest(job)) is not None:
        return run_plan_job(job_id=job.pk)
    from .tasks import run_plan_job_task

    run_plan_job_task.enqueue(job_id=job.pk)
    job.refresh_from_db()
    return job


def retry_plan_job(*, actor: User, job: PlanJob) -> PlanJob:
    """failed, or stalled (pending or running without a heartbeat) → pending, launched again.

    Its author and instance administrators may retry a plan (it runs with its author's rights,
    checked again when it runs) (`rules.can_retry_plan`). Refused
    (IllegalTransition) for a plan that succeeded or is still making progress; ValidationFailed
    when a failed plan brought back would exceed its author's quota.
    """
    check_actor(actor)
    if not can_retry_plan(actor, job):
        raise PermissionDenied
    return jobs.retry_job(
        job,
        reset={"step": PlanStep.QUEUED},
        launch=lambda job: launch_plan_job(job=job),
    )
