"""Each computed indicator on small literal data: a wrong formula fails its test.

Rows are made through the apps' services (factories), then dated in the past with `update()`
where a service only writes today's date.
"""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from maillage.bookings.models import Booking, QualificationGrant, Resource
from maillage.common.actors import SYSTEM
from maillage.events.models import Attendance, Event, Registration, RegistrationStatus
from maillage.governance import services as governance
from maillage.governance.models import Elector, Participation, Proposal, Vote
from maillage.members.models import Membership, ResourceKind
from maillage.observatory import compute
from maillage.organisations import services as organisations
from maillage.organisations.models import Hosting
from maillage.sharing import services as sharing
from maillage.sharing.models import Item, Loan, Post, TimeAccount, TimeTransfer
from tests.accounts.factories import UserFactory
from tests.bookings.factories import make_booking, make_qualification, make_resource
from tests.events.factories import make_event
from tests.governance.factories import make_body, make_vote
from tests.members.factories import make_membership
from tests.organisations.factories import make_organisation
from tests.sharing.factories import make_item, make_member, make_post

from .factories import PAU, at, month, place_in

pytestmark = pytest.mark.django_db

MARCH = date(2026, 3, 1)


def key(place, start=MARCH):
    return (place.pk, start)


@pytest.fixture
def place():
    return place_in(PAU, "La Fabrique", opening_hours="Mo-Fr 09:00-17:00")


def test_active_and_new_members(place):
    """Started in January and still active; started in March; ended in February (not active in
    March); started in April: March has 2 active members, 1 new."""
    people = [UserFactory() for _ in range(4)]
    memberships = [make_membership(place, person) for person in people]
    dates = [
        (date(2026, 1, 5), None),
        (date(2026, 3, 10), None),
        (date(2025, 11, 1), date(2026, 2, 20)),
        (date(2026, 4, 2), None),
    ]
    for membership, (start, end) in zip(memberships, dates, strict=True):
        Membership.objects.filter(pk=membership.pk).update(start_date=start, end_date=end)
    results = compute.members(month(2026, 3))
    assert results["active_members"][key(place)] == (2.0, None)
    assert results["new_members"][key(place)] == (1.0, None)


def test_hours_booked_and_occupancy_rate_per_kind(place):
    """A desk open 40 h a week (its own hours) booked 4 h, and 2 h twice on a 2-seat meeting
    room that follows the place's hours (Mo-Fr 09-17, 40 h): March (31 days) offers
    40 × 31/7 hours on the desk and twice that on the room."""
    desk = make_resource(
        place, name="Poste 1", kind=ResourceKind.DESK, opening_hours="Mo-Fr 08:00-16:00"
    )
    room = make_resource(
        place, name="Salle", kind=ResourceKind.MEETING_ROOM, opening_hours="", capacity=2
    )
    person = UserFactory()
    make_membership(place, person)
    day = timezone.localdate() + timedelta(days=2)
    booking = make_booking(desk, person, at(day, 9), at(day, 13))
    first = make_booking(room, person, at(day, 10), at(day, 12))
    second = make_booking(room, UserFactory(), at(day, 14), at(day, 16))
    for row, start, end in (
        (booking, at(date(2026, 3, 3), 9), at(date(2026, 3, 3), 13)),
        (first, at(date(2026, 3, 4), 10), at(date(2026, 3, 4), 12)),
        (second, at(date(2026, 3, 5), 10), at(date(2026, 3, 5), 12)),
    ):
        Booking.objects.filter(pk=row.pk).update(start=start, end=end)
    Resource.objects.update(created_at=at(date(2026, 1, 1)))
    results = compute.bookings(month(2026, 3))
    bookable = 40 * 31 / 7
    assert results["hours_booked_desk"][key(place)] == (4.0, None)
    assert results["hours_booked_meeting_room"][key(place)] == (4.0, None)
    assert results["hours_booked"][key(place)] == (8.0, None)
    assert results["occupancy_rate_desk"][key(place)] == pytest.approx((4.0, bookable))
    assert results["occupancy_rate_meeting_room"][key(place)] == pytest.approx((4.0, 2 * bookable))
    assert results["occupancy_rate"][key(place)] == pytest.approx((8.0, 3 * bookable))


def _event(place, day, **fields):
    event = make_event(place, **fields)
    Event.objects.filter(pk=event.pk).update(start=at(day, 18), end=at(day, 20))
    return event


def _registration(event, attendance=""):
    return Registration.objects.create(
        event=event, user=UserFactory(), status=RegistrationStatus.CONFIRMED, attendance=attendance
    )


def test_events_registrations_attendance_and_its_rate(place):
    """Two events in March (one for members only), one cancelled: 2 held, 1 public. The
    public one has 3 confirmed registrations, 2 present and 1 absent; the other 2 with no
    attendance taken: 5 registrations, 2 present, rate 2/3 (only the event where it was
    taken counts)."""
    public = _event(place, date(2026, 3, 12))
    members = _event(place, date(2026, 3, 19), visibility="members")
    cancelled = _event(place, date(2026, 3, 26))
    Event.objects.filter(pk=cancelled.pk).update(status="cancelled")
    for attendance in (Attendance.PRESENT, Attendance.PRESENT, Attendance.ABSENT):
        _registration(public, attendance)
    _registration(members)
    _registration(members)
    results = compute.events(month(2026, 3))
    assert results["events_held"][key(place)] == (2.0, None)
    assert results["public_events"][key(place)] == (1.0, None)
    assert results["registrations"][key(place)] == (5.0, None)
    assert results["attendance"][key(place)] == (2.0, None)
    assert results["attendance_rate"][key(place)] == (2.0, 3.0)


def test_trainings_given_and_qualifications_granted(place):
    qualification = make_qualification(place)
    _event(place, date(2026, 3, 12), qualification=qualification)
    _event(place, date(2026, 3, 13))
    for day in (date(2026, 3, 12), date(2026, 3, 12), date(2026, 4, 1)):
        QualificationGrant.objects.create(
            qualification=qualification,
            user=UserFactory(),
            source=QualificationGrant.Source.TRAINING,
            granted_on=day,
        )
    results = compute.qualifications(month(2026, 3))
    assert results["trainings_given"][key(place)] == (1.0, None)
    assert results["qualifications_granted"][key(place)] == (2.0, None)


def test_loans_items_borrowers_and_catalogue_share(place):
    """Four items on offer; in March Ada borrows the drill twice and the saw, Ben the drill:
    4 loans, 2 items, 2 borrowers, 2 of 4 items used."""
    drill, saw, _ladder, _tent = (
        make_item(place, name=name) for name in ("Perceuse", "Scie", "Échelle", "Tente")
    )
    Item.objects.update(created_at=at(date(2026, 1, 2)))
    ada, ben = make_member(place), make_member(place)
    for item, person, day in ((drill, ada, 2), (saw, ada, 3), (drill, ben, 10), (drill, ada, 20)):
        loan = sharing.check_out(actor=SYSTEM, item=item, borrower=person)
        Loan.objects.filter(pk=loan.pk).update(checked_out_at=at(date(2026, 3, day)))
        sharing.return_item(actor=SYSTEM, loan=loan)
    results = compute.sharing(month(2026, 3))
    assert results["loans"][key(place)] == (4.0, None)
    assert results["items_lent"][key(place)] == (2.0, None)
    assert results["borrowers"][key(place)] == (2.0, None)
    assert results["catalogue_share"][key(place)] == (2.0, 4.0)


def test_exchanges_fulfilled_and_hours_exchanged(place):
    author = make_member(place)
    done = make_post(author, place=place)
    make_post(author, place=place, title="Cours de couture")  # still open
    Post.objects.filter(pk=done.pk).update(state="fulfilled", updated_at=at(date(2026, 3, 5)))
    payer, payee = make_member(place), make_member(place)
    accounts = [TimeAccount.objects.create(place=place, user=person) for person in (payer, payee)]
    for minutes in (90, 30):
        transfer = TimeTransfer.objects.create(
            place=place, debit=accounts[0], credit=accounts[1], minutes=minutes, label="aide"
        )
        TimeTransfer.objects.filter(pk=transfer.pk).update(created_at=at(date(2026, 3, 6)))
    results = compute.sharing(month(2026, 3))
    assert results["exchanges_fulfilled"][key(place)] == (1.0, None)
    assert results["hours_exchanged"][key(place)] == (2.0, None)


def test_hosted_organisations_jobs_and_jobs_created(place):
    """Hosted since 2025 with 2 jobs then 5 declared in February: 5 jobs hosted, 3 created.
    A second one left in January 2026 (not hosted in March)."""
    grows = make_organisation(place, start_date=date(2025, 6, 1), name="Atelier Bois")
    organisations.declare_headcount(
        actor=SYSTEM,
        organisation=grows,
        declared_on=date(2025, 6, 2),
        employees=2,
        employees_local=1,
    )
    organisations.declare_headcount(
        actor=SYSTEM,
        organisation=grows,
        declared_on=date(2026, 2, 2),
        employees=5,
        employees_local=3,
    )
    gone = make_organisation(place, start_date=date(2025, 1, 6), name="Studio Son", siret="")
    Hosting.objects.filter(organisation=gone).update(end_date=date(2026, 1, 15))
    results = compute.organisations(month(2026, 3))
    assert results["hosted_organisations"][key(place)] == (1.0, None)
    assert results["jobs_hosted"][key(place)] == (5.0, None)
    assert results["jobs_created"][key(place)] == (3.0, None)


def test_survival_is_kaplan_meier_over_hostings(place):
    """Four hostings: one left after 200 days, three still going (censored) after 400+ days at
    the end of 2026: S(1 year) = 3/4, weighted by the 4 hostings."""
    start = date(2025, 1, 1)
    for index in range(4):
        make_organisation(place, start_date=start, name=f"Structure {index}", siret="")
    first = Hosting.objects.filter(place=place).order_by("pk").first()
    Hosting.objects.filter(pk=first.pk).update(end_date=start + timedelta(days=200))
    window = compute.Window("year", date(2026, 1, 1), date(2027, 1, 1))
    results = compute.organisations(window)
    numerator, denominator = results["survival_1y"][(place.pk, date(2026, 1, 1))]
    assert denominator == 4
    assert numerator / denominator == pytest.approx(0.75)
    assert (place.pk, date(2026, 1, 1)) not in results["survival_3y"]  # nobody followed 3 years


def test_decisions_taken_and_participation_rate(place):
    body, _members = make_body(place, members=4)
    vote = make_vote(body)
    electors = list(Elector.objects.filter(vote=vote))
    assert len(electors) == 4
    for elector in electors[:3]:
        Participation.objects.create(vote=vote, elector=elector, on_day=date(2026, 3, 9))
    Vote.objects.filter(pk=vote.pk).update(status="closed", closed_at=at(date(2026, 3, 10)))
    adopted = governance.create_proposal(actor=SYSTEM, body=body, title="Budget", text="Oui")
    governance.create_proposal(actor=SYSTEM, body=body, title="Brouillon", text="Non")
    Proposal.objects.filter(pk=adopted.pk).update(
        status="adopted", decided_at=at(date(2026, 3, 11))
    )
    results = compute.governance(month(2026, 3))
    assert results["participation_rate"][key(place)] == (3.0, 4.0)
    assert results["decisions_taken"][key(place)] == (1.0, None)


def test_opening_hours_per_week(place):
    results = compute.opening(month(2026, 3))
    assert results["opening_hours_per_week"][key(place)] == (40.0, None)
