"""A harvest stores its own stop reasons as codes (`Job.stop_reason`): its page shows them in
the reader's language, whatever language it ran in (issue 13)."""

import pytest
from django.utils import translation

from maillage.federation import services
from tests.accounts.factories import AdminFactory
from tests.federation.factories import make_peer

pytestmark = pytest.mark.django_db


def test_a_harvest_whose_author_was_deleted_reads_in_the_readers_language(client):
    author, admin = AdminFactory(), AdminFactory()
    peer = make_peer("https://93.184.216.34")
    with translation.override("fr"):
        job = services.queue_harvest(actor=author, peer=peer, launch=False)
    author.delete()
    with translation.override("fr"):
        job = services.run_harvest_job(job_id=job.pk)
    assert (job.error_code, job.error_message) == (
        "harvest.author_deleted",
        "Le compte qui a lancé cette moisson a été supprimé.",
    )
    client.force_login(admin)
    page = client.get(f"/federation/moissons/{job.pk}/", headers={"Accept-Language": "en"})
    assert "The account that started this harvest was deleted." in page.content.decode()
