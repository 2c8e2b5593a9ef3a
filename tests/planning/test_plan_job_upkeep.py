"""Plan jobs kept in hand: stalled plans shown and retried by their author or an admin, and
each person's quota of active plans (ten region-wide exact plans queued at once kept everyone
else waiting).
"""

import json
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from maillage.accounts.services import create_api_token
from maillage.common.errors import PermissionDenied, ValidationFailed
from maillage.common.lifecycle import IllegalTransition
from maillage.planning.models import PlanJob, PlanState, PlanStep
from maillage.planning.services import create_plan_job, record_plan_progress, retry_plan_job
from tests.accounts.factories import AdminFactory, UserFactory

pytestmark = pytest.mark.django_db

PARAMETERS = {"territory": "64", "kind": "fablab", "radius_km": 10, "n_new": 1}


@pytest.fixture(autouse=True)
def stall_after_ten_minutes(settings):
    settings.JOB_STALLED_AFTER_SECONDS = 600


def new_job(user=None, **changes) -> PlanJob:
    return create_plan_job(actor=user or UserFactory(), **{**PARAMETERS, **changes})


def age(job: PlanJob, *, seconds: int, **changes) -> PlanJob:
    PlanJob.objects.filter(pk=job.pk).update(
        updated_at=timezone.now() - timedelta(seconds=seconds), **changes
    )
    job.refresh_from_db()
    return job


def test_the_solver_gets_its_time_limit_before_a_plan_is_stalled():
    """While solving, a plan reports nothing for up to the longest time limit (600 s)."""
    loading = age(new_job(), seconds=700, state=PlanState.RUNNING, step=PlanStep.LOADING)
    solving = age(new_job(), seconds=700, state=PlanState.RUNNING, step=PlanStep.SOLVING)
    lost = age(new_job(), seconds=1300, state=PlanState.RUNNING, step=PlanStep.SOLVING)
    assert [job.is_stalled for job in (loading, solving, lost)] == [True, False, True]
    assert set(PlanJob.objects.filter(PlanJob.stalled_filter())) == {loading, lost}


def test_progress_is_a_heartbeat():
    job = age(new_job(), seconds=3600, state=PlanState.RUNNING, step=PlanStep.LOADING)
    record_plan_progress(job=job, step=PlanStep.SOLVING)
    job.refresh_from_db()
    assert not job.is_stalled


def test_stalled_plan_page_shows_the_retry_button_to_its_author_only(client):
    author = UserFactory()
    job = age(new_job(author), seconds=3600, state=PlanState.RUNNING, step=PlanStep.LOADING)
    client.force_login(author)
    content = client.get(f"/analyse/planifier/{job.pk}/").content.decode()
    assert "Bloqué" in content
    assert f'action="/analyse/planifier/{job.pk}/relancer/"' in content
    client.force_login(UserFactory())
    content = client.get(f"/analyse/planifier/{job.pk}/").content.decode()
    assert "Bloqué" in content
    assert "relancer" not in content
    assert client.post(f"/analyse/planifier/{job.pk}/relancer/").status_code == 404


def test_pending_plan_nobody_took_says_no_worker_seems_active(client):
    job = age(new_job(), seconds=3600)
    content = client.get(f"/analyse/planifier/{job.pk}/").content.decode()
    assert "aucun worker ne semble actif" in content
    assert "Le calcul attend" not in content


def test_the_author_retries_a_failed_plan_from_its_page(client):
    author = UserFactory()
    job = age(new_job(author), seconds=5, state=PlanState.FAILED, error_message="Boum.")
    client.force_login(author)
    assert 'relancer/"' in client.get(f"/analyse/planifier/{job.pk}/").content.decode()
    assert client.post(f"/analyse/planifier/{job.pk}/relancer/").status_code == 302
    job.refresh_from_db()
    assert (job.state, job.error_message, job.progress_done) == (PlanState.SUCCEEDED, "", 100)


def test_admins_retry_any_plan_and_the_admin_action_uses_the_service(client):
    author = UserFactory()
    job = age(new_job(author), seconds=3600, state=PlanState.RUNNING, step=PlanStep.LOADING)
    superuser = AdminFactory(is_staff=True, is_superuser=True)
    client.force_login(superuser)
    listing = client.get("/admin/planning/planjob/?stalled=yes")
    assert list(listing.context["cl"].result_list) == [job]
    client.post(
        "/admin/planning/planjob/", {"action": "retry_selected", "_selected_action": [job.pk]}
    )
    job.refresh_from_db()
    assert job.state == PlanState.SUCCEEDED


@pytest.mark.parametrize(
    ("state", "seconds"),
    [(PlanState.SUCCEEDED, 3600), (PlanState.RUNNING, 5), (PlanState.PENDING, 5)],
)
def test_retry_refuses_succeeded_and_progressing_plans(state, seconds):
    author = UserFactory()
    job = age(new_job(author), seconds=seconds, state=state)
    with pytest.raises(IllegalTransition):
        retry_plan_job(actor=author, job=job)
    assert PlanJob.objects.get(pk=job.pk).state == state


def test_only_the_author_and_admins_may_retry():
    job = age(new_job(), seconds=5, state=PlanState.FAILED)
    for actor in (AnonymousUser(), UserFactory()):
        with pytest.raises(PermissionDenied):
            retry_plan_job(actor=actor, job=job)
    with pytest.raises(TypeError):
        retry_plan_job(actor=None, job=job)
    assert retry_plan_job(actor=AdminFactory(), job=job).state == PlanState.SUCCEEDED


def test_a_person_at_their_quota_is_refused_until_an_admin_raises_it(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    settings.PLAN_JOBS_PER_USER = 2
    user = UserFactory()
    new_job(user, method="exact"), new_job(user, method="exact")
    with pytest.raises(ValidationFailed) as caught:
        new_job(user, method="exact")
    assert "déjà 2 plans en attente ou en cours" in caught.value.errors[0].message
    user.job_quota = 10
    user.save()
    assert new_job(user, method="exact").state == PlanState.PENDING
    # A failed plan brought back needs room too.
    author = UserFactory(job_quota=1)
    failed = age(new_job(author), seconds=5, state=PlanState.FAILED)
    new_job(author, method="exact")
    with pytest.raises(ValidationFailed):
        retry_plan_job(actor=author, job=failed)
    assert PlanJob.objects.get(pk=failed.pk).state == PlanState.FAILED


def test_the_api_and_the_page_explain_the_quota(client, settings):
    settings.PLAN_JOBS_PER_USER = 0
    user = UserFactory()
    raw = create_api_token(user=user, name="t")[1]
    response = client.post(
        "/api/v1/analysis/plans",
        json.dumps(PARAMETERS),
        content_type="application/json",
        headers={"Authorization": f"Bearer {raw}"},
    )
    assert response.status_code == 422
    assert "limite étant de 0" in response.json()["errors"][0]["message"]
    client.force_login(user)
    form = {**PARAMETERS, "method": "greedy", "objective": "coverage"}
    page = client.post("/analyse/planifier/", form)
    assert "limite étant de 0" in page.content.decode()
    assert not PlanJob.objects.exists()
