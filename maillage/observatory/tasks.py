"""Background tasks of the observatory, run by `maillage db_worker` (django-tasks)."""

from django_tasks import task

from . import services


@task()
def recompute_stale_task() -> int:
    """Read the audit log for changed place-months, recompute them and the aggregates of their
    years. Queued by `maillage compute_indicators --queue` (a timer, every few minutes);
    returns the number of place values written."""
    return services.recompute_stale().places.changed
