from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from . import jobs


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
    `common.jobs.run_job` drives a job through them. `updated_at` is the heartbeat: every
    progress update bumps it.

    Progress and the failure's explanation stay with each kind of job, because they mean
    different things: an import counts rows and keeps a report of rejected rows, a plan shows a
    step and a percentage and one error message.
    """

    State = JobState
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

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=JobState.values), name="%(class)s_state_valid"
            )
        ]

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
