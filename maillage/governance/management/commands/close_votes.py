"""Close the votes whose closing time has passed and send the reminders due 24 hours before a
close, each once (run it every few minutes, e.g. from cron).

maillage close_votes
"""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from maillage.common.actors import SYSTEM
from maillage.governance.services import close_due_votes, send_reminders


class Command(BaseCommand):
    help = "Clôt les votes échus et envoie, une fois, les rappels 24 h avant la clôture."

    def handle(self, *args, **options):
        closed = close_due_votes(actor=SYSTEM)
        reminded = send_reminders(actor=SYSTEM)
        self.stdout.write(
            _("%(closed)s vote(s) clos, %(reminded)s rappel(s) envoyé(s).")
            % {"closed": len(closed), "reminded": reminded}
        )
