"""Retrying a failed job outside any transaction, as the pages, the API and the admin do: the
author's quota is counted inside the retry's own transaction (`check_job_quota` refuses to count
outside one), and the job runs again."""

import pytest

from maillage.common import jobs
from maillage.planning.models import PlanState
from maillage.planning.services import create_plan_job, retry_plan_job
from tests.accounts.factories import UserFactory
from tests.territories.factories import load_reference_sample

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_failed_job_is_retried_outside_a_transaction_within_its_author_quota():
    load_reference_sample()
    author = UserFactory(job_quota=1)
    job = create_plan_job(actor=author, territory="64", kind="fablab", radius_km=10, n_new=1)
    jobs.fail_job(jobs.start_job(job), message="Coupure.")

    job = retry_plan_job(actor=author, job=job)

    assert (job.state, job.error_message, job.progress_percent) == (PlanState.SUCCEEDED, "", 100)
