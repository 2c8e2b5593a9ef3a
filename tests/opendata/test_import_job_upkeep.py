"""Import jobs kept in hand: the heartbeat, stalled jobs shown and retried, each admin's quota
of active imports, and the deletion of uploaded files (at once or after a retention period).
"""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from maillage.common.errors import PermissionDenied, ValidationFailed
from maillage.common.lifecycle import IllegalTransition
from maillage.opendata import services
from maillage.opendata.models import ImportJob, ImportState
from maillage.opendata.services import (
    create_import_job,
    purge_import_files,
    retry_import_job,
    run_import_job,
)
from tests.accounts.factories import AdminFactory, UserFactory

pytestmark = pytest.mark.django_db

GOOD = b"source_id,name,kinds,insee_code\n1,La Fabrique,fablab,64445\n"
BAD = b"source_id,name,kinds,insee_code\n1,,fablab,64445\n"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.JOB_STALLED_AFTER_SECONDS = 600
    settings.IMPORT_FILE_RETENTION_DAYS = 0
    return settings.MEDIA_ROOT


def new_job(admin=None, content: bytes = GOOD, **options) -> ImportJob:
    return create_import_job(
        actor=admin or AdminFactory(),
        source="web",
        file=ContentFile(content, name="lieux.csv"),
        **options,
    )


def age(job: ImportJob, *, seconds: int, **changes) -> ImportJob:
    """Set the job's heartbeat `seconds` in the past (and other fields), as a worker that died."""
    ImportJob.objects.filter(pk=job.pk).update(
        updated_at=timezone.now() - timedelta(seconds=seconds), **changes
    )
    job.refresh_from_db()
    return job


# --- heartbeat and stalled jobs -----------------------------------------------------------------


def test_progress_is_a_heartbeat():
    job = age(new_job(), seconds=3600, state=ImportState.RUNNING)
    assert job.is_stalled
    services.record_import_progress(job=job, rows_done=10)
    job.refresh_from_db()
    assert (job.progress_done, job.is_stalled) == (10, False)


def test_active_jobs_without_heartbeat_are_stalled(settings):
    settings.JOB_STALLED_AFTER_SECONDS = 60
    fresh = age(new_job(), seconds=30, state=ImportState.RUNNING)
    running = age(new_job(), seconds=61, state=ImportState.RUNNING)
    pending = age(new_job(), seconds=61)
    failed = age(new_job(), seconds=3600, state=ImportState.FAILED)
    assert [job.is_stalled for job in (fresh, running, pending, failed)] == [
        False,
        True,
        True,
        False,
    ]
    stalled = ImportJob.objects.filter(ImportJob.stalled_filter())
    assert set(stalled) == {running, pending}


def test_stalled_running_job_page_says_so_and_offers_a_retry(client):
    admin = AdminFactory()
    job = age(new_job(admin), seconds=3600, state=ImportState.RUNNING)
    client.force_login(admin)
    for response in (
        client.get(f"/imports/{job.pk}/"),
        client.get(f"/imports/{job.pk}/", headers={"HX-Request": "true"}),
    ):
        content = response.content.decode()
        assert "Bloqué" in content
        assert "aucune nouvelle de ce travail depuis 1" in content
        assert f'action="/imports/{job.pk}/relancer/"' in content


def test_pending_job_nobody_took_says_no_worker_seems_active(client):
    admin = AdminFactory()
    job = age(new_job(admin), seconds=3600)
    client.force_login(admin)
    content = client.get(f"/imports/{job.pk}/").content.decode()
    assert "en attente depuis 1" in content
    assert "aucun worker ne semble actif" in content


def test_a_job_making_progress_is_not_stalled_on_its_page(client):
    admin = AdminFactory()
    job = age(new_job(admin), seconds=5, state=ImportState.RUNNING)
    client.force_login(admin)
    content = client.get(f"/imports/{job.pk}/").content.decode()
    assert "Bloqué" not in content
    assert "relancer" not in content


def test_the_retry_button_runs_the_job_again(client):
    admin = AdminFactory()
    job = age(new_job(admin), seconds=3600, state=ImportState.RUNNING)
    client.force_login(admin)
    response = client.post(f"/imports/{job.pk}/relancer/")
    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.state, job.created_count) == (ImportState.SUCCEEDED, 1)


def test_the_retry_button_tells_why_it_refuses(client):
    admin = AdminFactory()
    job = run_import_job(job_id=new_job(admin).pk)
    client.force_login(admin)
    response = client.post(f"/imports/{job.pk}/relancer/", follow=True)
    assert "ni échoué ni bloqué" in response.content.decode()
    assert client.post(f"/imports/{job.pk}/relancer/").status_code == 302
    client.force_login(UserFactory())
    assert client.post(f"/imports/{job.pk}/relancer/").status_code == 404


def test_admin_lists_and_filters_stalled_jobs_and_retries_them(client):
    superuser = AdminFactory(is_staff=True, is_superuser=True)
    stalled = age(new_job(superuser), seconds=3600, state=ImportState.RUNNING)
    moving = age(new_job(superuser), seconds=5, state=ImportState.RUNNING)
    client.force_login(superuser)
    listing = client.get("/admin/opendata/importjob/?stalled=yes")
    assert list(listing.context["cl"].result_list) == [stalled]
    assert "bloqué" in listing.content.decode()
    response = client.post(
        "/admin/opendata/importjob/",
        {"action": "retry_selected", "_selected_action": [stalled.pk, moving.pk]},
        follow=True,
    )
    content = response.content.decode()
    assert "1 travail(s) relancé(s)." in content
    assert "ni échoué ni bloqué" in content
    stalled.refresh_from_db()
    moving.refresh_from_db()
    assert (stalled.state, moving.state) == (ImportState.SUCCEEDED, ImportState.RUNNING)


# --- the retry service --------------------------------------------------------------------------


def test_a_failed_job_whose_file_is_kept_can_be_retried(settings):
    settings.IMPORT_FILE_RETENTION_DAYS = 7
    admin = AdminFactory()
    job = run_import_job(job_id=new_job(admin, BAD).pk)
    assert job.state == ImportState.FAILED
    job = retry_import_job(actor=admin, job=job)
    # The same bad file fails again, with a fresh report.
    assert (job.state, job.rejected_count, len(job.errors)) == (ImportState.FAILED, 1, 1)


def test_a_stalled_pending_job_is_handed_to_the_workers_again(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    admin = AdminFactory()
    # A file too large to import during the request.
    job = age(new_job(admin), seconds=3600, size_bytes=services.INLINE_MAX_BYTES)
    job = retry_import_job(actor=admin, job=job)
    assert job.state == ImportState.PENDING
    assert not job.is_stalled  # waiting again from now


@pytest.mark.parametrize(
    ("state", "seconds"),
    [
        (ImportState.SUCCEEDED, 3600),
        (ImportState.RUNNING, 5),
        (ImportState.PENDING, 5),
    ],
)
def test_retry_refuses_succeeded_and_progressing_jobs(state, seconds):
    admin = AdminFactory()
    job = age(new_job(admin), seconds=seconds, state=state)
    with pytest.raises(IllegalTransition):
        retry_import_job(actor=admin, job=job)
    assert ImportJob.objects.get(pk=job.pk).state == state


def test_retry_needs_the_file_and_an_admin():
    admin = AdminFactory()
    job = run_import_job(job_id=new_job(admin, BAD).pk)  # file deleted: no retention
    with pytest.raises(ValidationFailed) as caught:
        retry_import_job(actor=admin, job=job)
    assert "supprimé" in str(caught.value)
    with pytest.raises(PermissionDenied):
        retry_import_job(actor=UserFactory(), job=job)


# --- quotas -------------------------------------------------------------------------------------


def test_an_admin_at_their_quota_is_refused_until_given_more(settings):
    settings.IMPORT_JOBS_PER_USER = 2
    admin = AdminFactory()
    new_job(admin), new_job(admin)
    new_job()  # someone else's job does not count
    with pytest.raises(ValidationFailed) as caught:
        new_job(admin)
    message = caught.value.errors[0].message
    assert "déjà 2 imports en attente ou en cours" in message
    assert "limite étant de 2" in message
    admin.job_quota = 3
    admin.save()
    assert new_job(admin).state == ImportState.PENDING
    # Finished jobs free their place.
    with pytest.raises(ValidationFailed):
        new_job(admin)
    ImportJob.objects.filter(created_by=admin).update(state=ImportState.SUCCEEDED)
    assert new_job(admin).state == ImportState.PENDING


def test_the_quota_is_explained_on_the_page_and_by_the_api(client, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from maillage.accounts.services import create_api_token

    settings.IMPORT_JOBS_PER_USER = 0
    admin = AdminFactory()
    client.force_login(admin)
    upload = SimpleUploadedFile("lieux.csv", GOOD, content_type="text/csv")
    page = client.post("/imports/", {"source": "web", "file": upload})
    assert "limite étant de 0" in page.content.decode()
    raw = create_api_token(user=admin, name="t")[1]
    upload = SimpleUploadedFile("lieux.csv", GOOD, content_type="text/csv")
    response = client.post(
        "/api/v1/imports",
        {"file": upload, "source": "api"},
        headers={"Authorization": f"Bearer {raw}"},
    )
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "Les données envoyées sont invalides."
    assert body["errors"][0]["field"] == "__all__"
    assert "limite étant de 0" in body["errors"][0]["message"]
    assert not ImportJob.objects.exists()


def test_retrying_a_failed_job_counts_against_its_authors_quota(settings):
    settings.IMPORT_FILE_RETENTION_DAYS = 7
    settings.IMPORT_JOBS_PER_USER = 1
    admin = AdminFactory()
    failed = run_import_job(job_id=new_job(admin, BAD).pk)
    new_job(admin)
    with pytest.raises(ValidationFailed):
        retry_import_job(actor=admin, job=failed)


# --- retention of uploaded files ----------------------------------------------------------------


def stored(job: ImportJob, media_root: Path) -> Path:
    return media_root / job.file.name


@pytest.mark.parametrize(
    ("content", "options", "state"),
    [
        (GOOD, {}, ImportState.SUCCEEDED),
        (GOOD, {"dry_run": True}, ImportState.SUCCEEDED),
        (BAD, {}, ImportState.FAILED),
    ],
)
def test_files_are_deleted_when_the_job_ends(media_root, content, options, state):
    job = new_job(content=content, **options)
    path = stored(job, media_root)
    assert path.exists()
    job = run_import_job(job_id=job.pk)
    job.refresh_from_db()
    assert job.state == state
    assert not path.exists()
    assert (job.file.name, job.file_name) == ("", "lieux.csv")


def test_a_file_that_cannot_be_deleted_does_not_spoil_the_job(media_root, monkeypatch):
    from django.core.files.storage import FileSystemStorage

    def refuse(self, name):
        raise PermissionError(name)

    job = new_job()
    monkeypatch.setattr(FileSystemStorage, "delete", refuse)
    job = run_import_job(job_id=job.pk)
    assert job.state == ImportState.SUCCEEDED
    assert stored(ImportJob.objects.get(pk=job.pk), media_root).exists()  # for the purge


def test_a_job_failed_before_it_ran_loses_its_file(media_root):
    job = new_job()
    path = stored(job, media_root)
    services.fail_import_job(job=job, message="Fichier perdu.")
    assert not path.exists()


def test_files_are_kept_for_the_retention_period_then_purged(media_root, settings):
    settings.IMPORT_FILE_RETENTION_DAYS = 7
    old, recent, waiting = new_job(), new_job(), new_job()
    paths = [stored(job, media_root) for job in (old, recent, waiting)]
    run_import_job(job_id=old.pk)
    run_import_job(job_id=recent.pk)
    ImportJob.objects.filter(pk=old.pk).update(finished_at=timezone.now() - timedelta(days=8))
    assert all(path.exists() for path in paths)

    assert purge_import_files() == 1
    assert [path.exists() for path in paths] == [False, True, True]
    assert ImportJob.objects.get(pk=old.pk).file.name == ""

    # --older-than-days 0: every finished job; the pending one keeps its file.
    call_command("purge_import_files", "--older-than-days", "0")
    assert [path.exists() for path in paths] == [False, False, True]
    assert ImportJob.objects.get(pk=recent.pk).progress_done == 1  # the report stays


def test_purge_deletes_orphan_files_once_they_are_old(media_root, capsys):
    imports = media_root / "imports"
    imports.mkdir(parents=True)
    old_orphan, new_orphan = imports / "old.csv", imports / "new.csv"
    old_orphan.write_bytes(GOOD)
    new_orphan.write_bytes(GOOD)
    two_hours_ago = (timezone.now() - timedelta(hours=2)).timestamp()
    os.utime(old_orphan, (two_hours_ago, two_hours_ago))
    call_command("purge_import_files")
    assert "1 fichier(s) d'import supprimé(s)." in capsys.readouterr().out
    assert (old_orphan.exists(), new_orphan.exists()) == (False, True)


def test_purge_refuses_a_negative_age():
    with pytest.raises(CommandError):
        call_command("purge_import_files", "--older-than-days", "-1")


def test_purge_without_any_upload_does_nothing():
    assert purge_import_files(older_than_days=0) == 0
