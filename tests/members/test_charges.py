"""What members owe: one charge per membership and month, idempotent, and its CSV statement."""

import csv
import io
import itertools
from datetime import date

import pytest
from django.db import IntegrityError, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from maillage.common.actors import SYSTEM
from maillage.common.errors import PermissionDenied
from maillage.members import services
from maillage.members.models import Charge, Membership, PlanPeriod
from maillage.members.selectors import STATEMENT_HEADER, euros, statement_rows
from tests.factories import UserFactory, make_place
from tests.members.factories import make_membership, make_plan

pytestmark = pytest.mark.django_db

Status = Membership.Status
MARCH = date(2026, 3, 1)


def member(place, plan, *, start, status=Status.ACTIVE, end=None, **user):
    membership = make_membership(place, UserFactory(**user), plan=plan)
    Membership.objects.filter(pk=membership.pk).update(start_date=start, end_date=end)
    if status != Status.ACTIVE:
        Membership.objects.filter(pk=membership.pk).update(status=status)
    membership.refresh_from_db()
    return membership


@pytest.fixture
def place():
    return make_place()


def test_who_owes_what_for_a_month(place):
    monthly = make_plan(place, name="Mensuel", price_cents=12000)
    yearly = make_plan(place, name="Annuel", period=PlanPeriod.YEAR, price_cents=100000)
    day = make_plan(place, name="Journée", period=PlanPeriod.DAY, price_cents=1500)
    owes = [
        member(place, monthly, start=date(2026, 1, 10)),
        member(place, monthly, start=date(2026, 3, 31)),  # begins on the last day
        member(place, monthly, start=date(2025, 1, 1), status=Status.ENDED, end=date(2026, 3, 1)),
        member(place, yearly, start=date(2025, 3, 15)),  # its anniversary month
        member(place, day, start=date(2026, 3, 5)),  # a day pass bought this month
    ]
    member(place, monthly, start=date(2026, 4, 1))  # not begun yet
    member(place, monthly, start=date(2025, 1, 1), status=Status.ENDED, end=date(2026, 2, 28))
    member(place, monthly, start=date(2026, 1, 1), status=Status.SUSPENDED)
    member(place, yearly, start=date(2025, 6, 1))  # billed in June
    member(place, day, start=date(2026, 2, 5))  # bought last month
    make_membership(place, UserFactory(), plan=monthly, status=Status.REQUESTED)

    created = services.bill_period(actor=SYSTEM, place=place, period_start=date(2026, 3, 17))

    assert sorted(charge.membership_id for charge in created) == sorted(m.pk for m in owes)
    by_membership = {charge.membership_id: charge for charge in created}
    assert by_membership[owes[0].pk].period_end == date(2026, 3, 31)
    assert by_membership[owes[3].pk].period_end == date(2027, 2, 28)
    assert by_membership[owes[3].pk].amount_cents == 100000
    assert by_membership[owes[0].pk].label == "Mensuel — mars 2026"
    assert by_membership[owes[0].pk].reference == f"M{place.pk}-202603-{owes[0].pk}"
    assert {charge.period_start for charge in created} == {MARCH}


def test_billing_again_changes_nothing_and_a_plan_change_does_not_rewrite_the_past(place):
    from maillage.audit.models import AuditEntry

    plan = make_plan(place, price_cents=12000)
    member(place, plan, start=date(2026, 1, 1))
    assert len(services.bill_period(actor=SYSTEM, place=place, period_start=MARCH)) == 1
    entries = AuditEntry.objects.count()
    services.update_plan(actor=SYSTEM, plan=plan, price_cents=15000, name="Mensuel plus")
    assert services.bill_period(actor=SYSTEM, place=place, period_start=MARCH) == []
    assert AuditEntry.objects.count() == entries + 1  # the plan update only
    charge = Charge.objects.get()
    assert (charge.amount_cents, charge.plan_name) == (12000, "Mensuel")
    april = services.bill_period(actor=SYSTEM, place=place, period_start=date(2026, 4, 1))
    assert [(c.amount_cents, c.plan_name) for c in april] == [(15000, "Mensuel plus")]


def test_the_database_refuses_a_second_charge_for_the_same_period(place):
    plan = make_plan(place)
    member(place, plan, start=date(2026, 1, 1))
    [charge] = services.bill_period(actor=SYSTEM, place=place, period_start=MARCH)
    with pytest.raises(IntegrityError), transaction.atomic():
        Charge.objects.create(
            place=place,
            membership=charge.membership,
            period_start=MARCH,
            period_end=MARCH,
            plan_name="x",
            amount_cents=1,
            label="x",
            reference="other",
        )


def test_only_the_place_s_operators_bill(place):
    with pytest.raises(PermissionDenied):
        services.bill_period(actor=UserFactory(), place=place, period_start=MARCH)


def test_the_statement_csv_for_a_month(client, place):
    staff = UserFactory()
    from maillage.places.services import grant_place_role

    grant_place_role(actor=SYSTEM, place=place, user=staff, role="staff")
    plan = make_plan(place, name="=HYPERLINK(1)", price_cents=12345)
    ada = member(place, plan, start=date(2026, 1, 1), first_name="Ada", last_name="Lovelace")
    bob = member(
        place, plan, start=date(2026, 1, 1), username="bob@example.org", email="bob@example.org"
    )
    client.force_login(staff)
    response = client.post(f"/lieux/{place.slug}/sommes-dues/", {"month": "2026-03"})
    assert response["Location"] == f"/lieux/{place.slug}/sommes-dues/?month=2026-03"
    page = client.get(response["Location"])
    assert page.context["total"] == 24690
    assert "246,90 €" in page.content.decode()

    export = client.get(f"/lieux/{place.slug}/sommes-dues/releve.csv?month=2026-03")
    assert export["Content-Type"] == "text/csv; charset=utf-8"
    assert "sommes-dues-" in export["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert rows[0] == list(STATEMENT_HEADER)
    assert sorted(rows[1:]) == sorted(
        [
            [
                "Ada Lovelace",
                "'=HYPERLINK(1)",
                "2026-03-01/2026-03-31",
                "123.45",
                f"M{place.pk}-202603-{ada.pk}",
            ],
            [
                "bob@example.org",
                "'=HYPERLINK(1)",
                "2026-03-01/2026-03-31",
                "123.45",
                f"M{place.pk}-202603-{bob.pk}",
            ],
        ]
    )
    empty = client.get(f"/lieux/{place.slug}/sommes-dues/releve.csv?month=2026-05")
    assert b"".join(empty.streaming_content).decode().splitlines() == [",".join(STATEMENT_HEADER)]


def test_euros_are_exact():
    assert [euros(cents) for cents in (0, 5, 100, 12345, 100000)] == [
        "0.00",
        "0.05",
        "1.00",
        "123.45",
        "1000.00",
    ]


_places = itertools.count()
membership_spec = st.tuples(
    st.sampled_from(list(PlanPeriod)),
    st.integers(min_value=0, max_value=500_000),
    st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 12, 31)),
    st.sampled_from([Status.ACTIVE, Status.ENDED, Status.SUSPENDED]),
    st.integers(min_value=0, max_value=400),
)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    specs=st.lists(membership_spec, max_size=6),
    months=st.lists(
        st.dates(min_value=date(2025, 1, 1), max_value=date(2026, 12, 31)),
        min_size=1,
        max_size=4,
        unique_by=lambda day: (day.year, day.month),
    ),
)
def test_statement_totals_equal_the_charges_and_billing_is_idempotent(specs, months):
    place = make_place(name=f"Lieu {next(_places)}")
    for index, (period, price, start, status, length) in enumerate(specs):
        plan = make_plan(place, name=f"F{index}", period=period, price_cents=price)
        end = None if status != Status.ENDED else date.fromordinal(start.toordinal() + length)
        member(place, plan, start=start, status=status, end=end)
    for month in months:
        first = services.bill_period(actor=SYSTEM, place=place, period_start=month)
        assert services.bill_period(actor=SYSTEM, place=place, period_start=month) == []
        month_start = month.replace(day=1)
        charges = Charge.objects.filter(place=place, period_start=month_start)
        assert sorted(c.pk for c in first) == sorted(c.pk for c in charges)
        rows = statement_rows(place, month_start)
        total = sum(int(row[3].replace(".", "")) for row in rows)
        assert total == sum(charge.amount_cents for charge in charges)
        assert len({row[4] for row in rows}) == len(rows)
    assert Charge.objects.filter(place=place).count() == len(
        set(Charge.objects.filter(place=place).values_list("membership_id", "period_start"))
    )
