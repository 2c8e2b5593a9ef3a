"""Hosted organisations: validated identifiers, hostings that never overlap at one place, people,
headcount series, quarterly reminders and commuting declarations."""

from datetime import date, timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from maillage.common.actors import SYSTEM
from maillage.common.errors import Conflict, PermissionDenied, ValidationFailed
from maillage.common.mail import send_mail_task
from maillage.organisations import selectors, services
from maillage.organisations.models import HeadcountDeclaration, HeadcountReminder, Hosting
from tests.accounts.factories import UserFactory
from tests.checkins.factories import make_member
from tests.organisations.factories import SIRET, make_organisation
from tests.places.factories import make_place

pytestmark = pytest.mark.django_db


@pytest.fixture
def place():
    return make_place(name="La Pépinière", staff=[UserFactory(username="desk")])


def staff_of(place):
    return place.roles.get(role="staff").user


def fields_of(exc):
    return {error.field for error in exc.value.errors}


def test_an_organisation_is_created_hosted_with_its_siren_derived_from_its_siret(place):
    organisation = make_organisation(place, siret="732 829 320 00074", naf_code="62.01z")
    assert (organisation.siret, organisation.siren, organisation.naf_code) == (
        SIRET,
        "732829320",
        "62.01Z",
    )
    [hosting] = organisation.hostings.all()
    assert (hosting.place, hosting.kind, hosting.end_date) == (place, "resident_office", None)


def test_every_invalid_field_is_reported_at_once(place):
    with pytest.raises(ValidationFailed) as exc:
        make_organisation(
            place,
            name=" ",
            siret="73282932000075",
            naf_code="6201Z",
            created_on=timezone.localdate() + timedelta(days=2),
            size_band="99",
            contact_email="not an address",
        )
    assert fields_of(exc) == {
        "name",
        "siret",
        "naf_code",
        "created_on",
        "size_band",
        "contact_email",
    }
    with pytest.raises(ValidationFailed) as exc:
        make_organisation(place, siren="123456789")
    assert fields_of(exc) == {"siren"}
    with pytest.raises(ValidationFailed) as exc:
        make_organisation(place, siret=SIRET, siren="356000000")
    assert fields_of(exc) == {"siren"}


def test_a_siret_belongs_to_one_organisation(place):
    make_organisation(place, siret=SIRET)
    with pytest.raises(ValidationFailed, match="SIRET"):
        make_organisation(place, name="Autre", siret=SIRET)


def test_only_the_operators_of_a_hosting_place_create_and_edit(place):
    member = make_member(place)
    with pytest.raises(PermissionDenied):
        services.create_organisation(actor=member, place=place, kind="domiciliation", name="X")
    organisation = make_organisation(place)
    elsewhere = make_place(name="Ailleurs", staff=[UserFactory()])
    with pytest.raises(PermissionDenied):
        services.update_organisation(actor=staff_of(elsewhere), organisation=organisation, name="Y")
    services.update_organisation(actor=staff_of(place), organisation=organisation, name="Y")
    assert (
        selectors.organisation_for_edit(user=staff_of(place), organisation_id=organisation.pk).name
        == "Y"
    )


def test_hostings_of_one_organisation_at_one_place_never_overlap(place):
    organisation = make_organisation(place, start_date=date(2025, 1, 1))
    [first] = organisation.hostings.all()
    services.end_hosting(actor=SYSTEM, hosting=first, end_date=date(2025, 3, 31))
    with pytest.raises(Conflict, match="déjà hébergée"):
        services.add_hosting(
            actor=SYSTEM,
            organisation=organisation,
            place=place,
            kind="incubation",
            start_date=date(2025, 3, 31),
        )
    # The day after is free; another place may host it at the same time.
    services.add_hosting(
        actor=SYSTEM,
        organisation=organisation,
        place=place,
        kind="incubation",
        start_date=date(2025, 4, 1),
    )
    services.add_hosting(
        actor=SYSTEM,
        organisation=organisation,
        place=make_place(name="Autre lieu"),
        kind="domiciliation",
        start_date=date(2025, 2, 1),
    )
    assert Hosting.objects.filter(organisation=organisation).count() == 3
    with pytest.raises(Conflict):
        services.add_hosting(
            actor=SYSTEM,
            organisation=organisation,
            place=place,
            kind="incubation",
            start_date=date(2024, 6, 1),
            end_date=date(2025, 1, 1),
        )


def test_the_database_refuses_overlapping_hostings_on_postgresql(place):
    """PostgreSQL holds the rule itself (exclusion constraint); SQLite has none, and there the
    service's check in the IMMEDIATE transaction holds it (previous test)."""
    organisation = make_organisation(place, start_date=date(2025, 1, 1))
    overlapping = Hosting(
        organisation=organisation, place=place, kind="incubation", start_date=date(2025, 6, 1)
    )
    if connection.vendor == "postgresql":
        with pytest.raises(IntegrityError), transaction.atomic():
            overlapping.save()
    else:
        overlapping.save()
        assert Hosting.objects.filter(organisation=organisation).count() == 2


def test_a_hosting_cannot_end_before_it_starts_nor_twice(place):
    organisation = make_organisation(place, start_date=date(2025, 1, 10))
    hosting = organisation.hostings.get()
    with pytest.raises(ValidationFailed):
        services.end_hosting(actor=SYSTEM, hosting=hosting, end_date=date(2025, 1, 9))
    services.end_hosting(actor=SYSTEM, hosting=hosting, end_date=date(2025, 2, 1))
    with pytest.raises(Conflict):
        services.end_hosting(actor=SYSTEM, hosting=hosting, end_date=date(2025, 3, 1))


def test_people_are_linked_by_account_or_by_name(place):
    organisation = make_organisation(place)
    member = make_member(place)
    services.link_person(actor=SYSTEM, organisation=organisation, role="founder", user=member)
    services.link_person(actor=SYSTEM, organisation=organisation, role="employee", name="Zoé")
    with pytest.raises(ValidationFailed) as exc:
        services.link_person(actor=SYSTEM, organisation=organisation, role="boss")
    assert fields_of(exc) == {"role", "name"}
    assert organisation.people.count() == 2


def test_headcounts_are_dated_one_per_day_local_within_total_never_ahead(place):
    organisation = make_organisation(place)
    desk = staff_of(place)
    declaration = services.declare_headcount(
        actor=desk,
        organisation=organisation,
        declared_on=date(2025, 3, 31),
        employees=4,
        employees_local=3,
    )
    assert declaration.declared_by == desk
    with pytest.raises(ValidationFailed) as exc:
        services.declare_headcount(
            actor=desk,
            organisation=organisation,
            declared_on=date(2025, 3, 31),
            employees=5,
            employees_local=1,
        )
    assert fields_of(exc) == {"declared_on"}
    with pytest.raises(ValidationFailed) as exc:
        services.declare_headcount(
            actor=desk,
            organisation=organisation,
            declared_on=timezone.localdate() + timedelta(days=1),
            employees=2,
            employees_local=3,
        )
    assert fields_of(exc) == {"declared_on", "employees_local"}
    with pytest.raises(IntegrityError), transaction.atomic():
        HeadcountDeclaration.objects.create(
            organisation=organisation, declared_on=date(2025, 6, 30), employees=1, employees_local=2
        )
    assert [row.employees for row in selectors.headcount_series(organisation)] == [4]


def test_the_reminder_goes_once_per_quarter_to_the_contact_of_hosted_organisations(
    place, mailoutbox
):
    make_organisation(place, name="Hébergée", start_date=date(2026, 1, 5))
    gone = make_organisation(place, name="Partie", start_date=date(2025, 1, 5))
    services.end_hosting(actor=SYSTEM, hosting=gone.hostings.get(), end_date=date(2026, 6, 1))
    make_organisation(place, name="Sans contact", contact_email="")
    today = date(2026, 11, 15)
    assert services.send_headcount_reminders(actor=SYSTEM, today=today) == 1
    assert services.send_headcount_reminders(actor=SYSTEM, today=today + timedelta(days=30)) == 0
    assert HeadcountReminder.objects.get().quarter == "2026-Q4"
    task = DBTaskResult.objects.get()
    send_mail_task.call(**task.args_kwargs["kwargs"])
    [message] = mailoutbox
    assert message.to == ["contact@atelier.example.org"]
    assert "Hébergée" in message.subject
    assert "La Pépinière" in message.body
    assert services.send_headcount_reminders(actor=SYSTEM, today=date(2027, 1, 2)) == 1
    with pytest.raises(PermissionDenied):
        services.send_headcount_reminders(actor=staff_of(place))


def test_the_reminder_command_is_idempotent(place):
    from django.core.management import call_command

    make_organisation(place, start_date=date(2025, 1, 5))
    call_command("send_headcount_reminders")
    call_command("send_headcount_reminders")
    assert HeadcountReminder.objects.count() == 1


def test_a_member_declares_their_commuting_and_may_replace_it():
    person = UserFactory()
    declaration = services.declare_commuting(
        actor=person,
        home_commune="64348",
        teleworks=True,
        employer_commune="75056",
        transport_mode="train",
    )
    assert (declaration.home_commune.code, declaration.employer_commune.code) == ("64348", "75056")
    services.declare_commuting(actor=person, home_commune="64445")
    again = selectors.commuting_of(person)
    assert again.home_commune.code == "64445"
    assert (again.teleworks, again.employer_commune) == (False, None)
    with pytest.raises(ValidationFailed) as exc:
        services.declare_commuting(
            actor=person, home_commune="99999", teleworks=True, transport_mode="rocket"
        )
    assert fields_of(exc) == {"home_commune", "employer_commune", "transport_mode"}
    with pytest.raises(PermissionDenied):
        services.declare_commuting(actor=SYSTEM, home_commune="64445")
