from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from maillage.bookings.reminders import send_booking_reminders
from maillage.common.actors import SYSTEM


class Command(BaseCommand):
    help = _(
        "Envoie le rappel de la veille pour chaque réservation de demain (une seule fois par "
        "réservation, même lancée plusieurs fois)."
    )

    def handle(self, *args, **options) -> None:
        sent = send_booking_reminders(actor=SYSTEM)
        self.stdout.write(_("%(count)d rappel(s) envoyé(s).") % {"count": sent})
