"""GET /api/v1/analysis/coverage, POST /api/v1/analysis/plans, GET /api/v1/analysis/plans/{id}:
the commands' JSON, status codes, the house error format, and results cached per input version.
"""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django_tasks.signals import task_enqueued

from maillage.accounts.services import create_api_token
from maillage.common.actors import SYSTEM
from maillage.places.services import delete_place, update_place
from maillage.planning import selectors
from maillage.planning.models import PlanJob
from maillage.territories.models import Territory
from tests.accounts.factories import UserFactory
from tests.places.factories import make_place

pytestmark = pytest.mark.django_db

COVERAGE = "/api/v1/analysis/coverage"
PLANS = "/api/v1/analysis/plans"
INVALID = "Les données envoyées sont invalides."


def bearer(user=None) -> dict:
    raw = create_api_token(user=user or UserFactory(), name="test")[1]
    return {"Authorization": f"Bearer {raw}"}


def post_plan(client, body: dict, headers: dict | None = None):
    return client.post(PLANS, json.dumps(body), content_type="application/json", headers=headers)


# --- coverage ----------------------------------------------------------------------------------


def test_coverage_answers_the_json_of_the_command(client, fablab_pau, coworking_lescar):
    response = client.get(COVERAGE, {"territory": "64", "kind": "fablab", "radius_km": 10})
    assert response.status_code == 200
    out = StringIO()
    call_command(
        "coverage", "--radius-km", "10", "--kind", "fablab", "--territory", "64",
        "--format", "json", stdout=out,
    )  # fmt: skip
    assert response.json() == json.loads(out.getvalue())
    assert list(response.json()) == [
        "radius_km",
        "population_total",
        "population_covered",
        "share_covered",
        "distance_km",
        "by_kind",
        "white_zones",
    ]


def test_coverage_with_repeated_kinds(client, fablab_pau, coworking_lescar):
    response = client.get(
        COVERAGE, {"territory": "departement:64", "kind": ["fablab", "coworking"], "radius_km": 1}
    )
    report = response.json()
    assert report["population_covered"] == 86044
    assert {kind: f["population_covered"] for kind, f in report["by_kind"].items()} == {
        "coworking": 10379,
        "fablab": 75665,
    }


def test_coverage_of_all_france_without_territory(client, fablab_pau):
    report = client.get(COVERAGE, {"radius_km": 10}).json()
    # The sample holds Paris as well: 2,133,111 more inhabitants, none covered.
    assert report["population_total"] == 177387 + 2133111
    assert report["population_covered"] == 86044
    assert report["white_zones"][0] == {
        "code": "75056",
        "name": "Paris",
        "population_uncovered": 2133111,
    }


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        ({"territory": "zorglub", "radius_km": 10}, ["territory"]),
        ({"territory": "64", "radius_km": 0}, ["radius_km"]),
        ({"territory": "64", "radius_km": 500}, ["radius_km"]),
        ({"territory": "64", "radius_km": "dix"}, ["radius_km"]),
        ({"territory": "64"}, ["radius_km"]),
        ({"kind": "bar", "radius_km": -1, "territory": "?"}, ["kind", "radius_km", "territory"]),
    ],
)
def test_coverage_errors_in_the_house_format(client, params, fields):
    response = client.get(COVERAGE, params)
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == INVALID
    assert [error["field"] for error in body["errors"]] == fields
    assert all(error["message"] for error in body["errors"])


def test_coverage_is_cached_until_a_place_changes(client, fablab_pau, monkeypatch):
    """Equal inputs are computed once; moving, closing or deleting a place recomputes."""
    calls = []
    compute = selectors.analyse_coverage
    monkeypatch.setattr(
        selectors, "analyse_coverage", lambda **kw: calls.append(kw) or compute(**kw)
    )
    params = {"territory": "64", "radius_km": 10}

    def covered():
        return client.get(COVERAGE, params).json()["population_covered"]

    assert covered() == 86044
    assert covered() == 86044
    assert len(calls) == 1

    update_place(
        actor=SYSTEM, place=fablab_pau, changes={"latitude": 43.4929, "longitude": -1.4748}
    )
    assert covered() == 91343  # now in Bayonne, covering Anglet too
    update_place(actor=SYSTEM, place=fablab_pau, changes={"status": "closed"})
    assert covered() == 0
    update_place(actor=SYSTEM, place=fablab_pau, changes={"status": "open"})
    assert covered() == 91343
    assert len(calls) == 4
    other = make_place(name="Lescar", kinds=["coworking"], insee_code="64348")
    delete_place(actor=SYSTEM, place=fablab_pau)
    assert covered() == 86044  # the coworking at Lescar's centre covers Pau and Lescar
    delete_place(actor=SYSTEM, place=other)
    assert covered() == 0
    assert len(calls) == 6


def test_coverage_is_recomputed_when_the_communes_change(client, fablab_pau):
    """A new reference file (`load_territories`) with another population for Lescar."""
    params = {"territory": "64", "radius_km": 10}
    assert client.get(COVERAGE, params).json()["population_covered"] == 86044
    Territory.objects.filter(level="commune", code="64348").update(population=10000)
    assert client.get(COVERAGE, params).json()["population_covered"] == 85665


def test_coverage_cache_depends_on_the_parameters(client, fablab_pau):
    at_5 = client.get(COVERAGE, {"territory": "64", "radius_km": 5}).json()
    at_10 = client.get(COVERAGE, {"territory": "64", "radius_km": 10}).json()
    assert (at_5["population_covered"], at_10["population_covered"]) == (75665, 86044)


# --- plans ---------------------------------------------------------------------------------------

PLAN = {"territory": "64", "kind": "fablab", "radius_km": 10, "n_new": 1}


def test_creating_a_plan_needs_a_token(client):
    response = post_plan(client, PLAN)
    assert response.status_code == 401
    assert response.json()["errors"] == []
    assert PlanJob.objects.count() == 0


def test_small_plan_is_computed_during_the_request(client, fablab_pau):
    response = post_plan(client, PLAN, bearer())
    assert response.status_code == 202
    job = PlanJob.objects.get()
    assert response.json() == {"id": job.pk, "status": "succeeded"}

    body = client.get(f"{PLANS}/{job.pk}").json()
    assert {key: body[key] for key in ("status", "step", "progress", "territory", "error")} == {
        "status": "succeeded",
        "step": "done",
        "progress": 100,
        "territory": "departement:64",
        "error": "",
    }
    result = body["result"]
    assert (result["population_covered_before"], result["population_covered_after"]) == (
        86044,
        177387,
    )
    assert result["chosen"] == [
        {"id": "64024", "name": "Anglet", "latitude": 43.485, "longitude": -1.5195, "gain": 91343}
    ]


def test_plan_result_is_the_json_of_the_command(client, fablab_pau):
    job_id = post_plan(client, {**PLAN, "n_new": 2}, bearer()).json()["id"]
    out = StringIO()
    call_command(
        "plan", "--radius-km", "10", "--new", "2", "--kind", "fablab", "--territory", "64",
        "--format", "json", stdout=out,
    )  # fmt: skip
    assert client.get(f"{PLANS}/{job_id}").json()["result"] == json.loads(out.getvalue())


def test_exact_plan_runs_as_a_background_task(client, fablab_pau):
    enqueued = []

    def record(sender, task_result, **kwargs):
        enqueued.append((task_result.task.name, task_result.kwargs))

    task_enqueued.connect(record)
    try:
        response = post_plan(client, {**PLAN, "method": "exact"}, bearer())
    finally:
        task_enqueued.disconnect(record)
    assert response.status_code == 202
    job = PlanJob.objects.get()
    assert enqueued == [("run_plan_job_task", {"job_id": job.pk})]
    # The Immediate backend of the tests runs the task at once.
    assert response.json() == {"id": job.pk, "status": "succeeded"}
    assert client.get(f"{PLANS}/{job.pk}").json()["result"]["status"] == "optimal"


def test_queued_plan_reports_its_progress(client, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    response = post_plan(client, {**PLAN, "method": "exact"}, bearer())
    assert response.json()["status"] == "pending"
    body = client.get(f"{PLANS}/{response.json()['id']}").json()
    assert (body["status"], body["step"], body["progress"], body["result"]) == (
        "pending",
        "queued",
        0,
        None,
    )


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"territory": "zorglub"}, ["territory"]),
        ({"kind": "bar"}, ["kind"]),
        ({"radius_km": 0}, ["radius_km"]),
        ({"n_new": 0}, ["n_new"]),
        ({"n_new": 501}, ["n_new"]),
        ({"method": "magic"}, ["method"]),
        ({"objective": "beauty"}, ["objective"]),
        ({"time_limit_s": 3601}, ["time_limit_s"]),
        ({"radius_km": "loin"}, ["radius_km"]),
        ({"territory": "?", "n_new": -1, "kind": "bar"}, ["territory", "kind", "n_new"]),
    ],
)
def test_plan_errors_in_the_house_format(client, changes, fields):
    response = post_plan(client, {**PLAN, **changes}, bearer())
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == INVALID
    assert [error["field"] for error in body["errors"]] == fields
    assert PlanJob.objects.count() == 0


def test_missing_plan_answers_404(client):
    response = client.get(f"{PLANS}/999")
    assert response.status_code == 404
    assert response.json() == {"detail": "Aucun plan n° 999.", "errors": []}


def test_operations_have_explicit_ids():
    from maillage.api import api

    paths = api.get_openapi_schema()["paths"]
    assert paths["/api/v1/analysis/coverage"]["get"]["operationId"] == "get_coverage"
    assert paths["/api/v1/analysis/plans"]["post"]["operationId"] == "create_plan"
    assert paths["/api/v1/analysis/plans/{job_id}"]["get"]["operationId"] == "get_plan"
