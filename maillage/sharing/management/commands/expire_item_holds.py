from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from maillage.common.actors import SYSTEM
from maillage.sharing.services import expire_holds


class Command(BaseCommand):
    help = _(
        "Libère les objets mis de côté dont le délai est passé et les met de côté pour la "
        "personne suivante en attente (une seule fois par mise de côté, même lancée "
        "plusieurs fois)."
    )

    def handle(self, *args, **options) -> None:
        count = expire_holds(actor=SYSTEM)
        self.stdout.write(_("%(count)d mise(s) de côté expirée(s).") % {"count": count})
