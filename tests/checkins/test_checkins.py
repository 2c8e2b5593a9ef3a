"""Checking in and out: who may, one place at a time (enforced by the database), visitors,
forgotten check-outs and « qui est là »."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from maillage.audit.models import AuditEntry
from maillage.checkins import selectors, services
from maillage.checkins.models import CheckIn, CheckInSource, VisitorCount, VisitorKind
from maillage.common.actors import SYSTEM
from maillage.common.errors import Conflict, PermissionDenied, ValidationFailed
from tests.accounts.factories import UserFactory
from tests.checkins.factories import make_checkin, make_member, make_reunion_place
from tests.members.factories import make_membership
from tests.places.factories import make_place

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def place():
    return make_place(name="La Fabrique", staff=[UserFactory(username="desk")])


@pytest.fixture
def other_place():
    return make_place(name="Le Hangar")


def staff_of(place):
    return place.roles.get(role="staff").user


def test_an_active_member_checks_in_then_out_and_both_are_audited(place):
    member = make_member(place)
    result = services.check_in(actor=member, place=place, source=CheckInSource.QR)
    assert result.checkin.is_open and not result.already_here
    assert selectors.open_checkin_of(member) == result.checkin
    services.check_out(actor=member, checkin=result.checkin)
    result.checkin.refresh_from_db()
    assert result.checkin.checked_out_at is not None
    assert selectors.open_checkin_of(member) is None
    actions = list(
        AuditEntry.objects.filter(
            object_id=str(result.checkin.pk), action__startswith="checkin."
        ).values_list("action", flat=True)
    )
    assert sorted(actions) == ["checkin.close", "checkin.create"]


def test_people_who_are_not_active_members_cannot_check_in(place):
    stranger = UserFactory()
    with pytest.raises(PermissionDenied, match="membres actifs"):
        services.check_in(actor=stranger, place=place)
    requested = UserFactory()
    make_membership(place, requested, status="requested")
    with pytest.raises(PermissionDenied):
        services.check_in(actor=requested, place=place)
    assert not CheckIn.objects.exists()


def test_staff_check_themselves_and_members_in_but_members_cannot_check_in_others(place):
    member, other = make_member(place), make_member(place)
    desk = staff_of(place)
    assert services.check_in(actor=desk, place=place).checkin.user == desk
    recorded = services.check_in(actor=desk, place=place, user=member, source="desk").checkin
    assert (recorded.user, recorded.recorded_by, recorded.source) == (member, desk, "desk")
    with pytest.raises(PermissionDenied):
        services.check_in(actor=member, place=place, user=other)
    with pytest.raises(PermissionDenied):
        services.check_out(actor=other, checkin=recorded)
    services.check_out(actor=desk, checkin=recorded)


def test_checking_in_again_where_one_is_changes_nothing(place):
    member = make_member(place)
    first = services.check_in(actor=member, place=place).checkin
    again = services.check_in(actor=member, place=place)
    assert again.already_here and again.checkin == first
    assert CheckIn.objects.count() == 1


def test_checking_in_elsewhere_closes_the_open_check_in_at_the_new_arrival(place, other_place):
    member = make_member(place)
    make_membership(other_place, member)
    first = services.check_in(actor=member, place=place).checkin
    moved = services.check_in(actor=member, place=other_place)
    first.refresh_from_db()
    assert moved.closed_elsewhere == first
    assert first.checked_out_at == moved.checkin.checked_in_at
    assert list(CheckIn.objects.filter(checked_out_at=None)) == [moved.checkin]


def test_the_database_refuses_two_open_check_ins_of_one_person(place, other_place):
    member = make_member(place)
    now = timezone.now()
    CheckIn.objects.create(place=place, user=member, checked_in_at=now, source="staff")
    with pytest.raises(IntegrityError), transaction.atomic():
        CheckIn.objects.create(place=other_place, user=member, checked_in_at=now, source="staff")
    # Closed stays and anonymous stays are not limited.
    CheckIn.objects.create(
        place=other_place, user=member, checked_in_at=now, checked_out_at=now, source="staff"
    )
    CheckIn.objects.create(place=place, user=None, checked_in_at=now, source="staff")
    CheckIn.objects.create(place=place, user=None, checked_in_at=now, source="staff")


def test_the_database_refuses_a_departure_before_the_arrival(place):
    now = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        CheckIn.objects.create(
            place=place,
            checked_in_at=now,
            checked_out_at=now - timedelta(seconds=1),
            source="staff",
        )


def test_times_in_the_future_or_out_before_in_are_refused(place):
    member = make_member(place)
    with pytest.raises(ValidationFailed, match="futur"):
        services.check_in(actor=member, place=place, at=timezone.now() + timedelta(hours=1))
    checkin = make_checkin(place, member, at=timezone.now() - timedelta(hours=1))
    with pytest.raises(ValidationFailed, match="précéder"):
        services.check_out(
            actor=member, checkin=checkin, at=checkin.checked_in_at - timedelta(minutes=5)
        )
    services.check_out(actor=member, checkin=checkin)
    with pytest.raises(Conflict, match="déjà close"):
        services.check_out(actor=member, checkin=checkin)


def test_visitors_are_counted_per_day_and_kind_and_never_below_zero(place):
    desk = staff_of(place)
    services.count_visitors(actor=desk, place=place, kind=VisitorKind.DAY_PASS)
    tally = services.count_visitors(actor=desk, place=place, kind=VisitorKind.DAY_PASS, count=2)
    assert tally.count == 3
    services.count_visitors(actor=desk, place=place, kind=VisitorKind.VISIT)
    assert VisitorCount.objects.count() == 2
    assert services.count_visitors(actor=desk, place=place, kind="day_pass", count=-1).count == 2
    with pytest.raises(ValidationFailed, match="sous zéro"):
        services.count_visitors(actor=desk, place=place, kind="day_pass", count=-3)
    with pytest.raises(ValidationFailed):
        services.count_visitors(actor=desk, place=place, kind="cat", count=1)
    with pytest.raises(PermissionDenied):
        services.count_visitors(actor=make_member(place), place=place, kind="visit")


def test_who_is_here_shows_everyone_to_staff_and_only_those_who_opted_in_to_members(place):
    shy, open_, viewer = make_member(place), make_member(place), make_member(place)
    services.set_presence_visibility(actor=open_, visible=True)
    for person in (shy, open_, viewer):
        make_checkin(place, person)
    everyone = {checkin.user for checkin in selectors.present_now(place, viewer=staff_of(place))}
    assert everyone == {shy, open_, viewer}
    seen = {checkin.user for checkin in selectors.present_now(place, viewer=viewer)}
    assert seen == {open_, viewer}
    assert selectors.present_now(place, viewer=UserFactory()) == []


def test_forgotten_check_outs_are_closed_at_closing_time_once(place):
    place.opening_hours = "Mo-Su 09:00-18:00"
    place.save(update_fields=["opening_hours"])
    member, late = make_member(place), make_member(place)
    yesterday = timezone.localdate(timezone=PARIS) - timedelta(days=1)
    morning = datetime.combine(yesterday, datetime.min.time(), tzinfo=PARIS) + timedelta(hours=10)
    forgotten = make_checkin(place, member, at=morning)
    after_hours = make_checkin(place, late, at=morning + timedelta(hours=9))  # 19:00
    today = make_checkin(place, make_member(place))
    assert services.close_forgotten_checkins(actor=SYSTEM) == 2
    forgotten.refresh_from_db()
    after_hours.refresh_from_db()
    assert forgotten.checked_out_at == morning + timedelta(hours=8)
    assert forgotten.closed_automatically
    assert after_hours.checked_out_at == datetime.combine(
        yesterday + timedelta(days=1), datetime.min.time(), tzinfo=PARIS
    )
    assert CheckIn.objects.get(pk=today.pk).is_open
    call_command("close_forgotten_checkins")
    assert services.close_forgotten_checkins(actor=SYSTEM) == 0


def test_forgotten_check_outs_follow_the_place_s_own_clock():
    """In La Réunion (UTC+4) a stay from 20:30 UTC the day before started at 00:30 today."""
    reunion = make_reunion_place()
    assert str(reunion.timezone) == "Indian/Reunion"
    member = make_member(reunion)
    zone = ZoneInfo("Indian/Reunion")
    now = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)  # 12:00 in La Réunion
    started = datetime(2026, 3, 9, 20, 30, tzinfo=UTC)
    make_checkin(reunion, member, at=started)
    assert services.close_forgotten_checkins(actor=SYSTEM, now=now) == 0
    closed_day = datetime(2026, 3, 11, 8, 0, tzinfo=UTC)
    assert services.close_forgotten_checkins(actor=SYSTEM, now=closed_day) == 1
    assert CheckIn.objects.get().checked_out_at == datetime(2026, 3, 11, tzinfo=zone)


def test_only_the_system_closes_forgotten_check_outs(place):
    with pytest.raises(PermissionDenied):
        services.close_forgotten_checkins(actor=staff_of(place))
