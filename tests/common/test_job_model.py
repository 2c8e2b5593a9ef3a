"""The job base model (common.models.Job) shared by import jobs and plan jobs."""

from itertools import product

import pytest
from django.db import IntegrityError, transaction

from maillage.common.lifecycle import IllegalTransition, move_state
from maillage.common.models import Job, JobState
from maillage.opendata.models import ImportJob
from maillage.planning.models import PlanJob
from maillage.territories.models import Territory

JOB_MODELS = [ImportJob, PlanJob]
ILLEGAL_MOVES = [
    (current, target)
    for current, target in product(JobState.values, repeat=2)
    if target not in Job.TRANSITIONS[current]
]


def new_job(model):
    if model is ImportJob:
        return ImportJob.objects.create(source="reseau", file_name="lieux.csv", size_bytes=10)
    return PlanJob.objects.create(territory=Territory.objects.first(), radius_km=10, n_new=1)


def test_every_job_model_has_the_shared_lifecycle():
    for model in JOB_MODELS:
        assert issubclass(model, Job)
        assert model.TRANSITIONS is Job.TRANSITIONS
        assert model.State is JobState


def test_a_finished_job_goes_nowhere_but_a_failed_one_may_be_retried():
    assert Job.TRANSITIONS[JobState.SUCCEEDED] == frozenset()
    assert Job.TRANSITIONS[JobState.FAILED] == {JobState.PENDING}
    assert ILLEGAL_MOVES, "every state may not go everywhere"


@pytest.mark.django_db
@pytest.mark.parametrize("model", JOB_MODELS)
@pytest.mark.parametrize(("current", "target"), ILLEGAL_MOVES)
def test_each_illegal_move_is_refused(model, current, target):
    job = new_job(model)
    model.objects.filter(pk=job.pk).update(state=current)
    job.refresh_from_db()
    with pytest.raises(IllegalTransition):
        move_state(job, target)
    job.refresh_from_db()
    assert job.state == current


@pytest.mark.django_db
@pytest.mark.parametrize("model", JOB_MODELS)
def test_the_database_refuses_an_unknown_state(model):
    job = new_job(model)
    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.filter(pk=job.pk).update(state="paused")


@pytest.mark.django_db
@pytest.mark.parametrize("model", JOB_MODELS)
def test_a_job_is_finished_once_it_succeeded_or_failed(model):
    job = new_job(model)
    assert not job.is_finished
    assert not job.is_stalled
    for state, finished in [(JobState.RUNNING, False), (JobState.SUCCEEDED, True)]:
        job.state = state
        assert job.is_finished is finished
    job.state = JobState.FAILED
    assert job.is_finished
