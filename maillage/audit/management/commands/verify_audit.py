"""Check the audit log's hash chain: exit 0 when intact, 1 naming the first bad entry.

maillage verify_audit
"""

import sys

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from maillage.audit.selectors import verify_chain


class Command(BaseCommand):
    help = "Vérifie la chaîne d'empreintes du journal d'audit."

    def handle(self, *args, **options):
        report = verify_chain()
        if report.first_bad_id is None:
            self.stdout.write(
                _("Journal d'audit intact : %(count)s entrée(s) vérifiée(s).")
                % {"count": report.checked}
            )
            return
        reasons = {
            "removed": _("une entrée qui la précédait a été supprimée"),
            "link": _("son lien vers l'entrée précédente ne correspond plus"),
            "altered": _("son contenu a été modifié"),
            "unlinked": _("elle a été ajoutée hors de la chaîne"),
        }
        self.stdout.write(
            _("Journal d'audit rompu à l'entrée %(id)s : %(reason)s.")
            % {"id": report.first_bad_id, "reason": reasons[report.reason]}
        )
        self.stdout.write(str(report.first_bad_id))
        sys.exit(1)
