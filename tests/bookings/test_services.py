"""Booking services: the rules each refusing, staff overrides, capacity kept by the database."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from maillage.audit.models import AuditEntry
from maillage.bookings import selectors, services
from maillage.bookings.models import Booking, BookingSlot, ResourceKind, SeatStep
from maillage.common.actors import SYSTEM
from maillage.common.errors import Conflict, PermissionDenied, ValidationFailed
from tests.bookings.factories import make_qualification, make_resource, tomorrow_at
from tests.factories import UserFactory, make_place
from tests.members.factories import make_membership, make_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def place():
    return make_place(staff=[UserFactory(username="desk")])


@pytest.fixture
def staff(place):
    return place.roles.get(role="staff").user


@pytest.fixture
def member(place):
    person = UserFactory(username="membre")
    make_membership(place, person)
    return person


@pytest.fixture
def room(place):
    return make_resource(place)


def test_a_member_books_a_room_and_the_write_is_audited(room, member):
    start = tomorrow_at(room.place, 10)
    booking = services.book(
        actor=member, resource=room, start=start, end=start + timedelta(hours=1)
    )
    assert booking.status == Booking.Status.CONFIRMED and booking.user == member
    assert booking.booked_by == member
    assert BookingSlot.objects.filter(booking=booking).count() == 1
    assert AuditEntry.objects.filter(action="booking.create", object_id=str(booking.pk)).exists()


def test_a_taken_slot_is_a_conflict_naming_the_taken_range_on_the_place_clock(room, member):
    start = tomorrow_at(room.place, 10)
    services.book(actor=member, resource=room, start=start, end=start + timedelta(hours=2))
    other = UserFactory()
    make_membership(room.place, other)
    with pytest.raises(Conflict) as refused:
        services.book(
            actor=other,
            resource=room,
            start=start + timedelta(hours=1),
            end=start + timedelta(hours=3),
        )
    assert "10:00" in str(refused.value) and "12:00" in str(refused.value)
    assert Booking.objects.count() == 1


def test_touching_bookings_both_fit(room, member):
    start = tomorrow_at(room.place, 10)
    services.book(actor=member, resource=room, start=start, end=start + timedelta(hours=1))
    services.book(
        actor=member,
        resource=room,
        start=start + timedelta(hours=1),
        end=start + timedelta(hours=2),
    )
    assert Booking.objects.count() == 2


def test_a_cancelled_booking_no_longer_blocks_its_slot(room, member):
    start = tomorrow_at(room.place, 10)
    first = services.book(actor=member, resource=room, start=start, end=start + timedelta(hours=1))
    services.cancel_booking(actor=member, booking=first)
    first.refresh_from_db()
    assert first.status == Booking.Status.CANCELLED and first.cancelled_at is not None
    assert not BookingSlot.objects.exists()
    services.book(actor=member, resource=room, start=start, end=start + timedelta(hours=1))
    with pytest.raises(Conflict):
        services.cancel_booking(actor=member, booking=first)


def test_a_change_frees_the_old_time_and_holds_the_new(room, member):
    start = tomorrow_at(room.place, 10)
    booking = services.book(
        actor=member, resource=room, start=start, end=start + timedelta(hours=1)
    )
    services.change_booking(
        actor=member,
        booking=booking,
        start=start + timedelta(hours=2),
        end=start + timedelta(hours=3),
    )
    slot = BookingSlot.objects.get()
    assert slot.start == start + timedelta(hours=2)
    services.book(actor=member, resource=room, start=start, end=start + timedelta(hours=1))


def test_a_change_onto_a_taken_slot_keeps_the_booking_where_it_was(room, member):
    start = tomorrow_at(room.place, 10)
    booking = services.book(
        actor=member, resource=room, start=start, end=start + timedelta(hours=1)
    )
    services.book(
        actor=member,
        resource=room,
        start=start + timedelta(hours=2),
        end=start + timedelta(hours=3),
    )
    with pytest.raises(Conflict):
        services.change_booking(
            actor=member,
            booking=booking,
            start=start + timedelta(hours=2),
            end=start + timedelta(hours=3),
        )
    booking.refresh_from_db()
    assert booking.start == start
    assert BookingSlot.objects.get(booking=booking).start == start


def test_open_space_seats_are_counted_per_step(place, member):
    space = make_resource(place, name="Open space", kind=ResourceKind.DESK, capacity=3)
    start = tomorrow_at(place, 9)
    end = start + timedelta(hours=2)
    services.book(actor=member, resource=space, start=start, end=end, seats=2)
    services.book(actor=member, resource=space, start=start + timedelta(hours=1), end=end)
    with pytest.raises(Conflict) as refused:
        services.book(actor=member, resource=space, start=start, end=end)
    assert "10:00" in str(refused.value) and "11:00" in str(refused.value)
    # 09:00–10:00 has one seat left.
    services.book(actor=member, resource=space, start=start, end=start + timedelta(hours=1))
    assert max(SeatStep.objects.values_list("taken", flat=True)) == 3
    booking = Booking.objects.filter(seats=2).get()
    services.cancel_booking(actor=member, booking=booking)
    assert max(SeatStep.objects.values_list("taken", flat=True)) == 1


def test_non_members_are_refused_members_only_resources(room):
    stranger = UserFactory()
    start = tomorrow_at(room.place, 10)
    with pytest.raises(PermissionDenied, match="membres"):
        services.book(actor=stranger, resource=room, start=start, end=start + timedelta(hours=1))


def test_public_resources_are_bookable_by_anyone_signed_in(place):
    public = make_resource(place, bookable_by="public")
    start = tomorrow_at(place, 10)
    services.book(actor=UserFactory(), resource=public, start=start, end=start + timedelta(hours=1))


def test_plan_restricted_resources_need_one_of_their_plans(place):
    plan, other_plan = make_plan(place, name="Résident"), make_plan(place, name="Nomade")
    office = make_resource(place, bookable_by="plans", kind=ResourceKind.OFFICE)
    services.update_resource(actor=SYSTEM, resource=office, allowed_plans=[plan])
    resident, nomad = UserFactory(), UserFactory()
    make_membership(place, resident, plan=plan)
    make_membership(place, nomad, plan=other_plan)
    start = tomorrow_at(place, 10)
    with pytest.raises(PermissionDenied, match="Résident"):
        services.book(actor=nomad, resource=office, start=start, end=start + timedelta(hours=1))
    services.book(actor=resident, resource=office, start=start, end=start + timedelta(hours=1))


def test_a_plan_books_only_the_resource_kinds_it_includes(place):
    plan = make_plan(place, name="Bureau seul", resource_kinds=[ResourceKind.DESK])
    person = UserFactory()
    make_membership(place, person, plan=plan)
    room = make_resource(place)
    start = tomorrow_at(place, 10)
    with pytest.raises(PermissionDenied, match="Bureau seul"):
        services.book(actor=person, resource=room, start=start, end=start + timedelta(hours=1))


@pytest.mark.parametrize(
    "case",
    [
        (10, 15, "end", "minimale"),  # 15 minutes < 30
        (10, 600, "end", "maximale"),  # 10 h > 8 h
    ],
)
def test_durations_outside_the_limits_are_refused(room, member, case):
    hours, minutes, field, words = case
    start = tomorrow_at(room.place, hours)
    with pytest.raises(ValidationFailed) as refused:
        services.book(
            actor=member, resource=room, start=start, end=start + timedelta(minutes=minutes)
        )
    assert any(e.field == field and words in e.message for e in refused.value.errors)


def test_times_off_the_slot_step_are_refused(room, member):
    start = tomorrow_at(room.place, 10, 10)
    with pytest.raises(ValidationFailed, match="pas de 30 minutes"):
        services.book(actor=member, resource=room, start=start, end=start + timedelta(hours=1))


def test_booking_too_far_ahead_is_refused(room, member):
    start = tomorrow_at(room.place, 10, days=61)
    with pytest.raises(ValidationFailed, match="60 jours"):
        services.book(actor=member, resource=room, start=start, end=start + timedelta(hours=1))


def test_booking_in_the_past_is_refused(room, member):
    start = tomorrow_at(room.place, 10, days=-2)
    with pytest.raises(ValidationFailed, match="passé"):
        services.book(actor=member, resource=room, start=start, end=start + timedelta(hours=1))


def test_booking_outside_bookable_hours_is_refused_and_the_place_hours_apply(place, member):
    room = make_resource(place, opening_hours="")
    place.opening_hours = "Mo-Su 09:00-18:00"
    place.save()
    start = tomorrow_at(place, 17, 30)
    with pytest.raises(ValidationFailed, match="horaires"):
        services.book(actor=member, resource=room, start=start, end=start + timedelta(hours=1))
    services.book(actor=member, resource=room, start=start, end=start + timedelta(minutes=30))


def test_cancelling_after_the_deadline_is_refused_to_members_but_staff_override(
    room, member, staff
):
    start = timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(hours=2)
    booking = services.book(
        actor=staff,
        resource=room,
        user=member,
        start=start,
        end=start + timedelta(hours=1),
        override_reason="demande à l'accueil",
    )
    with pytest.raises(PermissionDenied, match="délai"):
        services.cancel_booking(actor=member, booking=booking)
    with pytest.raises(PermissionDenied, match="délai"):
        services.change_booking(
            actor=member,
            booking=booking,
            start=start + timedelta(days=1),
            end=start + timedelta(days=1, hours=1),
        )
    services.cancel_booking(actor=staff, booking=booking, override_reason="annulé par téléphone")
    assert AuditEntry.objects.filter(action="booking.cancel").count() == 1


def test_the_plan_booking_hours_per_period_are_counted(place):
    plan = make_plan(place, name="Petit", booking_hours_per_period=2)
    person = UserFactory()
    make_membership(place, person, plan=plan)
    room = make_resource(place)
    start = tomorrow_at(place, 10)
    services.book(actor=person, resource=room, start=start, end=start + timedelta(hours=2))
    with pytest.raises(PermissionDenied, match="2 h de réservation"):
        services.book(
            actor=person,
            resource=room,
            start=start + timedelta(hours=3),
            end=start + timedelta(hours=4),
        )


def test_a_member_may_not_book_for_someone_else_nor_override(room, member):
    other = UserFactory()
    make_membership(room.place, other)
    start = tomorrow_at(room.place, 10)
    end = start + timedelta(hours=1)
    with pytest.raises(PermissionDenied, match="autre personne"):
        services.book(actor=member, resource=room, start=start, end=end, user=other)
    with pytest.raises(PermissionDenied, match="déroger"):
        services.book(
            actor=member, resource=room, start=start, end=end, override_reason="parce que"
        )


def test_staff_book_for_anyone_within_the_rules_or_override_them_with_a_reason(room, staff):
    stranger = UserFactory()
    start = tomorrow_at(room.place, 10)
    end = start + timedelta(hours=1)
    with pytest.raises(PermissionDenied):
        services.book(actor=staff, resource=room, start=start, end=end, user=stranger)
    booking = services.book(
        actor=staff, resource=room, start=start, end=end, user=stranger, override_reason="invité"
    )
    assert booking.override_reason == "invité" and booking.booked_by == staff
    entry = AuditEntry.objects.get(action="booking.create")
    assert entry.changes["override_reason"] == [None, "invité"]


def test_override_never_passes_capacity(room, staff, member):
    start = tomorrow_at(room.place, 10)
    end = start + timedelta(hours=1)
    services.book(actor=member, resource=room, start=start, end=end)
    with pytest.raises(Conflict):
        services.book(
            actor=staff, resource=room, start=start, end=end, user=member, override_reason="x"
        )


def test_another_members_booking_may_not_be_cancelled(room, member):
    start = tomorrow_at(room.place, 10)
    booking = services.book(
        actor=member, resource=room, start=start, end=start + timedelta(hours=1)
    )
    other = UserFactory()
    with pytest.raises(PermissionDenied):
        services.cancel_booking(actor=other, booking=booking)


def test_resources_are_set_up_by_staff_only(place, member, staff):
    with pytest.raises(PermissionDenied):
        services.create_resource(actor=member, place=place, name="X", kind=ResourceKind.DESK)
    resource = services.create_resource(actor=staff, place=place, name="X", kind=ResourceKind.DESK)
    with pytest.raises(PermissionDenied):
        services.update_resource(actor=member, resource=resource, name="Y")
    with pytest.raises(ValidationFailed) as refused:
        services.update_resource(actor=staff, resource=resource, opening_hours="lundi matin")
    assert refused.value.errors[0].field == "opening_hours"
    services.update_resource(actor=staff, resource=resource, name="Y")
    assert AuditEntry.objects.filter(action="resource.update").count() == 1


def test_capacity_may_not_go_under_the_seats_booked(place, member):
    space = make_resource(place, kind=ResourceKind.DESK, capacity=3)
    start = tomorrow_at(place, 9)
    services.book(
        actor=member, resource=space, start=start, end=start + timedelta(hours=1), seats=3
    )
    with pytest.raises(ValidationFailed):
        services.update_resource(actor=SYSTEM, resource=space, capacity=2)
    with pytest.raises(ValidationFailed):
        services.update_resource(actor=SYSTEM, resource=space, capacity=1)
    services.update_resource(actor=SYSTEM, resource=space, capacity=5)
    assert set(SeatStep.objects.values_list("capacity", flat=True)) == {5}


def test_series_all_or_nothing_lists_conflicts_and_books_nothing(room, member):
    start = tomorrow_at(room.place, 10)
    end = start + timedelta(hours=1)
    services.book(
        actor=member, resource=room, start=start + timedelta(weeks=2), end=end + timedelta(weeks=2)
    )
    until = (start + timedelta(weeks=3)).date()
    result = services.book_series(
        actor=member, resource=room, start=start, end=end, interval_weeks=1, until=until
    )
    assert result.booked == [] and result.series is None
    assert [c.start for c in result.conflicts] == [start + timedelta(weeks=2)]
    assert Booking.objects.count() == 1


def test_series_free_only_books_the_free_occurrences(room, member):
    start = tomorrow_at(room.place, 10)
    end = start + timedelta(hours=1)
    services.book(
        actor=member, resource=room, start=start + timedelta(weeks=2), end=end + timedelta(weeks=2)
    )
    until = (start + timedelta(weeks=4)).date()
    result = services.book_series(
        actor=member,
        resource=room,
        start=start,
        end=end,
        interval_weeks=2,
        until=until,
        mode="free_only",
    )
    assert [b.start for b in result.booked] == [start, start + timedelta(weeks=4)]
    assert len(result.conflicts) == 1 and "Déjà réservé" in result.conflicts[0].reason
    assert all(b.series == result.series for b in result.booked)


def test_availability_subtracts_bookings_and_keeps_the_hours(place, member):
    room = make_resource(place, opening_hours="Mo-Su 09:00-12:00")
    start = tomorrow_at(place, 10)
    services.book(actor=member, resource=room, start=start, end=start + timedelta(hours=1))
    free = selectors.availability(
        room, tomorrow_at(place, 0), tomorrow_at(place, 23), for_user=member
    )
    assert [(f.start.hour, f.end.hour, f.seats) for f in free] == [(9, 10, 1), (11, 12, 1)]
    assert (
        selectors.availability(
            room, tomorrow_at(place, 0), tomorrow_at(place, 23), for_user=UserFactory()
        )
        == []
    )


def test_availability_of_an_open_space_gives_the_seats_left(place, member):
    space = make_resource(
        place, kind=ResourceKind.DESK, capacity=4, opening_hours="Mo-Su 09:00-12:00"
    )
    start = tomorrow_at(place, 10)
    services.book(
        actor=member, resource=space, start=start, end=start + timedelta(hours=1), seats=3
    )
    free = selectors.availability(
        space, tomorrow_at(place, 0), tomorrow_at(place, 23), for_user=member
    )
    assert [(f.start.hour, f.end.hour, f.seats) for f in free] == [
        (9, 10, 4),
        (10, 11, 1),
        (11, 12, 4),
    ]


def test_resources_bookable_by_follow_who_may_book(place, member):
    room = make_resource(place)
    public = make_resource(place, name="Public", bookable_by="public")
    other_place = make_place(name="Ailleurs")
    elsewhere = make_resource(other_place, name="Ailleurs")
    ids = set(selectors.resources_bookable_by(member).values_list("pk", flat=True))
    assert room.pk in ids and public.pk in ids and elsewhere.pk not in ids
    stranger_ids = set(selectors.resources_bookable_by(UserFactory()).values_list("pk", flat=True))
    assert stranger_ids == {public.pk}


def test_bookings_of_a_person(room, member):
    start = tomorrow_at(room.place, 10)
    booking = services.book(
        actor=member, resource=room, start=start, end=start + timedelta(hours=1)
    )
    assert list(selectors.bookings_of(member)) == [booking]
    assert list(selectors.bookings_of(UserFactory())) == []


def test_grants_and_revocations_make_qualifications_valid_or_not(place, member, staff):
    laser = make_qualification(place, validity_days=365)
    with pytest.raises(PermissionDenied):
        services.grant_qualification(actor=member, qualification=laser, user=member)
    grant = services.grant_qualification(actor=staff, qualification=laser, user=member)
    assert grant.expires_on == grant.granted_on + timedelta(days=365)
    assert list(selectors.valid_qualifications(member)) == [grant]
    services.revoke_qualification(actor=staff, grant=grant)
    assert list(selectors.valid_qualifications(member)) == []
    with pytest.raises(Conflict):
        services.revoke_qualification(actor=staff, grant=grant)


def test_attendance_at_a_training_session_grants_once(place, member, staff):
    laser = make_qualification(place)
    first = services.grant_qualification(
        actor=staff, qualification=laser, user=member, source="training", source_ref="session:7"
    )
    again = services.grant_qualification(
        actor=staff, qualification=laser, user=member, source="training", source_ref="session:7"
    )
    assert first == again and first.source == "training"


def test_an_expiry_before_the_grant_is_refused(place, member):
    laser = make_qualification(place)
    with pytest.raises(ValidationFailed):
        services.grant_qualification(
            actor=SYSTEM, qualification=laser, user=member, expires_on=date(2000, 1, 1)
        )


def test_resources_bookable_by_apply_the_plans_and_their_kinds(place):
    plan = make_plan(place, name="Postes", resource_kinds=[ResourceKind.DESK])
    office = make_resource(place, name="Bureau", kind=ResourceKind.DESK, bookable_by="plans")
    services.update_resource(actor=SYSTEM, resource=office, allowed_plans=[plan])
    room = make_resource(place, name="Salle")
    desk = make_resource(place, name="Poste", kind=ResourceKind.DESK)
    with_plan, without_plan = UserFactory(), UserFactory()
    make_membership(place, with_plan, plan=plan)
    make_membership(place, without_plan)
    assert set(selectors.resources_bookable_by(with_plan)) == {office, desk}
    assert set(selectors.resources_bookable_by(without_plan)) == {room, desk}
