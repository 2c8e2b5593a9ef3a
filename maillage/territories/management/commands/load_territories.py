from pathlib import Path

from django.core.management.base import BaseCommand

from maillage.territories.services import SHIPPED_FILE, load_territories


class Command(BaseCommand):
    help = "Charge (ou met à jour) les communes, EPCI, départements et régions de référence."

    def add_arguments(self, parser):
        parser.add_argument("--file", type=Path, default=SHIPPED_FILE, help="fichier .csv.gz")

    def handle(self, *args, file: Path, **options):
        report = load_territories(path=file)
        self.stdout.write(
            f"territoires : {report.created} créés, {report.updated} mis à jour, "
            f"{report.unchanged} inchangés, {report.deleted} supprimés"
        )
