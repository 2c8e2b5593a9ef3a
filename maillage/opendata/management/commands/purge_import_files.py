"""`maillage purge_import_files [--older-than-days N]`: delete old uploaded import files."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from maillage.opendata.services import purge_import_files


class Command(BaseCommand):
    help = _(
        "Supprime les fichiers des imports terminés depuis plus de N jours (réglage "
        "IMPORT_FILE_RETENTION_DAYS par défaut), simulations et échecs compris, et les fichiers "
        "d'import qu'aucun import ne référence. Les imports gardent leur rapport."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than-days",
            type=int,
            default=None,
            help=_("âge minimal, en jours, des imports terminés dont le fichier est supprimé"),
        )

    def handle(self, *args, older_than_days: int | None, **options):
        if older_than_days is not None and older_than_days < 0:
            raise CommandError(_("--older-than-days attend un nombre de jours positif ou nul."))
        deleted = purge_import_files(older_than_days=older_than_days)
        self.stdout.write(_("%d fichier(s) d'import supprimé(s).") % deleted)
