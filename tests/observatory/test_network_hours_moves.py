"""A change that moves network bank hours from one place to another, whose old place the audit
log cannot tell (a place deleted, an account erased, places put in or out of the network),
marks their months at the place they left and at the one they reached, in its
transaction: the incremental recomputation then gives what a full one gives."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from maillage.accounts.services import delete_account
from maillage.audit.services import chain_pending
from maillage.common.actors import SYSTEM
from maillage.members import services as members
from maillage.members.models import OPEN_STATUSES, Membership, MembershipStatus
from maillage.observatory import compute, services
from maillage.observatory.compute import Window
from maillage.observatory.models import Grain, PlaceValue, StaleMonth
from maillage.observatory.periods import add_months, month_start
from maillage.places.services import delete_network, delete_place, save_network
from maillage.sharing import services as sharing
from maillage.sharing.models import TimeTransfer
from tests.accounts.factories import AdminFactory, UserFactory

from .factories import LESCAR, PAU, at, place_in

pytestmark = pytest.mark.django_db

# Yesterday, not today: a moment of today may still be ahead on the instance's clock.
YESTERDAY = timezone.localdate() - timedelta(days=1)
SINCE = month_start(YESTERDAY - timedelta(days=120))
GRAINS = (Grain.MONTH, Grain.QUARTER, Grain.YEAR)


def _network(places):
    network = save_network(
        actor=SYSTEM,
        network=None,
        data={"name": "Réseau", "slug": "reseau", "places": places, "coordinators": []},
    )
    sharing.update_network_time_bank(
        actor=SYSTEM, network=network, enabled=True, overdraft_minutes=6000
    )
    return network


@pytest.fixture
def bank():
    first, second = place_in(PAU, "Un"), place_in(LESCAR, "Deux")
    outside = place_in(PAU, "Hors réseau")
    return {
        "first": first,
        "second": second,
        "outside": outside,
        "network": _network([first, second]),
    }


def _join(person, place, days_ago):
    """`person` joins `place` through the members services, from `days_ago` days before
    yesterday."""
    membership = members.request_membership(actor=person, place=place)
    return members.accept_request(
        actor=SYSTEM, membership=membership, start_date=YESTERDAY - timedelta(days=days_ago)
    )


def _transfer(network, payer, payee, minutes, days_ago):
    """A transfer recorded by the network's bank, dated `days_ago` days before yesterday (its
    audit entry is read after, so its month is the one marked)."""
    transfer = sharing.record_network_time_exchange(
        actor=AdminFactory(),
        network=network,
        payer=payer,
        payee=payee,
        minutes=minutes,
        label="aide",
    )
    TimeTransfer.objects.filter(pk=transfer.pk).update(
        created_at=at(YESTERDAY - timedelta(days=days_ago), hour=10)
    )
    return transfer


def _stored() -> dict:
    return {
        (place_id, grain, start): value
        for place_id, grain, start, value in PlaceValue.objects.filter(
            indicator="hours_exchanged"
        ).values_list("place_id", "grain", "period_start", "value")
    }


def _full() -> dict:
    """What a full computation (`compute_indicators --all`) stores for the hours exchanged."""
    end = add_months(month_start(YESTERDAY), 1)
    starts = {
        Grain.MONTH: SINCE,
        Grain.QUARTER: SINCE.replace(month=(SINCE.month - 1) // 3 * 3 + 1),
        Grain.YEAR: SINCE.replace(month=1),
    }
    return {
        (place_id, grain, start): numerator
        for grain in GRAINS
        for (place_id, start), (numerator, _none) in compute.sharing(
            Window(grain, starts[grain], end, None)
        )["hours_exchanged"].items()
    }


def _computed() -> None:
    chain_pending()
    services.compute_all(since=SINCE)


def _recomputed() -> dict:
    """The incremental recomputation; checked against the full one, the figures it stored."""
    chain_pending()
    services.recompute_stale()
    stored = _stored()
    assert stored == _full()
    return stored


def _month_hours(stored, place) -> float | None:
    return stored.get((place.pk, Grain.MONTH, month_start(YESTERDAY - timedelta(days=5))))


@pytest.fixture
def counted_at_first(bank):
    """A transfer counted at the first place: the payee's earliest membership in the network;
    the payee belongs to the second place too, joined later."""
    payer, payee = UserFactory(), UserFactory()
    _join(payer, bank["second"], 60)
    _join(payee, bank["first"], 60)
    _join(payee, bank["second"], 30)
    _transfer(bank["network"], payer, payee, 90, 5)
    _computed()
    assert _month_hours(_stored(), bank["first"]) == 1.5
    return payee


def test_a_deleted_place_moves_its_members_hours_to_their_other_place(bank, counted_at_first):
    delete_place(actor=SYSTEM, place=bank["first"])
    assert _month_hours(_recomputed(), bank["second"]) == 1.5


def test_an_erased_account_takes_its_hours_from_the_place_they_counted_at(bank, counted_at_first):
    delete_account(actor=SYSTEM, user=counted_at_first)
    stored = _recomputed()
    assert (_month_hours(stored, bank["first"]), _month_hours(stored, bank["second"])) == (
        None,
        None,
    )


def test_a_deleted_network_takes_its_banks_hours_from_the_place_they_counted_at(
    bank, counted_at_first
):
    delete_network(actor=SYSTEM, network=bank["network"])
    stored = _recomputed()
    assert (_month_hours(stored, bank["first"]), _month_hours(stored, bank["second"])) == (
        None,
        None,
    )


def test_a_place_leaving_the_network_moves_the_hours_to_another_of_its_places(
    bank, counted_at_first
):
    network = bank["network"]
    save_network(
        actor=SYSTEM,
        network=network,
        data={"name": network.name, "slug": network.slug, "places": [bank["second"]]},
    )
    stored = _recomputed()
    assert (_month_hours(stored, bank["first"]), _month_hours(stored, bank["second"])) == (
        None,
        1.5,
    )


def test_a_place_joining_the_network_takes_the_hours_of_its_earlier_members(bank, counted_at_first):
    _join(counted_at_first, bank["outside"], 90)
    _computed()
    network = bank["network"]
    places = [bank["first"], bank["second"], bank["outside"]]
    save_network(
        actor=SYSTEM,
        network=network,
        data={"name": network.name, "slug": network.slug, "places": places},
    )
    stored = _recomputed()
    assert (_month_hours(stored, bank["first"]), _month_hours(stored, bank["outside"])) == (
        None,
        1.5,
    )


def test_a_change_that_moves_nothing_marks_nothing(bank, counted_at_first):
    network = bank["network"]
    save_network(
        actor=SYSTEM,
        network=network,
        data={"name": network.name, "slug": network.slug, "places": [bank["first"]]},
    )
    chain_pending()
    services.mark_from_audit()
    assert not StaleMonth.objects.exists()


# --- Any sequence of changes --------------------------------------------------------------

PEOPLE, PLACES = 3, 3  # the places: two in the network, one outside
DAYS = st.integers(min_value=0, max_value=80)
STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("join"), st.integers(0, PEOPLE - 1), st.integers(0, PLACES - 1), DAYS),
        st.tuples(st.just("end"), st.integers(0, PEOPLE - 1), st.integers(0, PLACES - 1), DAYS),
        st.tuples(
            st.just("transfer"), st.integers(0, PEOPLE - 1), st.integers(0, PEOPLE - 1), DAYS
        ),
        st.tuples(st.just("network"), st.integers(0, PLACES - 1)),
        st.tuples(st.just("delete place"), st.integers(0, PLACES - 1)),
        st.tuples(st.just("erase"), st.integers(0, PEOPLE - 1)),
    ),
    min_size=1,
    max_size=6,
)


def _step(step, world) -> None:
    kind, *args = step
    people, places, network = world["people"], world["places"], world["network"]
    if kind in ("join", "end"):
        person, place, days = people[args[0]], places[args[1]], args[2]
        if person is None or place is None:
            return
        memberships = Membership.objects.filter(user=person, place=place)
        held = memberships.filter(status=MembershipStatus.ACTIVE).first()
        if kind == "join" and not memberships.filter(status__in=OPEN_STATUSES).exists():
            _join(person, place, days)
        elif kind == "end" and held is not None:
            end = max(held.start_date, YESTERDAY - timedelta(days=days))
            members.end_membership(actor=SYSTEM, membership=held, end_date=end)
    elif kind == "transfer":
        payer, payee = people[args[0]], people[args[1]]
        active = [
            person
            for person in (payer, payee)
            if person is not None
            and Membership.objects.filter(
                user=person, place__networks=network, status=MembershipStatus.ACTIVE
            ).exists()
        ]
        if payer != payee and len(active) == 2:
            _transfer(network, payer, payee, 30, args[2])
    elif kind == "network":
        place = places[args[0]]
        if place is not None:
            inside = set(network.places.values_list("pk", flat=True))
            save_network(
                actor=SYSTEM,
                network=network,
                data={"name": network.name, "slug": network.slug, "places": inside ^ {place.pk}},
            )
    elif kind == "delete place" and places[args[0]] is not None:
        delete_place(actor=SYSTEM, place=places[args[0]])
        places[args[0]] = None
    elif kind == "erase" and people[args[0]] is not None:
        delete_account(actor=SYSTEM, user=people[args[0]])
        people[args[0]] = None


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=STEPS)
def test_after_any_changes_the_incremental_figures_are_the_full_ones(steps, monkeypatch):
    """Hypothesis runs every example in the same test transaction: each one in a savepoint
    rolled back at its end. Only the sharing figures are computed, to keep it quick."""
    monkeypatch.setattr(services, "SOURCES", [compute.sharing])
    with transaction.atomic():
        places = [place_in(PAU, f"Lieu {number}") for number in range(PLACES)]
        network = _network(places[:2])
        people = [UserFactory() for _ in range(PEOPLE)]
        for number, person in enumerate(people):
            _join(person, places[number % 2], 90)
        world = {"people": people, "places": places, "network": network}
        _transfer(network, people[0], people[1], 60, 10)
        _computed()
        for step in steps:
            _step(step, world)
            _recomputed()
        transaction.set_rollback(True)
