"""Membership lifecycle, its rules, the one-open-membership constraint and plans."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from maillage.audit.models import AuditEntry
from maillage.common.actors import SYSTEM
from maillage.common.errors import Conflict, PermissionDenied, ValidationFailed
from maillage.members import selectors, services
from maillage.members.models import Membership
from tests.accounts.factories import AdminFactory, UserFactory
from tests.members.factories import make_membership, make_plan
from tests.places.factories import make_place

pytestmark = pytest.mark.django_db
Status = Membership.Status


@pytest.fixture
def place():
    return make_place(staff=[UserFactory(username="desk")], managers=[UserFactory(username="boss")])


def staff_of(place):
    return place.roles.get(role="staff").user


def test_a_request_accepted_by_staff_becomes_an_active_membership_from_today(place):
    person = UserFactory()
    plan = make_plan(place)
    membership = services.request_membership(actor=person, place=place, message=" Bonjour ")
    assert membership.status == Status.REQUESTED and membership.message == "Bonjour"
    assert selectors.active_membership(person, place) is None

    services.accept_request(actor=staff_of(place), membership=membership, plan=plan)

    membership.refresh_from_db()
    assert membership.status == Status.ACTIVE
    assert membership.plan == plan
    assert membership.start_date == timezone.localdate(timezone=place.timezone)
    assert membership.decided_by == staff_of(place)
    assert selectors.active_membership(person, place) == membership
    assert list(
        AuditEntry.objects.filter(object_type="members.membership").values_list("action", flat=True)
    ) == ["membership.requested", "membership.accept"]


def test_only_the_place_operators_decide_requests(place):
    membership = make_membership(place, UserFactory(), status=Status.REQUESTED)
    outsider = UserFactory()
    other_place_manager = UserFactory()
    make_place(name="Ailleurs", managers=[other_place_manager])
    for actor in (membership.user, outsider, other_place_manager):
        with pytest.raises(PermissionDenied):
            services.accept_request(actor=actor, membership=membership)
    membership.refresh_from_db()
    assert membership.status == Status.REQUESTED
    services.refuse_request(actor=AdminFactory(), membership=membership)
    assert Membership.objects.get(pk=membership.pk).status == Status.REFUSED


def test_a_second_open_membership_of_the_same_person_is_a_conflict(place):
    person = UserFactory()
    services.request_membership(actor=person, place=place)
    with pytest.raises(Conflict):
        services.request_membership(actor=person, place=place)
    with pytest.raises(Conflict):
        services.invite_member(actor=SYSTEM, place=place, user=person)
    assert Membership.objects.filter(user=person).count() == 1


def test_the_database_itself_refuses_two_open_memberships(place):
    person = UserFactory()
    Membership.objects.create(place=place, user=person, status=Status.ACTIVE)
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(place=place, user=person, status=Status.REQUESTED)
    # History does not count: an ended membership and a new request live side by side.
    Membership.objects.create(place=place, user=person, status=Status.ENDED)


def test_after_leaving_a_person_may_ask_again(place):
    person = UserFactory()
    membership = make_membership(place, person)
    services.end_membership(actor=person, membership=membership)
    again = services.request_membership(actor=person, place=place)
    assert again.pk != membership.pk and again.status == Status.REQUESTED


def test_an_invitation_is_answered_by_the_invited_person_only(place):
    person = UserFactory()
    membership = services.invite_member(actor=staff_of(place), place=place, user=person)
    with pytest.raises(PermissionDenied):
        services.accept_invitation(actor=staff_of(place), membership=membership)
    with pytest.raises(PermissionDenied):
        services.accept_invitation(actor=UserFactory(), membership=membership)
    services.accept_invitation(actor=person, membership=membership)
    assert Membership.objects.get(pk=membership.pk).status == Status.ACTIVE


@pytest.mark.parametrize(
    ("status", "move"),
    [
        (Status.REQUESTED, services.suspend_membership),
        (Status.ENDED, services.resume_membership),
        (Status.REFUSED, services.accept_request),
        (Status.ACTIVE, services.accept_request),
        (Status.DECLINED, services.accept_invitation),
    ],
)
def test_moves_the_lifecycle_does_not_allow_are_conflicts(place, status, move):
    membership = make_membership(place, UserFactory(), status=status)
    with pytest.raises(Conflict):
        move(actor=SYSTEM, membership=membership)
    assert Membership.objects.get(pk=membership.pk).status == status


def test_a_stale_copy_cannot_move_a_membership_twice(place):
    membership = make_membership(place, UserFactory(), status=Status.REQUESTED)
    stale = Membership.objects.get(pk=membership.pk)
    services.accept_request(actor=SYSTEM, membership=membership)
    with pytest.raises(Conflict):
        services.refuse_request(actor=SYSTEM, membership=stale)
    assert Membership.objects.get(pk=membership.pk).status == Status.ACTIVE


def test_suspension_and_resumption(place):
    membership = make_membership(place, UserFactory())
    services.suspend_membership(actor=staff_of(place), membership=membership)
    assert selectors.active_membership(membership.user, place) is None
    services.resume_membership(actor=staff_of(place), membership=membership)
    assert selectors.active_membership(membership.user, place) == membership


def test_a_membership_cannot_end_before_it_started(place):
    membership = make_membership(place, UserFactory())
    day_before = membership.start_date - timezone.timedelta(days=1)
    with pytest.raises(ValidationFailed):
        services.end_membership(actor=SYSTEM, membership=membership, end_date=day_before)


def test_a_closed_place_takes_no_requests():
    closed = make_place(status="closed")
    with pytest.raises(PermissionDenied):
        services.request_membership(actor=UserFactory(), place=closed)


def test_a_plan_of_another_place_is_refused(place):
    elsewhere = make_plan(make_place(name="Ailleurs"))
    with pytest.raises(ValidationFailed) as refused:
        services.request_membership(actor=UserFactory(), place=place, plan=elsewhere)
    assert refused.value.errors[0].field == "plan"


def test_plans_are_validated_field_by_field(place):
    with pytest.raises(ValidationFailed) as refused:
        services.create_plan(
            actor=SYSTEM,
            place=place,
            name=" ",
            price_cents=-1,
            period="week",
            resource_kinds=["spaceship"],
        )
    assert {error.field for error in refused.value.errors} == {
        "name",
        "price_cents",
        "period",
        "resource_kinds",
    }
    make_plan(place, name="Mensuel")
    with pytest.raises(ValidationFailed):
        make_plan(place, name="Mensuel")


def test_plans_are_chosen_by_the_place_operators(place):
    with pytest.raises(PermissionDenied):
        make_plan_as(UserFactory(), place)
    plan = make_plan_as(staff_of(place), place)
    services.update_plan(actor=staff_of(place), plan=plan, price_cents=15000)
    plan.refresh_from_db()
    assert plan.price_cents == 15000
    entry = AuditEntry.objects.get(action="plan.update", object_id=str(plan.pk))
    assert entry.changes == {"price_cents": [1500, 15000]}


def make_plan_as(actor, place):
    return services.create_plan(
        actor=actor, place=place, name="Journée", price_cents=1500, period="day"
    )


def test_a_plan_includes_every_kind_unless_it_lists_some(place):
    every = make_plan(place, name="Tout compris")
    desks = make_plan(place, name="Poste", resource_kinds=["desk"])
    assert every.includes_kind("machine")
    assert desks.includes_kind("desk") and not desks.includes_kind("machine")


def test_selectors_list_a_person_s_places_in_few_queries(place, django_assert_num_queries):
    person = UserFactory()
    for index in range(3):
        make_membership(make_place(name=f"Lieu {index}"), person)
    make_membership(place, person, status=Status.REQUESTED)
    with django_assert_num_queries(1):
        rows = [(m.place.name, m.plan) for m in selectors.memberships_of(person)]
    assert len(rows) == 4
    assert len(selectors.active_place_ids(person)) == 3
