"""Background tasks of the opendata app, run by `maillage db_worker` (django-tasks)."""

from django_tasks import task

from .services import run_import_job


@task()
def run_import_job_task(job_id: int) -> str:
    """Run an import job uploaded too large to be imported during the request; its final state."""
    return run_import_job(job_id=job_id).state
