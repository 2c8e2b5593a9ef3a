from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from maillage.common.actors import SYSTEM
from maillage.sharing.services import expire_posts, send_overdue_reminders


class Command(BaseCommand):
    help = _(
        "Envoie un rappel pour chaque prêt dont la date de retour est passée (une seule fois par "
        "retard) et clôt les offres et demandes expirées."
    )

    def handle(self, *args, **options) -> None:
        sent = send_overdue_reminders(actor=SYSTEM)
        expired = expire_posts(actor=SYSTEM)
        self.stdout.write(
            _("%(sent)d rappel(s) de retard envoyé(s), %(expired)d annonce(s) expirée(s).")
            % {"sent": sent, "expired": expired}
        )
