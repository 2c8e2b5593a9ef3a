from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from . import jobs
from .errors import render_message


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("mis à jour le"), auto_now=True)

    class Meta:
        abstract = True


class JobState(models.TextChoices):
    PENDING = jobs.PENDING, _("en attente")
    RUNNING = jobs.RUNNING, _("en cours")
    SUCCEEDED = jobs.SUCCEEDED, _("réussi")
    FAILED = jobs.FAILED, _("échoué")


class Job(TimeStampedModel):
    """What every background job records: its state, who launched it, when it ran.

    Lifecycle: pending → running → succeeded | failed (and pending → failed when the job cannot
    start); a failed job, or a running one that is stalled (no heartbeat, see
    `maillage.common.jobs`), goes back to pending when retried. Moves follow `TRANSITIONS`
    through `common.lifecycle.move_state`, called by the services of the job's app, and
    `common.jobs.run_job` drives a job through them (with the services of `common.jobs`:
    `start_job`, `record_progress`, `finish_job`, `fail_job`, `retry_job`). `updated_at` is the
    heartbeat: every progress update bumps it.

    Progress is `progress_done` out of `progress_total`, in the job's own unit: an import counts
    the rows it has checked and knows their total only at the end (it reads a stream), a plan
    counts percentage points of its steps out of 100. `error_message` says, in words a person
    can act on, why a failed job could not run to its end (with its code and params when it has
    some: `stop_reason` renders it in the reader's language); what a job reports besides (an
    import's rejected rows, a plan's result) stays with each kind of job.
    """

    State = JobState
    # Each kind of job names its default quota of active jobs per person (a setting) and the
    # sentence that refuses one more (`common.jobs.check_job_quota`).
    QUOTA_SETTING: str
    QUOTA_MESSAGE: str
    TRANSITIONS: dict[str, frozenset[str]] = {
        State.PENDING: frozenset({State.RUNNING, State.FAILED}),
        State.RUNNING: frozenset({State.SUCCEEDED, State.FAILED, State.PENDING}),
        State.SUCCEEDED: frozenset(),
        State.FAILED: frozenset({State.PENDING}),
    }

    state = models.CharField(_("état"), max_length=10, choices=State.choices, default=State.PENDING)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name=_("lancé par"),
    )
    started_at = models.DateTimeField(_("commencé le"), null=True, blank=True)
    finished_at = models.DateTimeField(_("terminé le"), null=True, blank=True)
    progress_done = models.PositiveBigIntegerField(_("avancement"), default=0)
    # None while the job does not know how much there is to do.
    progress_total = models.PositiveBigIntegerField(_("à faire"), null=True, blank=True)
    error_message = models.TextField(_("message d'échec"), blank=True)
    # The code and params of `error_message` (docs/data.md, « Import error codes »), "" and {}
    # for a reason without a code: the reason is shown again in its reader's language.
    error_code = models.CharField(
        _("code d'échec"), max_length=100, blank=True, default="", db_default=""
    )
    error_params = models.JSONField(
        _("paramètres d'échec"), blank=True, default=dict, db_default={}
    )

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=JobState.values), name="%(class)s_state_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(progress_total__isnull=True)
                | models.Q(progress_done__lte=models.F("progress_total")),
                name="%(class)s_progress_within_total",
            ),
        ]

    @property
    def progress_percent(self) -> int | None:
        """How far the job is, in whole percent; None while its total is not known."""
        if not self.progress_total:
            return None
        return min(100, self.progress_done * 100 // self.progress_total)

    @property
    def stop_reason(self) -> str:
        """Why the job stopped before its end, in the active language ("" when it did not): a
        coded reason rendered again, a reason stored without a code as it is."""
        return render_message(self.error_code, self.error_params, self.error_message)

    @property
    def is_finished(self) -> bool:
        return self.state in (self.State.SUCCEEDED, self.State.FAILED)

    @property
    def is_stalled(self) -> bool:
        """Pending with no worker to take it, or running with no heartbeat, for too long."""
        return jobs.is_stalled(self)

    @classmethod
    def stalled_filter(cls) -> models.Q:
        return jobs.stalled_filter()
