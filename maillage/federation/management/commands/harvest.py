"""`maillage harvest URL`: harvest a peer once, in the foreground, and print the counts.

An unsafe or unreachable URL, or a refused answer, exits with status 1 and one line saying why
(no traceback); nothing is requested from a refused address (safe fetching checks it first).
A URL not registered yet is registered (as by an admin) once it answered as a Maillage
instance.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from maillage.common.actors import SYSTEM
from maillage.common.errors import Conflict, ValidationFailed
from maillage.common.safefetch import FetchRefused, check_url
from maillage.federation import harvest, services
from maillage.federation.models import HarvestJob, Peer


class Command(BaseCommand):
    help = _("Moissonne une fois une autre instance de Maillage et affiche les nombres de lieux.")

    def add_arguments(self, parser):
        parser.add_argument(
            "url", help=_("adresse de l'instance, par ex. https://maillage.example.org")
        )

    def handle(self, *args, url: str, **options):
        base_url = services.normalise_base_url(url)
        try:
            # Before anything else (the database included): a refused URL costs nothing.
            check_url(base_url)
            peer = Peer.objects.filter(base_url=base_url).first()
            if peer is None:
                identity = harvest.fetch_identity(base_url)
                peer = services.register_peer(
                    actor=SYSTEM, base_url=base_url, name=identity.name or base_url
                )
                self.stdout.write(_("Instance enregistrée : %s") % peer.base_url)
            job = services.queue_harvest(actor=SYSTEM, peer=peer, launch=False)
        except (FetchRefused, harvest.HarvestRefused) as exc:
            raise CommandError(_("Moisson refusée : %s") % exc.reason) from None
        except (ValidationFailed, Conflict) as exc:
            raise CommandError(_("Moisson refusée : %s") % exc) from None
        job = services.run_harvest_job(job_id=job.pk)
        if job.state != HarvestJob.State.SUCCEEDED:
            raise CommandError(_("Moisson refusée : %s") % job.stop_reason)
        self.stdout.write(
            _(
                "created=%(created)d updated=%(updated)d unchanged=%(unchanged)d "
                "deleted=%(deleted)d kept=%(kept)d duplicates=%(duplicates)d"
            )
            % {
                "created": job.created_count,
                "updated": job.updated_count,
                "unchanged": job.unchanged_count,
                "deleted": job.deleted_count,
                "kept": job.kept_count,
                "duplicates": job.duplicate_count,
            }
        )
