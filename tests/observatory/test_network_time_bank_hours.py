"""Hours exchanged in a network's time bank count at one place: that of the person credited
(who gave the time), through their membership in the network's places in force that day (the
one begun first, then the lowest place id); never at two places, nowhere for an erased person.
A new network transfer marks that place's month stale."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from maillage.audit.services import chain_pending
from maillage.common.actors import SYSTEM
from maillage.members import services as members
from maillage.members.models import Membership
from maillage.observatory import compute, services
from maillage.observatory.models import StaleMonth
from maillage.observatory.periods import month_start
from maillage.places.services import save_network
from maillage.sharing import services as sharing
from maillage.sharing.models import TimeAccount, TimeTransfer
from tests.accounts.factories import AdminFactory
from tests.members.factories import make_membership
from tests.sharing.factories import make_member

from .factories import LESCAR, PAU, at, month, place_in

pytestmark = pytest.mark.django_db

MARCH = date(2026, 3, 1)


@pytest.fixture
def bank():
    first, second = place_in(PAU, "Un"), place_in(LESCAR, "Deux")
    outside = place_in(PAU, "Hors réseau")
    network = save_network(
        actor=SYSTEM,
        network=None,
        data={"name": "Réseau", "slug": "reseau", "places": [first, second], "coordinators": []},
    )
    sharing.update_network_time_bank(
        actor=SYSTEM, network=network, enabled=True, overdraft_minutes=120
    )
    return {"first": first, "second": second, "outside": outside, "network": network}


def joined(person, place, start, end=None):
    membership = Membership.objects.get(user=person, place=place)
    Membership.objects.filter(pk=membership.pk).update(start_date=start, end_date=end)


def network_transfer(bank, payer, payee, minutes, day):
    debit, _ = TimeAccount.objects.get_or_create(network=bank["network"], user=payer)
    credit, _ = TimeAccount.objects.get_or_create(network=bank["network"], user=payee)
    transfer = TimeTransfer.objects.create(
        network=bank["network"], debit=debit, credit=credit, minutes=minutes, label="aide"
    )
    TimeTransfer.objects.filter(pk=transfer.pk).update(created_at=at(day))
    return transfer


def hours(bank):
    return {
        place_id: value
        for (place_id, start), (value, _none) in compute.sharing(month(2026, 3))[
            "hours_exchanged"
        ].items()
        if start == MARCH
    }


def test_network_hours_count_at_the_place_of_the_person_credited(bank):
    first, second = bank["first"], bank["second"]
    payer, payee = make_member(first), make_member(second)
    joined(payer, first, date(2025, 1, 1))
    joined(payee, second, date(2025, 6, 1))
    network_transfer(bank, payer, payee, 90, date(2026, 3, 6))
    # A place bank's transfer still counts at its place, added to the network's there.
    accounts = [TimeAccount.objects.create(place=second, user=p) for p in (payer, payee)]
    TimeTransfer.objects.create(
        place=second, debit=accounts[0], credit=accounts[1], minutes=30, label="aide"
    )
    TimeTransfer.objects.filter(place=second).update(created_at=at(date(2026, 3, 7)))
    assert hours(bank) == {second.pk: 2.0}


def test_a_member_of_several_places_counts_once_at_the_membership_begun_first(bank):
    first, second, outside = bank["first"], bank["second"], bank["outside"]
    payer, payee = make_member(first), make_member(second)
    make_membership(first, payee)
    make_membership(outside, payee)
    joined(payer, first, date(2025, 1, 1))
    joined(payee, second, date(2024, 5, 1))
    joined(payee, first, date(2025, 9, 1))
    joined(payee, outside, date(2020, 1, 1))  # older, but not of the network
    network_transfer(bank, payer, payee, 60, date(2026, 3, 6))
    assert hours(bank) == {second.pk: 1.0}
    # Once that membership ended (before the transfer), the other one holds the hours.
    joined(payee, second, date(2024, 5, 1), end=date(2026, 2, 28))
    assert hours(bank) == {first.pk: 1.0}
    # Begun the same day: the lowest place id, whichever was made first.
    joined(payee, second, date(2025, 9, 1))
    assert hours(bank) == {min(first.pk, second.pk): 1.0}


def test_a_membership_begun_after_the_transfer_does_not_count(bank):
    first, second = bank["first"], bank["second"]
    payer, payee = make_member(first), make_member(second)
    make_membership(first, payee)
    joined(payee, first, date(2026, 3, 20))  # after the transfer: not yet a member there
    joined(payee, second, date(2026, 1, 1))
    network_transfer(bank, payer, payee, 30, date(2026, 3, 6))
    assert hours(bank) == {second.pk: 0.5}


def test_an_erased_person_hours_count_nowhere(bank):
    first, second = bank["first"], bank["second"]
    payer, payee = make_member(first), make_member(second)
    joined(payee, second, date(2025, 1, 1))
    network_transfer(bank, payer, payee, 30, date(2026, 3, 6))
    TimeAccount.objects.filter(user=payee).update(user=None)
    assert hours(bank) == {}


def test_the_figure_is_one_query_whatever_the_number_of_transfers(bank):
    first, second = bank["first"], bank["second"]
    people = [make_member(first) for _ in range(3)] + [make_member(second) for _ in range(3)]
    for person in people:
        joined(person, Membership.objects.get(user=person).place, date(2025, 1, 1))

    def count():
        window = month(2026, 3)
        with CaptureQueriesContext(connection) as captured:
            compute._flow(
                compute.transfers_with_place().filter(counted_at__isnull=False),
                window,
                when="created_at",
                place="counted_at",
            )
        return len(captured)

    network_transfer(bank, people[0], people[3], 10, date(2026, 3, 2))
    assert count() == 1
    for payer, payee in zip(people, reversed(people), strict=True):
        network_transfer(bank, payer, payee, 10, date(2026, 3, 3))
    assert count() == 1
    assert hours(bank) == {first.pk: 30 / 60, second.pk: 40 / 60}


def test_a_network_transfer_marks_the_month_of_the_place_it_counts_at(bank):
    first, second = bank["first"], bank["second"]
    payer, payee = make_member(first), make_member(second)
    chain_pending()
    services.mark_from_audit()
    StaleMonth.objects.all().delete()
    yesterday = timezone.localdate() - timedelta(days=1)
    joined(payee, second, yesterday - timedelta(days=40))
    joined(payer, first, yesterday - timedelta(days=40))
    sharing.record_network_time_exchange(
        actor=AdminFactory(),
        network=bank["network"],
        payer=payer,
        payee=payee,
        minutes=45,
        label="aide",
    )
    chain_pending()
    services.mark_from_audit()
    assert set(StaleMonth.objects.values_list("place_id", "month")) == {
        (second.pk, month_start(timezone.localdate()))
    }


def test_a_membership_change_moving_transfers_marks_both_places(bank):
    """Ending the membership the hours counted at moves them to the person's other place: the
    month is marked at both, the old place's figure (now nothing) included."""
    first, second = bank["first"], bank["second"]
    payer, payee = make_member(first), make_member(first)
    membership_at_second = make_membership(second, payee)
    joined(payer, first, date(2025, 1, 1))
    joined(payee, first, date(2025, 1, 1))
    Membership.objects.filter(pk=membership_at_second.pk).update(start_date=date(2025, 6, 1))
    network_transfer(bank, payer, payee, 90, date(2026, 3, 6))
    assert hours(bank) == {first.pk: 1.5}
    chain_pending()
    services.mark_from_audit()
    StaleMonth.objects.all().delete()
    at_first = Membership.objects.get(user=payee, place=first)
    members.end_membership(actor=AdminFactory(), membership=at_first, end_date=date(2026, 2, 28))
    chain_pending()
    services.mark_from_audit()
    stale = set(StaleMonth.objects.values_list("place_id", "month"))
    assert {(first.pk, MARCH), (second.pk, MARCH)} <= stale
    assert hours(bank) == {second.pk: 1.5}
