"""The one command behind `maillage import_places` and `maillage import_osm`.

Both parse the same flags, call `services.import_places` (`import_osm` through its OSM-only
reader), print the same report and exit the same way: 0 when nothing was rejected, 1 when an
object or line was rejected or the file could not be read. They differ only in what the class
attributes below say (their help, whether `--source` has a default, the service). Report lines
follow the file: a row of an OSM extract is named « objet n123 », any other « ligne 3 ».
"""

import json
from abc import ABC, abstractmethod
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from maillage.common.actors import SYSTEM
from maillage.common.errors import ValidationFailed

from ..osm import OSM_FORMAT
from ..services import FILE_FIELD, ImportReport, RowError


class ImportCommand(BaseCommand, ABC):
    # `--source`'s default; None makes it required.
    default_source: str | None = None
    source_help = ""
    file_help = ""
    # Whether a whole-file error prints as its message alone (else as a line of the file).
    file_errors_alone = False

    @abstractmethod
    def import_file(self, **arguments) -> ImportReport:
        """Import the file with the command's service (`import_places` or `import_osm`)."""

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help=self.file_help)
        if self.default_source is None:
            parser.add_argument("--source", required=True, help=self.source_help)
        else:
            parser.add_argument("--source", default=self.default_source, help=self.source_help)
        parser.add_argument(
            "--dry-run", action="store_true", help=_("ne rien écrire, dire ce qui changerait")
        )
        parser.add_argument(
            "--partial",
            action="store_true",
            help=_("écrire les lignes ou objets valides même si d'autres sont rejetés"),
        )
        parser.add_argument("--format", choices=("text", "json"), default="text")

    def handle(self, *args, file: Path, source: str, dry_run: bool, partial: bool, **options):
        if not file.is_file():
            raise CommandError(_("Fichier introuvable : %s") % file)
        try:
            report = self.import_file(
                source=source, path=file, dry_run=dry_run, partial=partial, actor=SYSTEM
            )
        except ValidationFailed as exc:
            raise CommandError(str(exc)) from None
        if options["format"] == "json":
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False))
            # Standard output carries the documented JSON only; warnings go to standard error.
            for warning in report.warnings:
                self.stderr.write(warning)
        else:
            self._write_text(report)
        if not report.succeeded:
            raise CommandError(self._summary(report, partial=partial), returncode=1)

    def _write_text(self, report: ImportReport) -> None:
        if report.dry_run:
            self.stdout.write(_("Simulation : rien n'a été écrit."))
        self.stdout.write(
            _(
                "créés : %(created)d, mis à jour : %(updated)d, inchangés : %(unchanged)d, "
                "rejetés : %(rejected)d"
            )
            % report.as_dict()
        )
        for warning in report.warnings:
            self.stdout.write(_("avertissement : %s") % warning)
        for error in report.errors:
            self.stdout.write(self._error_line(error))

    def _error_line(self, error: RowError) -> str:
        if error.field == FILE_FIELD and self.file_errors_alone:
            return error.message
        if isinstance(error.line, str):
            return _("objet %(line)s, %(field)s : %(message)s") % error.as_dict()
        return _("ligne %(line)d, %(field)s : %(message)s") % error.as_dict()

    def _summary(self, report: ImportReport, *, partial: bool) -> str:
        if report.file_error:
            return _("Fichier illisible : rien n'a été importé.")
        objects = report.format == OSM_FORMAT
        if partial:
            return (_("%d objet(s) rejeté(s).") if objects else _("%d ligne(s) rejetée(s).")) % (
                report.rejected
            )
        if objects:
            message = _(
                "%d objet(s) rejeté(s) : rien n'a été écrit (--partial écrit les objets valides)."
            )
        else:
            message = _(
                "%d ligne(s) rejetée(s) : rien n'a été écrit (--partial écrit les lignes valides)."
            )
        return message % report.rejected
