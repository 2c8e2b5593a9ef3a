"""The events demo: a season around Pau with a repair café, registrations and attendance,
deterministic and idempotent."""

from datetime import timedelta

import pytest
from django.utils import timezone

from maillage.accounts.models import User
from maillage.audit.models import AuditEntry
from maillage.bookings.models import QualificationGrant
from maillage.devtools.demo import load_demo_places
from maillage.devtools.demo_bookings import DEMO_MEMBER, load_demo_bookings
from maillage.devtools.demo_events import REPAIR_TITLE, load_demo_events
from maillage.events.models import Event, Registration
from maillage.events.selectors import EventFilters, filter_events
from maillage.territories.models import Territory
from maillage.territories.services import load_territories

pytestmark = pytest.mark.django_db


def counts():
    return Event.objects.count(), Registration.objects.count(), AuditEntry.objects.count()


def test_the_events_demo_is_a_season_around_pau_and_idempotent():
    load_territories()
    load_demo_places()
    load_demo_bookings()
    report = load_demo_events()
    now = timezone.now()

    assert report.events_created > 30
    repair = Event.objects.filter(title=REPAIR_TITLE)
    assert repair.filter(start__lt=now).count() >= 4 and repair.filter(start__gt=now).count() >= 4
    # The next repair café near Pau: one seat left, found by the agenda's filters.
    pau = Territory.objects.get(level="commune", code="64445")
    near = filter_events(None, EventFilters(near=pau, categories=("repair",), start=now))
    first = near.first()
    assert first is not None and first.title == REPAIR_TITLE and first.seats_left == 1
    # Past sessions have attendance; a training's attendance granted its qualification.
    assert Registration.objects.filter(event__end__lt=now, attendance="present").exists()
    assert QualificationGrant.objects.filter(source_ref__startswith="event-session:").exists()
    member = User.objects.get(username=DEMO_MEMBER)
    assert not Registration.objects.filter(user=member).exists()
    assert not QualificationGrant.objects.filter(user=member).exists()
    assert Event.objects.filter(start__gt=now + timedelta(days=7)).exists()

    before = counts()
    again = load_demo_events()
    assert (again.events_created, again.registrations_created) == (0, 0)
    assert counts() == before
