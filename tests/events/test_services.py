"""The events services: events, registrations and their lifecycle, seats and the waiting
list, the room booked through bookings, attendance granting a qualification, emails."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from maillage.audit.models import AuditEntry
from maillage.bookings import services as booking_services
from maillage.bookings.models import Booking, BookingStatus, QualificationGrant
from maillage.common.actors import SYSTEM
from maillage.common.errors import Conflict, PermissionDenied, ValidationFailed
from maillage.common.lifecycle import IllegalTransition, move_state
from maillage.events import services
from maillage.events.links import LinkInvalid, cancel_token, confirm_token, registration_for
from maillage.events.models import Event, EventStatus, Registration, RegistrationStatus
from tests.accounts.factories import UserFactory
from tests.bookings.factories import make_qualification, make_resource, tomorrow_at
from tests.events.factories import event_data, make_event, run_queued_tasks
from tests.members.factories import make_membership
from tests.places.factories import make_place

pytestmark = pytest.mark.django_db

Status = RegistrationStatus


@pytest.fixture
def place():
    return make_place(name="La Fabrique de Pau")


@pytest.fixture
def staff(place):
    user = UserFactory(username="equipe")
    from maillage.places.services import grant_place_role

    grant_place_role(actor=SYSTEM, place=place, user=user, role="staff")
    return user


def about_events(outbox):
    """The messages about an event (the factories' memberships send their own)."""
    return [message for message in outbox if "Repair café" in message.subject]


def member(place, name):
    user = UserFactory(username=name)
    make_membership(place, user)
    return user


# --- events -------------------------------------------------------------------------------------


def test_an_event_is_created_audited_and_stored_in_utc(place, staff):
    event = make_event(place, actor=staff, start=tomorrow_at(place, 18))
    assert event.start.tzinfo is not None
    fresh = Event.objects.get(pk=event.pk)
    assert fresh.start.astimezone(ZoneInfo("Europe/Paris")).hour == 18
    assert fresh.departement_code == place.departement_code
    assert AuditEntry.objects.filter(action="event.create", object_id=str(event.pk)).exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": " "}, "title"),
        ({"category": "concert"}, "category"),
        ({"capacity": 0}, "capacity"),
        ({"price_cents": -1}, "price_cents"),
        ({"location_kind": "address", "address": ""}, "address"),
        ({"location_kind": "room"}, "room"),
        ({"visibility": "secret"}, "visibility"),
    ],
)
def test_invalid_events_are_refused_naming_the_field(place, overrides, field):
    with pytest.raises(ValidationFailed) as caught:
        make_event(place, **overrides)
    assert field in {error.field for error in caught.value.errors}


def test_an_event_ending_before_it_starts_is_refused(place):
    start = tomorrow_at(place, 18)
    with pytest.raises(ValidationFailed) as caught:
        make_event(place, start=start, end=start - timedelta(minutes=1))
    assert [e.field for e in caught.value.errors] == ["end"]


def test_naive_times_are_refused(place):
    with pytest.raises(ValidationFailed):
        make_event(place, start=datetime(2030, 1, 1, 10), end=datetime(2030, 1, 1, 12))


def test_a_weekly_series_keeps_the_wall_clock_time_across_the_clock_change(place, staff):
    # 10:00 in Pau on the Saturday before the October change, then 4 weeks.
    start = datetime(2027, 10, 23, 10, tzinfo=place.timezone)
    events = services.create_weekly_events(
        actor=staff,
        place=place,
        data=event_data(place, start=start, end=start + timedelta(hours=2)),
        weeks=4,
    )
    assert len(events) == 4 and len({e.series_id for e in events}) == 1
    local = [e.start.astimezone(place.timezone) for e in events]
    assert [moment.hour for moment in local] == [10, 10, 10, 10]
    assert events[0].start.astimezone(UTC).hour != events[-1].start.astimezone(UTC).hour


def test_a_room_event_books_the_room_so_it_is_never_double_booked(place, staff):
    room = make_resource(place, name="Salle Ossau")
    start = tomorrow_at(place, 14)
    event = make_event(place, actor=staff, location_kind="room", room=room, start=start)
    assert event.room_booking.status == BookingStatus.CONFIRMED
    assert event.room_booking.resource == room
    # Another event in the same room at an overlapping time: refused, nothing written.
    with pytest.raises(Conflict):
        make_event(
            place, actor=staff, location_kind="room", room=room, start=start + timedelta(hours=1)
        )
    assert Event.objects.count() == 1
    # A member's booking of the room at that time is refused too.
    someone = member(place, "ada")
    with pytest.raises(Conflict):
        booking_services.book(
            actor=someone, resource=room, start=start, end=start + timedelta(hours=1)
        )
    # Cancelling the event frees the room.
    booking_id = event.room_booking_id
    services.cancel_event(actor=staff, event=event)
    assert Booking.objects.get(pk=booking_id).status == BookingStatus.CANCELLED
    assert not Booking.objects.filter(resource=room, status=BookingStatus.CONFIRMED).exists()


def test_moving_a_room_event_moves_its_booking(place, staff):
    room = make_resource(place, name="Salle Ossau")
    start = tomorrow_at(place, 14)
    event = make_event(place, actor=staff, location_kind="room", room=room, start=start)
    later = start + timedelta(hours=3)
    services.update_event(
        actor=staff, event=event, data={"start": later, "end": later + timedelta(hours=2)}
    )
    [booking] = Booking.objects.filter(resource=room, status=BookingStatus.CONFIRMED)
    assert booking.start == later


def test_capacity_cannot_go_below_the_seats_taken(place, staff):
    event = make_event(place, capacity=2)
    services.register(actor=member(place, "a"), event=event)
    services.register(actor=member(place, "b"), event=event)
    with pytest.raises(Conflict):
        services.update_event(actor=staff, event=event, data={"capacity": 1})


def test_more_capacity_promotes_the_people_waiting_in_order(place, staff):
    event = make_event(place, capacity=1)
    people = [member(place, f"m{n}") for n in range(4)]
    registrations = [services.register(actor=p, event=event) for p in people]
    assert [r.status for r in registrations] == [Status.CONFIRMED] + [Status.WAITING] * 3
    services.update_event(actor=staff, event=event, data={"capacity": 3})
    statuses = [Registration.objects.get(pk=r.pk).status for r in registrations]
    assert statuses == [Status.CONFIRMED, Status.CONFIRMED, Status.CONFIRMED, Status.WAITING]
    assert Event.objects.get(pk=event.pk).taken == 3


def test_cancelling_an_event_tells_everyone_registered(place, staff, mailoutbox):
    event = make_event(place, capacity=1)
    services.register(actor=member(place, "a"), event=event)
    services.register(actor=member(place, "b"), event=event)
    run_queued_tasks()
    mailoutbox.clear()
    services.cancel_event(actor=staff, event=event, reason="Intempéries")
    run_queued_tasks()
    sent = about_events(mailoutbox)
    assert sorted(m.to[0] for m in sent) == ["a@example.org", "b@example.org"]
    assert all("annulé" in m.subject for m in sent)
    assert "Intempéries" in sent[0].body
    with pytest.raises(Conflict):
        services.cancel_event(actor=staff, event=event)
    with pytest.raises(Conflict):
        services.register(actor=member(place, "c"), event=event)


def test_changing_the_time_tells_everyone_registered(place, staff, mailoutbox):
    event = make_event(place)
    services.register(actor=member(place, "a"), event=event)
    run_queued_tasks()
    mailoutbox.clear()
    later = event.start + timedelta(days=1)
    services.update_event(
        actor=staff, event=event, data={"start": later, "end": later + timedelta(hours=1)}
    )
    run_queued_tasks()
    [message] = about_events(mailoutbox)
    assert "modifié" in message.subject
    assert message.attachments[0][0].endswith(".ics")


def test_a_description_change_alone_tells_nobody(place, staff, mailoutbox):
    event = make_event(place)
    services.register(actor=member(place, "a"), event=event)
    run_queued_tasks()
    mailoutbox.clear()
    services.update_event(actor=staff, event=event, data={"description": "Autre texte"})
    run_queued_tasks()
    assert about_events(mailoutbox) == []


# --- registrations ------------------------------------------------------------------------------


def test_a_member_registers_and_takes_a_seat(place, mailoutbox):
    event = make_event(place, capacity=2)
    registration = services.register(actor=member(place, "ada"), event=event)
    assert registration.status == Status.CONFIRMED
    assert Event.objects.get(pk=event.pk).taken == 1
    run_queued_tasks()
    [message] = about_events(mailoutbox)
    assert message.subject.startswith("Inscription confirmée")
    [(filename, _content, mimetype)] = message.attachments
    assert filename.endswith(".ics") and mimetype == "text/calendar"
    assert "/evenements/desinscription/" in message.body


def test_registering_twice_is_a_conflict(place):
    event = make_event(place)
    ada = member(place, "ada")
    services.register(actor=ada, event=event)
    with pytest.raises(Conflict):
        services.register(actor=ada, event=event)


def test_a_second_registration_the_constraint_refuses_takes_no_seat(place, monkeypatch):
    """The path of two registrations of one person at the same instant, both past the check
    before either is written: the unique constraint refuses the second, a Conflict, and the
    seat it took is given back with the rest of its transaction."""
    event = make_event(place, capacity=3)
    ada = member(place, "ada")
    services.register(actor=ada, event=event)
    # No status counts as active for the check: only the constraint stands in the way.
    monkeypatch.setattr(services, "ACTIVE_STATUSES", ())
    with pytest.raises(Conflict, match="déjà inscrite"):
        services.register(actor=ada, event=event)
    event.refresh_from_db()
    assert event.taken == 1
    assert Registration.objects.filter(event=event, user=ada).count() == 1


def test_when_full_the_next_person_waits_and_a_cancellation_promotes_them(place, mailoutbox):
    event = make_event(place, capacity=1)
    first, second, third = (member(place, name) for name in ("un", "deux", "trois"))
    one = services.register(actor=first, event=event)
    two = services.register(actor=second, event=event)
    three = services.register(actor=third, event=event)
    assert (two.status, services.waiting_position(two)) == (Status.WAITING, 1)
    assert services.waiting_position(three) == 2
    run_queued_tasks()
    mailoutbox.clear()

    services.cancel_registration(actor=first, registration=one)

    two.refresh_from_db()
    three.refresh_from_db()
    assert two.status == Status.CONFIRMED and two.confirmed_at is not None
    assert services.waiting_position(three) == 1
    assert Event.objects.get(pk=event.pk).taken == 1
    run_queued_tasks()
    promoted = [m for m in about_events(mailoutbox) if m.to == ["deux@example.org"]]
    assert promoted and "libérée" in promoted[0].subject
    assert AuditEntry.objects.filter(action="registration.promote", object_id=str(two.pk)).exists()


def test_cancelling_a_waiting_registration_frees_no_seat(place):
    event = make_event(place, capacity=1)
    services.register(actor=member(place, "a"), event=event)
    waiting = services.register(actor=member(place, "b"), event=event)
    services.cancel_registration(actor=SYSTEM, registration=waiting)
    assert Event.objects.get(pk=event.pk).taken == 1


def test_a_guest_confirms_by_the_signed_link_then_takes_a_seat(place, mailoutbox):
    event = make_event(place, capacity=1)
    pending = services.register_guest(event=event, name="Léa", email="lea@example.org")
    assert pending.status == Status.PENDING
    assert Event.objects.get(pk=event.pk).taken == 0  # an unconfirmed address holds no seat
    run_queued_tasks()
    [message] = about_events(mailoutbox)
    assert message.subject.startswith("Confirmez")
    assert "/evenements/confirmer/" in message.body

    token = confirm_token(pending)
    registration = registration_for(token, purpose="confirm")
    services.confirm_guest(registration)
    assert registration.status == Status.CONFIRMED
    assert Event.objects.get(pk=event.pk).taken == 1
    # Idempotent: the link opened again changes nothing.
    services.confirm_guest(Registration.objects.get(pk=pending.pk))
    assert Event.objects.get(pk=event.pk).taken == 1


def test_a_guest_confirming_when_full_waits(place):
    event = make_event(place, capacity=1)
    pending = services.register_guest(event=event, name="Léa", email="lea@example.org")
    services.register(actor=member(place, "a"), event=event)
    services.confirm_guest(pending)
    assert pending.status == Status.WAITING


def test_the_same_guest_address_twice_makes_one_registration(place):
    event = make_event(place)
    one = services.register_guest(event=event, name="Léa", email="lea@example.org")
    two = services.register_guest(event=event, name="Léa", email="LEA@example.org")
    assert one.pk == two.pk


def test_forged_or_swapped_links_are_refused(place):
    event = make_event(place)
    pending = services.register_guest(event=event, name="Léa", email="lea@example.org")
    with pytest.raises(LinkInvalid):
        registration_for(confirm_token(pending) + "x", purpose="confirm")
    # A cancellation link does not confirm, and the reverse.
    with pytest.raises(LinkInvalid):
        registration_for(cancel_token(pending), purpose="confirm")
    with pytest.raises(LinkInvalid):
        registration_for(confirm_token(pending), purpose="cancel")


def test_a_guest_cancels_by_the_link_and_the_first_waiting_is_promoted(place):
    event = make_event(place, capacity=1)
    guest = services.register_guest(event=event, name="Léa", email="lea@example.org")
    services.confirm_guest(guest)
    waiting = services.register(actor=member(place, "b"), event=event)
    services.cancel_by_link(registration_for(cancel_token(guest), purpose="cancel"))
    waiting.refresh_from_db()
    assert waiting.status == Status.CONFIRMED


def test_staff_register_someone_by_name_and_email_confirmed_at_once(place, staff):
    event = make_event(place)
    registration = services.register(
        actor=staff, event=event, name="Jean Dupont", email="jean@example.org"
    )
    assert registration.status == Status.CONFIRMED and registration.user is None


def test_only_staff_register_someone_else(place):
    event = make_event(place)
    with pytest.raises(PermissionDenied):
        services.register(actor=member(place, "a"), event=event, name="X", email="x@example.org")


def test_members_only_events_refuse_others(place):
    event = make_event(place, visibility="members")
    outsider = UserFactory(username="dehors")
    with pytest.raises(PermissionDenied):
        services.register(actor=outsider, event=event)
    with pytest.raises(PermissionDenied):
        services.register_guest(event=event, name="X", email="x@example.org")
    assert services.register(actor=member(place, "a"), event=event).status == Status.CONFIRMED


def test_the_registration_window_is_kept(place, staff):
    now = timezone.now()
    event = make_event(place, registration_opens_at=now + timedelta(hours=1))
    with pytest.raises(Conflict):
        services.register(actor=member(place, "a"), event=event)
    closed = make_event(
        place, registration_opens_at=now - timedelta(days=2), registration_closes_at=now
    )
    with pytest.raises(Conflict):
        services.register_guest(event=closed, name="X", email="x@example.org")
    # Staff may still register someone outside the window.
    assert services.register(actor=staff, event=closed, name="X", email="x@example.org")


# --- the lifecycle: one test per illegal move ---------------------------------------------------


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (Status.CONFIRMED, Status.WAITING),
        (Status.CONFIRMED, Status.PENDING),
        (Status.WAITING, Status.PENDING),
        (Status.CANCELLED, Status.CONFIRMED),
        (Status.CANCELLED, Status.WAITING),
        (Status.CANCELLED, Status.PENDING),
    ],
)
def test_illegal_registration_moves_are_refused(place, start, target):
    event = make_event(place)
    registration = Registration.objects.create(event=event, email="x@example.org", status=start)
    with pytest.raises(IllegalTransition):
        move_state(registration, target, field="status")


def test_cancelling_twice_is_a_conflict(place):
    event = make_event(place)
    ada = member(place, "ada")
    registration = services.register(actor=ada, event=event)
    services.cancel_registration(actor=ada, registration=registration)
    with pytest.raises(Conflict):
        services.cancel_registration(actor=ada, registration=registration)


def test_a_cancelled_guest_registration_cannot_be_confirmed(place):
    event = make_event(place)
    pending = services.register_guest(event=event, name="Léa", email="lea@example.org")
    services.cancel_by_link(pending)
    with pytest.raises(Conflict):
        services.confirm_guest(Registration.objects.get(pk=pending.pk))


def test_a_cancelled_event_cannot_be_scheduled_again(place):
    event = make_event(place)
    services.cancel_event(actor=SYSTEM, event=event)
    with pytest.raises(IllegalTransition):
        move_state(event, EventStatus.SCHEDULED, field="status")
    with pytest.raises(Conflict):
        services.update_event(actor=SYSTEM, event=event, data={"title": "Encore"})


# --- attendance ---------------------------------------------------------------------------------


def _started(event):
    Event.objects.filter(pk=event.pk).update(
        start=timezone.now() - timedelta(hours=1), end=timezone.now() + timedelta(hours=1)
    )
    event.refresh_from_db()
    return event


def test_attendance_at_a_training_grants_its_qualification_once(place, staff):
    laser = make_qualification(place)
    event = make_event(place, actor=staff, category="training", qualification=laser)
    ada = member(place, "ada")
    registration = services.register(actor=ada, event=event)
    with pytest.raises(Conflict):  # not begun yet
        services.mark_attendance(actor=staff, registration=registration, attendance="present")
    _started(event)
    registration.refresh_from_db()
    services.mark_attendance(actor=staff, registration=registration, attendance="present")
    services.mark_attendance(actor=staff, registration=registration, attendance="present")
    [grant] = QualificationGrant.objects.filter(user=ada, qualification=laser)
    assert grant.source == "training" and grant.source_ref == f"event-session:{event.pk}"


def test_absent_grants_nothing_and_waiting_gets_no_attendance(place, staff):
    laser = make_qualification(place)
    event = make_event(place, capacity=1, category="training", qualification=laser)
    ada = services.register(actor=member(place, "ada"), event=event)
    waiting = services.register(actor=member(place, "bob"), event=event)
    _started(event)
    ada.refresh_from_db()
    services.mark_attendance(actor=staff, registration=ada, attendance="absent")
    assert not QualificationGrant.objects.exists()
    waiting.refresh_from_db()
    with pytest.raises(Conflict):
        services.mark_attendance(actor=staff, registration=waiting, attendance="present")
    with pytest.raises(ValidationFailed):
        services.mark_attendance(actor=staff, registration=ada, attendance="late")


def test_a_member_cannot_mark_attendance(place):
    event = _started(make_event(place))
    Registration.objects.create(event=event, email="x@example.org", status=Status.CONFIRMED)
    registration = Registration.objects.get(event=event)
    with pytest.raises(PermissionDenied):
        services.mark_attendance(
            actor=member(place, "ada"), registration=registration, attendance="present"
        )


def test_a_guest_confirming_late_queues_behind_those_already_waiting(place):
    event = make_event(place, capacity=1)
    early = services.register_guest(event=event, name="Léa", email="lea@example.org")
    services.register(actor=member(place, "a"), event=event)
    waiting_first = services.register(actor=member(place, "b"), event=event)
    services.confirm_guest(early)
    assert early.status == Status.WAITING
    assert services.waiting_position(waiting_first) == 1
    assert services.waiting_position(early) == 2


def test_staff_register_a_member_by_account_and_members_cannot(place, staff):
    event = make_event(place)
    ada, bob = member(place, "ada"), member(place, "bob")
    registration = services.register(actor=staff, event=event, user=ada)
    assert registration.user == ada and registration.registered_by == staff
    with pytest.raises(PermissionDenied):
        services.register(actor=bob, event=event, user=UserFactory(username="autre"))
    # Naming oneself is registering oneself.
    assert services.register(actor=bob, event=event, user=bob).user == bob
