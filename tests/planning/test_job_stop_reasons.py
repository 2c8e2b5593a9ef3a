"""Every background job stores why it stopped as a code with params (`Job.stop_reason`), so
its page and API show the reason in the reader's language, whatever language it ran in: plans
as imports do (issue 13; harvests: tests/federation/test_job_stop_reason.py)."""

import pytest
from django.db import OperationalError
from django.utils import translation

from maillage.common import jobs
from maillage.planning import services as plan_services
from maillage.planning.models import PlanState
from tests.accounts.factories import AdminFactory, UserFactory

pytestmark = pytest.mark.django_db

PLAN = {"territory": "64", "kind": "fablab", "radius_km": 10, "n_new": 1}
DATABASE_GONE_EN = "The database stayed unreachable during the job"


def plan_run_in_french(author):
    with translation.override("fr"):
        job = plan_services.create_plan_job(actor=author, **PLAN)
        return plan_services.run_plan_job(job_id=job.pk)


def test_a_plan_stopped_by_the_database_reads_in_the_readers_language(
    client, monkeypatch, fablab_pau
):
    def database_locked(**kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(plan_services, "analyse_plan", database_locked)
    author = UserFactory()
    job = plan_run_in_french(author)
    assert job.state == PlanState.FAILED
    assert (job.error_code, job.error_params) == ("job.database_unavailable", {})
    assert job.error_message.startswith("La base de données est restée inaccessible")

    client.force_login(author)
    page = client.get(f"/analyse/planifier/{job.pk}/", headers={"Accept-Language": "en"})
    assert DATABASE_GONE_EN in page.content.decode()
    assert "restée inaccessible" not in page.content.decode()
    answer = client.get(f"/api/v1/analysis/plans/{job.pk}", headers={"Accept-Language": "en"})
    assert answer.json()["error"].startswith(DATABASE_GONE_EN)


def test_a_plan_whose_author_lost_the_right_reads_in_the_readers_language(client, fablab_pau):
    author, admin = UserFactory(), AdminFactory()
    with translation.override("fr"):
        job = plan_services.create_plan_job(actor=author, **PLAN)
    author.is_active = False
    author.save()
    with translation.override("fr"):
        job = plan_services.run_plan_job(job_id=job.pk)
    assert job.error_code == "plan.author_refused"
    client.force_login(admin)
    answer = client.get(f"/api/v1/analysis/plans/{job.pk}", headers={"Accept-Language": "en"})
    assert "no longer" in answer.json()["error"]
    assert answer.json()["error"] != job.error_message


def test_an_unexpected_plan_error_is_coded(monkeypatch, fablab_pau):
    def bug(**kwargs):
        raise ValueError("a bug")

    monkeypatch.setattr(plan_services, "analyse_plan", bug)
    job = plan_run_in_french(UserFactory())
    assert (job.error_code, job.error_message) == (
        "plan.unexpected_error",
        "Le calcul s'est arrêté sur une erreur inattendue.",
    )
    with translation.override("en"):
        assert job.stop_reason == "The computation stopped on an unexpected error."


def test_a_retried_job_forgets_its_stop_reason(monkeypatch, fablab_pau):
    calls = []
    original = plan_services.analyse_plan

    def locked_once(**kwargs):
        # Inside the test's transaction nothing is retried (`jobs.retry_transient`): the first
        # run meets the locked database once and stops.
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("database is locked")
        return original(**kwargs)

    monkeypatch.setattr(plan_services, "analyse_plan", locked_once)
    author = UserFactory()
    job = plan_run_in_french(author)
    assert job.error_code == "job.database_unavailable"
    job = plan_services.retry_plan_job(actor=author, job=job)
    job.refresh_from_db()
    assert len(calls) == 2
    assert (job.state, job.error_code, job.error_params, job.stop_reason) == (
        PlanState.SUCCEEDED,
        "",
        {},
        "",
    )


def test_a_reason_stored_without_a_code_shows_as_it_is():
    job = plan_services.create_plan_job(actor=UserFactory(), **PLAN)
    jobs.fail_job(job, message="Arrêté à la main.")
    job.refresh_from_db()
    assert (job.error_code, job.stop_reason) == ("", "Arrêté à la main.")
