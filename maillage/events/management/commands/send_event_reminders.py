from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from maillage.common.actors import SYSTEM
from maillage.events.reminders import send_event_reminders


class Command(BaseCommand):
    help = _(
        "Envoie le rappel de la veille à chaque inscrit·e confirmé·e d'un événement de demain "
        "(une seule fois par inscription, même lancée plusieurs fois)."
    )

    def handle(self, *args, **options) -> None:
        sent = send_event_reminders(actor=SYSTEM)
        self.stdout.write(_("%(count)d rappel(s) envoyé(s).") % {"count": sent})
