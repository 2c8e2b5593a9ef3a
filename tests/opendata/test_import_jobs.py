"""Import jobs: their state machine, the task that runs them, inline or background runs."""

import pytest
from django.core.files.base import ContentFile
from django.test import override_settings
from django_tasks import TaskResultStatus
from django_tasks.signals import task_finished

from maillage.common import jobs
from maillage.common.errors import PermissionDenied
from maillage.opendata import services
from maillage.opendata.models import ImportJob, ImportState
from maillage.opendata.services import (
    IllegalTransition,
    create_import_job,
    fail_import_job,
    finish_import_job,
    launch_import_job,
    run_import_job,
)
from maillage.places.models import Place
from tests.accounts.factories import AdminFactory, UserFactory

pytestmark = pytest.mark.django_db

IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
GOOD = b"source_id,name,kinds,insee_code\n1,La Fabrique,fablab,64445\n2,Le Cowork,coworking,64348\n"
BAD = b"source_id,name,kinds,insee_code\n1,La Fabrique,fablab,64445\n2,,coworking,64348\n"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def new_job(content: bytes = GOOD, **options) -> ImportJob:
    return create_import_job(
        actor=AdminFactory(), source="web", file=ContentFile(content, name="lieux.csv"), **options
    )


def test_job_stores_the_file_under_imports():
    job = new_job()
    assert job.state == ImportState.PENDING
    assert job.file.name.startswith("imports/lieux")
    assert (job.file_name, job.size_bytes) == ("lieux.csv", len(GOOD))


def test_only_admins_create_jobs():
    with pytest.raises(PermissionDenied):
        create_import_job(actor=UserFactory(), source="web", file=ContentFile(GOOD, name="a.csv"))


def test_successful_run():
    job = run_import_job(job_id=new_job().pk)
    job.refresh_from_db()
    assert job.state == ImportState.SUCCEEDED
    assert (job.created_count, job.rejected_count, job.progress_done) == (2, 0, 2)
    assert job.started_at <= job.finished_at
    assert Place.objects.filter(source="web").count() == 2


def test_rejected_rows_fail_the_job_and_are_stored():
    job = run_import_job(job_id=new_job(BAD).pk)
    job.refresh_from_db()
    assert job.state == ImportState.FAILED
    assert job.rejected_count == 1
    assert job.errors == [
        {
            "line": 3,
            "field": "name",
            "code": "name.required",
            "params": {},
            "message": "Le nom est obligatoire.",
        }
    ]
    assert not Place.objects.exists()


def test_unexpected_error_fails_the_job_with_a_message(monkeypatch):
    def explode(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(services, "import_places", explode)
    job = run_import_job(job_id=new_job().pk)
    assert job.state == ImportState.FAILED
    assert "erreur inattendue" in job.error_message


def test_progress_is_recorded_while_running(monkeypatch):
    monkeypatch.setattr(services, "PROGRESS_EVERY_ROWS", 1)
    seen = []
    original = services.record_import_progress

    def spy(*, job, rows_done):
        original(job=job, rows_done=rows_done)
        seen.append(ImportJob.objects.values_list("progress_done", flat=True).get(pk=job.pk))

    monkeypatch.setattr(services, "record_import_progress", spy)
    run_import_job(job_id=new_job().pk)
    assert seen == [1, 2, 2]


@pytest.mark.parametrize(
    ("state", "move"),
    [
        (ImportState.RUNNING, jobs.start_job),
        (ImportState.SUCCEEDED, jobs.start_job),
        (ImportState.FAILED, jobs.start_job),
        (
            ImportState.PENDING,
            lambda job: finish_import_job(job=job, report=services.ImportReport("web")),
        ),
        (ImportState.SUCCEEDED, lambda job: fail_import_job(job=job, message="x")),
        (ImportState.FAILED, lambda job: fail_import_job(job=job, message="x")),
        (
            ImportState.SUCCEEDED,
            lambda job: finish_import_job(job=job, report=services.ImportReport("web")),
        ),
    ],
)
def test_illegal_transitions_are_refused(state, move):
    job = new_job()
    ImportJob.objects.filter(pk=job.pk).update(state=state)
    job.refresh_from_db()
    with pytest.raises(IllegalTransition):
        move(job)
    assert ImportJob.objects.get(pk=job.pk).state == state


def test_a_job_cannot_be_started_twice_by_racing_workers():
    job = new_job()
    stale = ImportJob.objects.get(pk=job.pk)
    jobs.start_job(job)
    with pytest.raises(IllegalTransition):
        jobs.start_job(stale)


def test_pending_job_can_fail():
    job = fail_import_job(job=new_job(), message="Fichier perdu.")
    assert ImportJob.objects.get(pk=job.pk).state == ImportState.FAILED


def test_small_files_run_inline():
    job = launch_import_job(job=new_job())
    assert job.state == ImportState.SUCCEEDED


@override_settings(TASKS=IMMEDIATE_TASKS)
def test_large_files_go_through_the_task(monkeypatch):
    monkeypatch.setattr(services, "INLINE_MAX_BYTES", 10)
    finished = []

    def on_finished(sender, task_result, **kwargs):
        finished.append((task_result.task.name, task_result.status, task_result.return_value))

    task_finished.connect(on_finished)
    try:
        job = launch_import_job(job=new_job())
    finally:
        task_finished.disconnect(on_finished)
    assert finished == [("run_import_job_task", TaskResultStatus.SUCCESSFUL, "succeeded")]
    assert job.state == ImportState.SUCCEEDED
    assert job.created_count == 2


@override_settings(TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}})
def test_enqueued_job_stays_pending_until_a_worker_runs_it(monkeypatch):
    monkeypatch.setattr(services, "INLINE_MAX_BYTES", 10)
    job = launch_import_job(job=new_job())
    assert job.state == ImportState.PENDING


def test_a_job_whose_author_was_deleted_is_refused_when_it_runs():
    job = new_job()
    job.created_by.delete()
    job = run_import_job(job_id=job.pk)
    assert job.state == ImportState.FAILED
    assert job.created_by is None
    assert job.error_message.startswith("Le compte qui a lancé l'import n'existe plus")
    assert not Place.objects.exists()  # never run with the system's rights


def test_a_job_whose_author_was_demoted_is_refused_when_it_runs():
    job = new_job()
    author = job.created_by
    author.is_instance_admin = False
    author.save()
    job = run_import_job(job_id=job.pk)
    assert job.state == ImportState.FAILED
    assert job.error_message.startswith("Le compte qui a lancé l'import n'a plus le droit")
    assert not Place.objects.exists()


def test_a_retried_job_runs_with_its_author_rights_not_the_retrier(settings):
    settings.IMPORT_FILE_RETENTION_DAYS = 30  # the failed job keeps its file, to be retried
    job = new_job()
    author = job.created_by
    fail_import_job(job=jobs.start_job(job), message="coupure")
    author.is_active = False
    author.save()
    job = services.retry_import_job(actor=AdminFactory(), job=job)
    assert job.state == ImportState.FAILED
    assert "n'a plus le droit" in job.error_message
    assert not Place.objects.exists()
