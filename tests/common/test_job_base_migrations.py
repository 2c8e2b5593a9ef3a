"""The migrations that move the progress and failure message of import and plan jobs into the
shared job base: every value kept, forward and back."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("opendata", "0003_share_job_base"), ("planning", "0002_share_job_base")]
AFTER = [
    ("opendata", "0005_move_failure_messages_out_of_errors"),
    ("planning", "0004_set_progress_total_of_started_plans"),
]
ROW_ERROR = {"line": 3, "field": "name", "message": "Le nom est obligatoire."}
STOPPED = {"line": 0, "field": "__file__", "message": "Coupure."}


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def imports(apps, *fields):
    return list(apps.get_model("opendata", "ImportJob").objects.order_by("pk").values_list(*fields))


def plans(apps, *fields):
    return list(apps.get_model("planning", "PlanJob").objects.order_by("pk").values_list(*fields))


@pytest.mark.django_db(transaction=True)
def test_progress_and_failures_move_to_the_base_and_back():
    apps = migrate(BEFORE)
    import_job = apps.get_model("opendata", "ImportJob")
    common = {"source": "s", "file_name": "a.csv", "size_bytes": 1}
    import_job.objects.create(**common, state="running", rows_done=500)
    import_job.objects.create(**common, state="failed", rows_done=4, errors=[ROW_ERROR])
    import_job.objects.create(**common, state="failed", rows_done=2, errors=[STOPPED])
    import_job.objects.create(**common, state="succeeded", rows_done=7)
    territory = apps.get_model("territories", "Territory").objects.create(
        level="commune", code="00001", name="Essai"
    )
    plan_job = apps.get_model("planning", "PlanJob")
    common = {"territory": territory, "radius_km": 5, "n_new": 1}
    plan_job.objects.create(**common, state="pending", step="queued", progress=0)
    plan_job.objects.create(**common, state="running", step="solving", progress=30)
    plan_job.objects.create(**common, state="failed", step="loading", progress=10, error="Boum.")
    before = (
        imports(apps, "state", "rows_done", "errors"),
        plans(apps, "state", "step", "progress", "error"),
    )

    apps = migrate(AFTER)
    assert imports(apps, "progress_done", "progress_total", "error_message", "errors") == [
        (500, None, "", []),
        (4, 4, "", [ROW_ERROR]),
        (2, None, "Coupure.", []),
        (7, 7, "", []),
    ]
    assert plans(apps, "step", "progress_done", "progress_total", "error_message") == [
        ("queued", 0, None, ""),
        ("solving", 30, 100, ""),
        ("loading", 10, 100, "Boum."),
    ]

    apps = migrate(BEFORE)
    assert (
        imports(apps, "state", "rows_done", "errors"),
        plans(apps, "state", "step", "progress", "error"),
    ) == before
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
