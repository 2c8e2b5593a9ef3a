"""`maillage purge_orphan_photos`: delete photo files that no item refers to (daily)."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from maillage.sharing.services import purge_orphan_photos


class Command(BaseCommand):
    help = _(
        "Supprime les fichiers de photos d'objets qu'aucune photo n'utilise plus (un envoi "
        "annulé après l'écriture du fichier), s'ils ont plus d'une heure."
    )

    def handle(self, *args, **options):
        deleted = purge_orphan_photos()
        self.stdout.write(_("%d photo(s) orpheline(s) supprimée(s).") % deleted)
