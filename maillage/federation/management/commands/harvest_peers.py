"""`maillage harvest_peers [--now]`: a harvest of every active peer (the timer's command).

Queues one job per peer for the task workers; with `--now`, runs them here, one after the
other. A peer already being harvested is skipped. Exits 1 when a harvest run here failed.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from maillage.federation import services
from maillage.federation.models import HarvestJob


class Command(BaseCommand):
    help = _("Moissonne toutes les instances pairs actives (tâches en arrière-plan).")

    def add_arguments(self, parser):
        parser.add_argument(
            "--now", action="store_true", help=_("moissonner ici plutôt que par les tâches")
        )

    def handle(self, *args, now: bool, **options):
        jobs = services.queue_scheduled_harvests(launch=not now)
        failed = 0
        for queued in jobs:
            job = services.run_harvest_job(job_id=queued.pk) if now else queued
            if now and job.state != HarvestJob.State.SUCCEEDED:
                failed += 1
                self.stderr.write(f"{job.peer.base_url}: {job.stop_reason}")
                continue
            self.stdout.write(f"{job.peer.base_url}: {job.state}")
        self.stdout.write(_("%d moisson(s).") % len(jobs))
        if failed:
            raise CommandError(_("%d moisson(s) en échec.") % failed)
