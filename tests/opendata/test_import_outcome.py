"""What an import's state says to its reader: a partial import that wrote its valid rows and
rejected others ended (« terminé, N lignes rejetées »), it did not « fail »."""

import pytest

from maillage.common.models import JobState
from maillage.opendata.models import ImportJob
from tests.accounts.factories import AdminFactory
from tests.pages.page_helpers import parse, text


def job(**fields) -> ImportJob:
    values = {"state": JobState.FAILED, "partial": False, "rejected_count": 0, "error_message": ""}
    return ImportJob(source="reseau", file_name="lieux.csv", size_bytes=10, **{**values, **fields})


@pytest.mark.parametrize(
    ("fields", "outcome"),
    [
        ({"partial": True, "rejected_count": 3, "created_count": 10}, "terminé, 3 lignes rejetées"),
        ({"partial": True, "rejected_count": 1}, "terminé, 1 ligne rejetée"),
        ({"rejected_count": 2}, "refusé : 2 lignes rejetées, rien n'est écrit"),
        ({"partial": True, "rejected_count": 2, "error_message": "Base absente."}, "échoué"),
        ({"error_message": "Fichier illisible."}, "échoué"),
        ({"state": JobState.SUCCEEDED}, "réussi"),
        ({"state": JobState.RUNNING}, "en cours"),
    ],
)
def test_outcome_says_what_happened(fields, outcome):
    assert job(**fields).outcome == outcome


@pytest.mark.django_db
def test_import_pages_show_the_outcome(client):
    admin = AdminFactory()
    finished = job(partial=True, rejected_count=2, created_count=5, created_by=admin)
    finished.save()
    client.force_login(admin)
    detail = parse(client.get(f"/imports/{finished.pk}/"))
    assert "État : terminé, 2 lignes rejetées" in text(detail.select_one("#import-report"))
    listing = parse(client.get("/imports/"))
    assert "terminé, 2 lignes rejetées" in text(listing.select_one("tbody tr"))
    assert "échoué" not in text(listing.select_one("tbody"))
