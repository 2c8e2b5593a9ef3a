"""Background tasks of federation, run by `maillage db_worker` (django-tasks)."""

from django_tasks import task

from . import services


@task()
def run_harvest_job_task(job_id: int) -> str:
    """Harvest a peer (a job queued by an admin or by `maillage harvest_peers`)."""
    return services.run_harvest_job(job_id=job_id).state


@task()
def deliver_webhooks_task() -> int:
    """Queue the new place changes for every subscriber and send the deliveries that are due."""
    return services.deliver_webhooks().sent
