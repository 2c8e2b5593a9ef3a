"""`maillage import_places FILE --source NAME [--dry-run] [--partial] [--format text|json]`."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from maillage.common.actors import SYSTEM
from maillage.common.errors import ValidationFailed
from maillage.opendata.services import import_places


class Command(BaseCommand):
    help = _(
        "Importe des lieux depuis un CSV canonique ou un GeoJSON (détectés d'après le contenu). "
        "Sortie 1 si une ligne est rejetée ou si le fichier est illisible."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help=_("fichier CSV ou GeoJSON"))
        parser.add_argument(
            "--source",
            required=True,
            help=_("nom de la source : la clé d'import est (source, source_id)"),
        )
        parser.add_argument(
            "--dry-run", action="store_true", help=_("ne rien écrire, dire ce qui changerait")
        )
        parser.add_argument(
            "--partial",
            action="store_true",
            help=_("écrire les lignes valides même si d'autres sont rejetées"),
        )
        parser.add_argument("--format", choices=("text", "json"), default="text")

    def handle(self, *args, file: Path, source: str, dry_run: bool, partial: bool, **options):
        if not file.is_file():
            raise CommandError(_("Fichier introuvable : %s") % file)
        try:
            report = import_places(
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
            if report.file_error:
                summary = _("Fichier illisible : rien n'a été importé.")
            elif partial:
                summary = _("%d ligne(s) rejetée(s).") % report.rejected
            else:
                summary = (
                    _(
                        "%d ligne(s) rejetée(s) : rien n'a été écrit (--partial écrit les lignes "
                        "valides)."
                    )
                    % report.rejected
                )
            raise CommandError(summary, returncode=1)

    def _write_text(self, report) -> None:
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
            self.stdout.write(_("ligne %(line)d, %(field)s : %(message)s") % error.as_dict())
