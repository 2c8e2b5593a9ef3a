"""`maillage deliver_webhooks`: queue the new place changes for each subscriber and send the
deliveries that are due (failed attempts are retried later, with a growing pause)."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from maillage.federation import services


class Command(BaseCommand):
    help = _("Envoie les webhooks des changements de lieux (signés, réessayés).")

    def handle(self, *args, **options):
        counts = services.deliver_webhooks()
        self.stdout.write(
            f"queued={counts.queued} sent={counts.sent} retried={counts.retried} "
            f"failed={counts.failed}"
        )
