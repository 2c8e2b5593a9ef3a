from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from maillage.common.actors import SYSTEM
from maillage.organisations.services import send_headcount_reminders


class Command(BaseCommand):
    help = _(
        "Demande à chaque structure hébergée de déclarer son effectif, une fois par trimestre "
        "(à lancer chaque jour ou chaque semaine : une seconde exécution du trimestre "
        "n'envoie rien)."
    )

    def handle(self, *args, **options):
        sent = send_headcount_reminders(actor=SYSTEM)
        self.stdout.write(_("rappels envoyés : %(count)d") % {"count": sent})
