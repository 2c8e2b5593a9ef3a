"""Plan jobs and their lifecycle: every write of the planning app.

A plan job is created by a signed-in person (page or API), then run — during the request when
it is small, by a task worker (`maillage db_worker`) otherwise — and ends succeeded with its
result or failed with a message. A job whose parameters and inputs (places, communes) are those
of an earlier successful job reuses that result instead of computing it again.
"""

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from maillage.common.errors import PermissionDenied
from maillage.common.lifecycle import move_state
from maillage.territories.selectors import communes_in

from .computations import analyse_plan
from .inputs import centres_of, commune_population, open_sites
from .models import PlanJob, PlanMethod, PlanObjective, PlanState, PlanStep
from .rules import can_create_plan
from .selectors import cached_plan_result, plan_digest
from .validation import DEFAULT_TIME_LIMIT_S, clean_plan_parameters

logger = logging.getLogger(__name__)

# Plans over at most this many communes, by the greedy method, run during the request (well
# under a second); larger ones and exact ones go to the task workers.
INLINE_MAX_COMMUNES = 600


@transaction.atomic
def create_plan_job(
    *,
    actor,
    territory: str,
    kind: str = "",
    radius_km: Any,
    n_new: Any,
    method: str = PlanMethod.GREEDY,
    objective: str = PlanObjective.COVERAGE,
    time_limit_s: Any = DEFAULT_TIME_LIMIT_S,
) -> PlanJob:
    """A pending plan job; raises PermissionDenied (see `rules.can_create_plan`) or
    ValidationFailed with every faulty parameter.
    """
    if not can_create_plan(actor):
        raise PermissionDenied
    parameters = clean_plan_parameters(
        territory=territory,
        kind=kind,
        radius_km=radius_km,
        n_new=n_new,
        method=method,
        objective=objective,
        time_limit_s=time_limit_s,
    )
    return PlanJob.objects.create(
        territory=parameters.territory,
        kind=parameters.kind,
        radius_km=parameters.radius_km,
        n_new=parameters.n_new,
        method=parameters.method,
        objective=parameters.objective,
        time_limit_s=parameters.time_limit_s,
        created_by=actor,
    )


def start_plan_job(*, job: PlanJob) -> PlanJob:
    """pending → running."""
    return move_state(
        job,
        PlanState.RUNNING,
        started_at=timezone.now(),
        step=PlanStep.LOADING,
        progress=PlanJob.STEP_PROGRESS[PlanStep.LOADING],
    )


def record_plan_progress(*, job: PlanJob, step: str) -> None:
    """Store the step a running job has reached (read by the job page while it polls)."""
    progress = PlanJob.STEP_PROGRESS[step]
    PlanJob.objects.filter(pk=job.pk, state=PlanState.RUNNING).update(
        step=step, progress=progress, updated_at=timezone.now()
    )
    job.step, job.progress = step, progress


def finish_plan_job(*, job: PlanJob, result: dict[str, Any], digest: str) -> PlanJob:
    """running → succeeded, with the result and the digest of the inputs it was computed from."""
    return move_state(
        job,
        PlanState.SUCCEEDED,
        finished_at=timezone.now(),
        step=PlanStep.DONE,
        progress=PlanJob.STEP_PROGRESS[PlanStep.DONE],
        result=result,
        inputs_digest=digest,
    )


def fail_plan_job(*, job: PlanJob, message: str) -> PlanJob:
    """pending or running → failed, for a job that could not run to its end."""
    return move_state(job, PlanState.FAILED, finished_at=timezone.now(), error=message)


def run_plan_job(*, job_id: int) -> PlanJob:
    """Run a pending job to its end (the background task and small plans both call this).

    The job ends failed, with a message, if anything unexpected stops it; the exception is
    logged for the operators.
    """
    job = start_plan_job(job=PlanJob.objects.select_related("territory").get(pk=job_id))
    try:
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
    except Exception:
        logger.exception("plan job %s stopped on an unexpected error", job.pk)
        return fail_plan_job(
            job=job, message=_("Le calcul s'est arrêté sur une erreur inattendue.")
        )
    return finish_plan_job(job=job, result=result, digest=digest)


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
