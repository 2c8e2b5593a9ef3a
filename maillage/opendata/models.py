from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from maillage.common import jobs
from maillage.common.models import TimeStampedModel


class ImportState(models.TextChoices):
    PENDING = "pending", _("en attente")
    RUNNING = "running", _("en cours")
    SUCCEEDED = "succeeded", _("réussi")
    FAILED = "failed", _("échoué")


class ImportJob(TimeStampedModel):
    """An import of a file uploaded by an admin (web page or API), with its progress and report.

    Lifecycle: pending → running → succeeded | failed (and pending → failed when the job cannot
    start); a failed job, or a running one that is stalled (no heartbeat, see
    `maillage.common.jobs`), goes back to pending when retried. Moves are made only by
    `opendata.services`, following `TRANSITIONS`. A job *succeeds* when `maillage import_places`
    would exit with 0: the file was read and no row was rejected; otherwise it *fails* and its
    report says why. The uploaded file is deleted once the job ends (after
    IMPORT_FILE_RETENTION_DAYS); the job keeps its report and the file's name.
    """

    State = ImportState
    TRANSITIONS: dict[str, frozenset[str]] = {
        State.PENDING: frozenset({State.RUNNING, State.FAILED}),
        State.RUNNING: frozenset({State.SUCCEEDED, State.FAILED, State.PENDING}),
        State.SUCCEEDED: frozenset(),
        State.FAILED: frozenset({State.PENDING}),
    }

    source = models.CharField(_("source"), max_length=100)
    # Blank once the file is deleted (see IMPORT_FILE_RETENTION_DAYS).
    file = models.FileField(_("fichier"), upload_to="imports/", max_length=300, blank=True)
    file_name = models.CharField(_("nom du fichier"), max_length=255)
    size_bytes = models.PositiveBigIntegerField(_("taille (octets)"))
    dry_run = models.BooleanField(_("simulation"), default=False)
    partial = models.BooleanField(_("import partiel"), default=False)
    state = models.CharField(_("état"), max_length=10, choices=State.choices, default=State.PENDING)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="import_jobs",
        verbose_name=_("lancé par"),
    )
    rows_done = models.PositiveIntegerField(_("lignes vérifiées"), default=0)
    created_count = models.PositiveIntegerField(_("créés"), default=0)
    updated_count = models.PositiveIntegerField(_("mis à jour"), default=0)
    unchanged_count = models.PositiveIntegerField(_("inchangés"), default=0)
    rejected_count = models.PositiveIntegerField(_("rejetés"), default=0)
    # [{"line": …, "field": …, "message": …}], as in the command's JSON report.
    errors = models.JSONField(_("erreurs"), default=list, blank=True)
    warnings = models.JSONField(_("avertissements"), default=list, blank=True)
    started_at = models.DateTimeField(_("commencé le"), null=True, blank=True)
    finished_at = models.DateTimeField(_("terminé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("import de lieux")
        verbose_name_plural = _("imports de lieux")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=ImportState.values),
                name="importjob_state_valid",
            )
        ]

    def __str__(self) -> str:
        return f"{self.source} — {self.file_name}"

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
