"""The check-ins' section of a person's data export and erasure."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from maillage.accounts.personal_data import erase_person, export_person
from maillage.checkins import services
from maillage.checkins.models import CheckIn, PresencePreference
from maillage.checkins.selectors import daily_counts
from tests.checkins.factories import make_checkin, make_member
from tests.places.factories import make_place

pytestmark = pytest.mark.django_db


def test_a_person_s_stays_are_exported_then_kept_as_anonymous_rows_that_still_count():
    place = make_place()
    person = make_member(place)
    services.set_presence_visibility(actor=person, visible=True)
    start = timezone.now() - timedelta(hours=6)
    closed = make_checkin(place, person, at=start, out=start + timedelta(hours=1))
    open_ = make_checkin(place, person, at=start + timedelta(hours=2))

    exported = export_person(person)["checkins"]
    assert exported["visible_to_members"] is True
    assert {stay["checked_in_at"] for stay in exported["stays"]} == {
        closed.checked_in_at.isoformat(),
        open_.checked_in_at.isoformat(),
    }
    day = timezone.localdate(start, timezone=place.timezone)
    before = daily_counts(place, day, day + timedelta(days=1))

    erase_person(person)
    person.delete()
    rows = CheckIn.objects.filter(pk__in=[closed.pk, open_.pk])
    assert list(rows.values_list("user_id", flat=True)) == [None, None]
    assert not rows.filter(checked_out_at=None).exists()
    assert not PresencePreference.objects.exists()
    after = daily_counts(place, day, day + timedelta(days=1))
    assert sum(count.visits for count in after) == sum(count.visits for count in before) == 2
    assert isinstance(after[0].day, date)
