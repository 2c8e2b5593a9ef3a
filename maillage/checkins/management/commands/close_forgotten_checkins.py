from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from maillage.checkins.services import close_forgotten_checkins
from maillage.common.actors import SYSTEM


class Command(BaseCommand):
    help = _(
        "Clôt les présences oubliées des jours passés, à l'heure de fermeture du lieu ou en fin "
        "de journée (à lancer chaque nuit ; une seconde exécution ne change rien)."
    )

    def handle(self, *args, **options):
        closed = close_forgotten_checkins(actor=SYSTEM)
        self.stdout.write(_("présences closes : %(count)d") % {"count": closed})
