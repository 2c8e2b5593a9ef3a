"""The demo activity: stays, visitor counts and hosted organisations at the demo places around
Pau, deterministic and written once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from maillage.audit.models import AuditEntry
from maillage.checkins.models import CheckIn, VisitorCount
from maillage.checkins.selectors import daily_counts
from maillage.devtools.demo import load_demo_places
from maillage.devtools.demo_checkins import PAU_EPCI, demo_places, load_demo_checkins
from maillage.organisations.models import HeadcountDeclaration, Organisation
from maillage.territories.services import load_territories

pytestmark = pytest.mark.django_db


def test_nothing_is_written_without_the_demo_places():
    assert load_demo_checkins().stays == 0
    assert not CheckIn.objects.exists()


def test_the_demo_activity_fills_the_figures_once():
    load_territories()
    load_demo_places()
    report = load_demo_checkins()
    places = demo_places()
    assert len(places) == 8 and all(place.epci_code == PAU_EPCI for place in places)
    assert report.people == 12 and report.stays > 300 and report.organisations == 6
    assert not CheckIn.objects.filter(checked_out_at=None).exists()
    assert VisitorCount.objects.exists()
    # A quarterly series for each organisation, hosted for 200 days at least.
    assert HeadcountDeclaration.objects.count() >= 6 * 2
    assert Organisation.objects.exclude(siren="").count() == 6
    today = timezone.localdate()
    counts = daily_counts(places[0], today - timedelta(weeks=10), today - timedelta(days=1))
    assert sum(count.visits for count in counts) > 0
    entries = AuditEntry.objects.count()
    again = load_demo_checkins()
    assert (again.people, again.stays, again.organisations) == (0, 0, 0)
    assert AuditEntry.objects.count() == entries
