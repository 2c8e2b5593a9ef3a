"""Peers and harvests for the federation tests, through the services."""

from maillage.common.actors import SYSTEM
from maillage.federation import services
from maillage.federation.models import HarvestJob, Peer


def make_peer(base_url: str, **overrides) -> Peer:
    return services.register_peer(actor=SYSTEM, base_url=base_url, **overrides)


def harvest(peer: Peer, *, actor=SYSTEM) -> HarvestJob:
    """A harvest of `peer` run here, to its end."""
    job = services.queue_harvest(actor=actor, peer=peer, launch=False)
    return services.run_harvest_job(job_id=job.pk)
