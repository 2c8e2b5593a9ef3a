"""`maillage import_osm FILE [--source osm] [--dry-run] [--partial] [--format text|json]`."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from maillage.common.actors import SYSTEM
from maillage.common.errors import ValidationFailed
from maillage.opendata.osm import import_osm
from maillage.opendata.services import FILE_FIELD
from maillage.places.formats.osm import OSM_SOURCE


class Command(BaseCommand):
    help = _(
        "Importe les tiers-lieux d'un extrait OpenStreetMap (.osm.pbf ou .osm) : coworkings, "
        "hackerspaces, repair cafés… (table des attributs dans docs/data.md). Sortie 1 si un "
        "objet est rejeté ou si le fichier est illisible."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help=_("extrait .osm.pbf ou .osm"))
        parser.add_argument(
            "--source",
            default=OSM_SOURCE,
            help=_("nom de la source (osm par défaut) : la clé d'import est (source, id OSM)"),
        )
        parser.add_argument(
            "--dry-run", action="store_true", help=_("ne rien écrire, dire ce qui changerait")
        )
        parser.add_argument(
            "--partial",
            action="store_true",
            help=_("écrire les objets valides même si d'autres sont rejetés"),
        )
        parser.add_argument("--format", choices=("text", "json"), default="text")

    def handle(self, *args, file: Path, source: str, dry_run: bool, partial: bool, **options):
        if not file.is_file():
            raise CommandError(_("Fichier introuvable : %s") % file)
        try:
            report = import_osm(
                path=file, source=source, dry_run=dry_run, partial=partial, actor=SYSTEM
            )
        except ValidationFailed as exc:
            raise CommandError(str(exc)) from None
        if options["format"] == "json":
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False))
            for warning in report.warnings:
                self.stderr.write(warning)
        else:
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
                if error.field == FILE_FIELD:
                    self.stdout.write(error.message)
                else:
                    self.stdout.write(
                        _("objet %(line)s, %(field)s : %(message)s") % error.as_dict()
                    )
        if not report.succeeded:
            if report.file_error:
                summary = _("Fichier illisible : rien n'a été importé.")
            elif partial:
                summary = _("%d objet(s) rejeté(s).") % report.rejected
            else:
                summary = (
                    _(
                        "%d objet(s) rejeté(s) : rien n'a été écrit (--partial écrit les objets "
                        "valides)."
                    )
                    % report.rejected
                )
            raise CommandError(summary, returncode=1)
