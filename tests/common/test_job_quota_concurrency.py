"""The per-user job quota holds when one person sends many requests at once.

Ten parallel POST /api/v1/analysis/plans of exact plans (which go to the task workers and stay
pending, since no worker runs here) by one person whose quota is 3: exactly 3 are accepted, on
SQLite and on PostgreSQL. Without the lock taken in `check_job_quota`, PostgreSQL lets several
requests count the same active jobs and accepts more than the quota.
"""

import threading
import time

import pytest
from django.db import connection

from maillage.accounts.services import create_api_token
from maillage.planning.models import PlanJob
from tests.accounts.factories import UserFactory
from tests.concurrency import Call, send_all
from tests.territories.factories import load_reference_sample

pytestmark = pytest.mark.django_db(transaction=True)

REQUESTS = 10
QUOTA = 3


def test_parallel_plan_requests_never_exceed_the_quota(app_server):
    load_reference_sample()
    user = UserFactory(job_quota=QUOTA)
    _, token = create_api_token(user=user, name="quota")
    body = {"territory": "64", "kind": "fablab", "radius_km": 10, "n_new": 1, "method": "exact"}

    responses = send_all(
        app_server.url,
        [Call("POST", "/api/v1/analysis/plans", body, token)] * REQUESTS,
        clients=REQUESTS,
    )

    statuses = sorted(response.status for response in responses)
    assert statuses == [202] * QUOTA + [422] * (REQUESTS - QUOTA)
    assert PlanJob.objects.filter(created_by=user).count() == QUOTA
    refused = [response.json() for response in responses if response.status == 422]
    assert all("limite étant de 3" in body["errors"][0]["message"] for body in refused)


def test_two_requests_counting_at_the_same_moment_are_serialised(monkeypatch):
    """The race made certain: each request pauses between reading the quota and counting, so
    without the lock both would count the same jobs and both be accepted."""
    from maillage.common import jobs
    from maillage.common.errors import ValidationFailed
    from maillage.planning.services import create_plan_job

    load_reference_sample()
    user = UserFactory(job_quota=1)
    quota = jobs.job_quota

    def slow_quota(*args, **kwargs):
        time.sleep(0.3)
        return quota(*args, **kwargs)

    monkeypatch.setattr(jobs, "job_quota", slow_quota)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def request() -> None:
        start.wait()
        try:
            create_plan_job(
                actor=user, territory="64", kind="fablab", radius_km=10, n_new=1, method="exact"
            )
            outcomes.append("accepted")
        except ValidationFailed:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=request) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["accepted", "refused"]
    assert PlanJob.objects.filter(created_by=user).count() == 1
