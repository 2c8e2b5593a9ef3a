from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from maillage.common.models import Job, JobState

# The states of every job, under the name the import code uses.
ImportState = JobState


class ImportJob(Job):
    """An import of a file uploaded by an admin (web page or API), with its progress and report.

    Its progress counts the rows checked (`progress_done`); their total is known at the end.
    A job stopped before its end says why in `error_message`; `errors` are the rejected rows.

    Its lifecycle is `common.models.Job`'s; moves are made only by `opendata.services`. A job
    *succeeds* when `maillage import_places` would exit with 0: the file was read and no row was
    rejected; otherwise it *fails* and its report says why. The uploaded file is deleted once the
    job ends (after IMPORT_FILE_RETENTION_DAYS); the job keeps its report and the file's name.
    """

    QUOTA_SETTING = "IMPORT_JOBS_PER_USER"
    QUOTA_MESSAGE = _(
        "Vous avez déjà %(active)d imports en attente ou en cours, votre limite étant de "
        "%(limit)d : attendez qu'un import se termine, ou demandez à un·e "
        "administrateur·rice de relever votre limite."
    )

    source = models.CharField(_("source"), max_length=100)
    # Blank once the file is deleted (see IMPORT_FILE_RETENTION_DAYS).
    file = models.FileField(_("fichier"), upload_to="imports/", max_length=300, blank=True)
    file_name = models.CharField(_("nom du fichier"), max_length=255)
    size_bytes = models.PositiveBigIntegerField(_("taille (octets)"))
    dry_run = models.BooleanField(_("simulation"), default=False)
    partial = models.BooleanField(_("import partiel"), default=False)
    created_count = models.PositiveIntegerField(_("créés"), default=0)
    updated_count = models.PositiveIntegerField(_("mis à jour"), default=0)
    unchanged_count = models.PositiveIntegerField(_("inchangés"), default=0)
    rejected_count = models.PositiveIntegerField(_("rejetés"), default=0)
    # [{"line": …, "field": …, "message": …}], as in the command's JSON report.
    errors = models.JSONField(_("erreurs"), default=list, blank=True)
    # [{"code": …, "params": …, "message": …}]; a plain text for a warning stored before codes.
    warnings = models.JSONField(_("avertissements"), default=list, blank=True)

    class Meta(Job.Meta):
        verbose_name = _("import de lieux")
        verbose_name_plural = _("imports de lieux")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.source} — {self.file_name}"

    @property
    def outcome(self) -> str:
        """The state in the reader's words. A partial import that rejected rows "fails" for the
        command's exit code, yet it ran to its end and wrote the valid rows: it says « terminé,
        N lignes rejetées », not « échoué »; an all-or-nothing import refused for its rows says
        that nothing was written."""
        stopped = bool(self.error_message)
        if self.state == JobState.FAILED and self.rejected_count and not stopped:
            values = {"count": self.rejected_count}
            if self.partial:
                return (
                    ngettext(
                        "terminé, %(count)d ligne rejetée",
                        "terminé, %(count)d lignes rejetées",
                        self.rejected_count,
                    )
                    % values
                )
            return (
                ngettext(
                    "refusé : %(count)d ligne rejetée, rien n'est écrit",
                    "refusé : %(count)d lignes rejetées, rien n'est écrit",
                    self.rejected_count,
                )
                % values
            )
        return self.get_state_display()
