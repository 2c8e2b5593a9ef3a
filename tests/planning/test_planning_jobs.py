"""Plan jobs: who may create them, their state machine, inline or background runs, failures, and
results reused while the inputs stay the same.
"""

import pytest

from maillage.common import jobs
from maillage.common.actors import SYSTEM
from maillage.common.errors import PermissionDenied, ValidationFailed
from maillage.common.lifecycle import IllegalTransition
from maillage.places.services import update_place
from maillage.planning import rules, selectors, services
from maillage.planning.models import PlanJob, PlanState, PlanStep
from maillage.planning.services import (
    create_plan_job,
    finish_plan_job,
    launch_plan_job,
    record_plan_progress,
    run_plan_job,
    start_plan_job,
)
from tests.accounts.factories import AdminFactory, UserFactory

pytestmark = pytest.mark.django_db

PARAMETERS = {"territory": "64", "kind": "fablab", "radius_km": 10, "n_new": 1}


def new_job(user=None, **changes) -> PlanJob:
    return create_plan_job(actor=user or UserFactory(), **{**PARAMETERS, **changes})


def test_created_job_is_pending_with_its_parameters():
    user = UserFactory()
    job = new_job(user, radius_km="7.5", n_new="3")
    assert (job.state, job.step, job.progress_done) == (PlanState.PENDING, PlanStep.QUEUED, 0)
    assert (job.territory.ref, job.kind, job.radius_km, job.n_new) == (
        "departement:64",
        "fablab",
        7.5,
        3,
    )
    assert (job.method, job.objective, job.time_limit_s, job.created_by) == (
        "greedy",
        "coverage",
        60.0,
        user,
    )


def test_anonymous_people_may_not_create_plans():
    from django.contrib.auth.models import AnonymousUser

    for actor in (AnonymousUser(), UserFactory(is_active=False)):
        with pytest.raises(PermissionDenied):
            create_plan_job(actor=actor, **PARAMETERS)
    with pytest.raises(TypeError):
        create_plan_job(actor=None, **PARAMETERS)
    assert PlanJob.objects.count() == 0


def test_every_faulty_parameter_is_reported():
    with pytest.raises(ValidationFailed) as caught:
        new_job(territory="zorglub", radius_km=-1, n_new=2.5, method="x", objective="y")
    assert [error.field for error in caught.value.errors] == [
        "territory",
        "radius_km",
        "n_new",
        "method",
        "objective",
    ]


def test_run_computes_the_plan(fablab_pau):
    job = run_plan_job(job_id=new_job().pk)
    job.refresh_from_db()
    assert (job.state, job.step, job.progress_done) == (PlanState.SUCCEEDED, PlanStep.DONE, 100)
    assert job.started_at <= job.finished_at
    assert job.result["population_covered_after"] == 177387
    assert len(job.inputs_digest) == 64


@pytest.mark.parametrize("state", [PlanState.RUNNING, PlanState.SUCCEEDED, PlanState.FAILED])
def test_only_pending_jobs_start(state):
    job = new_job()
    PlanJob.objects.filter(pk=job.pk).update(state=state)
    job.refresh_from_db()
    with pytest.raises(IllegalTransition):
        start_plan_job(job=job)


def test_pending_jobs_do_not_finish_without_running():
    with pytest.raises(IllegalTransition):
        finish_plan_job(job=new_job(), result={}, digest="")


def test_finished_jobs_do_not_fail_afterwards(fablab_pau):
    job = run_plan_job(job_id=new_job().pk)
    with pytest.raises(IllegalTransition):
        jobs.fail_job(job, message="trop tard")


def test_a_stale_copy_cannot_move_a_job_twice():
    job = new_job()
    stale = PlanJob.objects.get(pk=job.pk)
    start_plan_job(job=job)
    with pytest.raises(IllegalTransition):
        start_plan_job(job=stale)


def test_progress_is_recorded_for_running_jobs_only():
    job = new_job()
    record_plan_progress(job=job, step=PlanStep.SOLVING)
    job.refresh_from_db()
    assert (job.step, job.progress_done) == (PlanStep.QUEUED, 0)
    start_plan_job(job=job)
    record_plan_progress(job=job, step=PlanStep.SOLVING)
    job.refresh_from_db()
    assert (job.step, job.progress_done) == (PlanStep.SOLVING, 30)


def test_unexpected_error_fails_the_job(monkeypatch, caplog):
    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(services, "analyse_plan", broken)
    job = run_plan_job(job_id=new_job().pk)
    job.refresh_from_db()
    assert job.state == PlanState.FAILED
    assert job.error_message == "Le calcul s'est arrêté sur une erreur inattendue."
    assert job.result is None
    assert "boom" in caplog.text


def test_same_inputs_reuse_the_result_until_a_place_changes(fablab_pau, monkeypatch):
    calls = []
    compute = services.analyse_plan
    monkeypatch.setattr(services, "analyse_plan", lambda **kw: calls.append(1) or compute(**kw))
    first = run_plan_job(job_id=new_job().pk)
    second = run_plan_job(job_id=new_job().pk)
    assert len(calls) == 1
    assert second.result == first.result
    assert second.inputs_digest == first.inputs_digest
    # Other parameters, or another version of the places, are computed again.
    run_plan_job(job_id=new_job(n_new=2).pk)
    assert len(calls) == 2
    update_place(actor=SYSTEM, place=fablab_pau, changes={"status": "closed"})
    third = run_plan_job(job_id=new_job().pk)
    assert len(calls) == 3
    assert third.result["population_covered_before"] == 0


def test_launch_runs_small_greedy_plans_inline_and_queues_the_others(settings, monkeypatch):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    assert launch_plan_job(job=new_job()).state == PlanState.SUCCEEDED
    assert launch_plan_job(job=new_job(method="exact")).state == PlanState.PENDING
    monkeypatch.setattr(services, "INLINE_MAX_COMMUNES", 3)  # département 64 has 4 here
    assert launch_plan_job(job=new_job(n_new=2)).state == PlanState.PENDING
    # An answer already computed for the same inputs is given at once.
    assert launch_plan_job(job=new_job()).state == PlanState.SUCCEEDED


def test_plan_lists_and_visibility():
    """People list their own plans, instance admins every plan; anyone may open a plan."""
    alice, bob, admin = UserFactory(), UserFactory(), AdminFactory()
    job_a, job_b = new_job(alice), new_job(bob)
    assert list(selectors.plan_jobs_for(alice)) == [job_a]
    assert list(selectors.plan_jobs_for(bob)) == [job_b]
    assert list(selectors.plan_jobs_for(admin)) == [job_b, job_a]
    assert list(selectors.plan_jobs_for(None)) == []
    assert selectors.get_plan_job(user=None, job_id=job_a.pk) == job_a
    assert selectors.get_plan_job(user=bob, job_id=job_a.pk) == job_a


def test_permission_rules():
    from django.contrib.auth.models import AnonymousUser

    assert rules.can_create_plan(UserFactory())
    assert not rules.can_create_plan(AnonymousUser())
    assert not rules.can_create_plan(None)
    assert not rules.can_create_plan(UserFactory(is_active=False))
    assert rules.can_view_plan(AnonymousUser(), None)
    assert rules.sees_every_plan(AdminFactory())
    assert not rules.sees_every_plan(UserFactory())


def test_a_plan_whose_author_was_deleted_is_refused_when_it_runs(fablab_pau):
    job = new_job()
    job.created_by.delete()
    job = services.run_plan_job(job_id=job.pk)
    assert job.state == PlanState.FAILED
    assert job.error_message.startswith("Le compte qui a demandé ce plan n'existe plus")
    assert job.result is None


def test_a_plan_whose_author_was_deactivated_is_refused_when_it_runs(fablab_pau):
    job = new_job()
    job.created_by.is_active = False
    job.created_by.save()
    job = services.run_plan_job(job_id=job.pk)
    assert job.state == PlanState.FAILED
    assert job.error_message.startswith("Le compte qui a demandé ce plan n'a plus le droit")
