"""Background tasks of the planning app, run by `maillage db_worker` (django-tasks)."""

from django_tasks import task

from .services import run_plan_job


@task()
def run_plan_job_task(job_id: int) -> str:
    """Run a plan job too large to be computed during the request; its final state."""
    return run_plan_job(job_id=job_id).state
