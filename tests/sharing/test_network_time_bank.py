"""A network's time bank, shared by the active members of its places: one bank per account and
per transfer (the database refuses a transfer between banks), the books of every bank at zero,
settings by the coordinators, hours of fulfilled posts recorded there, and the pages."""

import itertools

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from maillage.audit.models import AuditEntry
from maillage.common.actors import SYSTEM
from maillage.common.errors import Conflict, PermissionDenied, ValidationFailed
from maillage.places.services import save_network
from maillage.sharing import selectors, services
from maillage.sharing.models import PostState, TimeAccount, TimeTransfer
from maillage.sharing.rules import network_time_bank
from maillage.territories.models import Territory
from tests.accounts.factories import AdminFactory, UserFactory
from tests.places.factories import make_place
from tests.sharing.factories import make_member, make_post, set_sharing
from tests.territories.factories import load_reference_sample

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "member_a", "staff_a", "member_b", "coordinator", "admin")


def network_of(places, *, slug="reseau", coordinators=()):
    return save_network(
        actor=SYSTEM,
        network=None,
        data={
            "name": f"Réseau {slug}",
            "slug": slug,
            "places": list(places),
            "coordinators": list(coordinators),
        },
    )


def open_bank(network, overdraft_minutes=0):
    return services.update_network_time_bank(
        actor=SYSTEM, network=network, enabled=True, overdraft_minutes=overdraft_minutes
    )


@pytest.fixture
def world():
    staff_a = UserFactory(username="equipe-a")
    coordinator = UserFactory(username="coordination")
    place_a = make_place(name="Lieu A", staff=[staff_a])
    place_c = make_place(name="Lieu C")  # a second place of the network
    place_b = make_place(name="Lieu B")  # outside the network
    network = network_of([place_a, place_c], coordinators=[coordinator])
    other = network_of([place_b], slug="autre")
    return {
        "anonymous": AnonymousUser(),
        "member_a": make_member(place_a, username="membre-a"),
        "helper_a": make_member(place_a, username="aide-a"),
        "helper_c": make_member(place_c, username="membre-c"),
        "staff_a": staff_a,
        "member_b": make_member(place_b, username="membre-b"),
        "coordinator": coordinator,
        "admin": AdminFactory(username="admin-instance"),
        "place_a": place_a,
        "place_b": place_b,
        "network": network,
        "other": other,
    }


def attempt(write) -> bool:
    try:
        write()
    except PermissionDenied:
        return False
    return True


# --- the database ---------------------------------------------------------------------------


def test_an_account_belongs_to_exactly_one_bank(world):
    ada = world["member_a"]
    for place, network in ((world["place_a"], world["network"]), (None, None)):
        with pytest.raises(IntegrityError), transaction.atomic():
            TimeAccount.objects.create(place=place, network=network, user=ada)
    TimeAccount.objects.create(network=world["network"], user=ada)
    with pytest.raises(IntegrityError), transaction.atomic():
        TimeAccount.objects.create(network=world["network"], user=ada)
    # The same person has one account per bank: their place's and their network's.
    TimeAccount.objects.create(place=world["place_a"], user=ada)
    TimeAccount.objects.create(network=world["other"], user=ada)


def test_the_database_refuses_a_transfer_between_banks(world):
    ada, cid = world["member_a"], world["helper_c"]
    in_network = TimeAccount.objects.create(network=world["network"], user=ada)
    in_network_too = TimeAccount.objects.create(network=world["network"], user=cid)
    in_place = TimeAccount.objects.create(place=world["place_a"], user=cid)
    in_other = TimeAccount.objects.create(network=world["other"], user=cid)
    forged = [
        {"network": world["network"], "debit": in_network, "credit": in_place},
        {"network": world["network"], "debit": in_place, "credit": in_network},
        {"network": world["network"], "debit": in_network, "credit": in_other},
        {"place": world["place_a"], "debit": in_network, "credit": in_place},
        {"place": world["place_a"], "debit": in_network, "credit": in_network_too},
        {"network": world["other"], "debit": in_network, "credit": in_network_too},
        # Both banks named, or none.
        {
            "place": world["place_a"],
            "network": world["network"],
            "debit": in_network,
            "credit": in_network_too,
        },
        {"debit": in_network, "credit": in_network_too},
    ]
    for values in forged:
        with pytest.raises(IntegrityError), transaction.atomic():
            TimeTransfer.objects.create(minutes=30, label="x", **values)
    assert not TimeTransfer.objects.exists()
    # Inside one bank, the same row is accepted.
    TimeTransfer.objects.create(
        network=world["network"], debit=in_network, credit=in_network_too, minutes=30, label="x"
    )


# --- the books ------------------------------------------------------------------------------

_networks = itertools.count()


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    floor=st.integers(min_value=0, max_value=120),
    exchanges=st.lists(
        st.tuples(st.booleans(), st.integers(0, 3), st.integers(0, 3), st.integers(1, 200)),
        max_size=12,
    ),
)
def test_every_bank_balances_and_no_network_balance_goes_under_its_floor(floor, exchanges):
    """Exchanges at a network's bank (members of two of its places) mixed with exchanges at one
    place's own bank: each bank sums to zero on its own, every balance stays above its floor."""
    n = next(_networks)
    place, second = make_place(name=f"Banque {n}"), make_place(name=f"Autre banque {n}")
    network = network_of([place, second], slug=f"reseau-{n}")
    open_bank(network, overdraft_minutes=floor)
    set_sharing(place, time_bank_enabled=True, overdraft_minutes=60)
    people = [make_member(place), make_member(place), make_member(second), make_member(second)]
    for at_network, payer, payee, minutes in exchanges:
        before = TimeTransfer.objects.count()
        try:
            if at_network:
                services.record_network_time_exchange(
                    actor=SYSTEM,
                    network=network,
                    payer=people[payer],
                    payee=people[payee],
                    minutes=minutes,
                    label="échange",
                )
            else:
                services.record_time_exchange(
                    actor=SYSTEM,
                    place=place,
                    payer=people[payer % 2],
                    payee=people[payee % 2],
                    minutes=minutes,
                    label="échange",
                )
        except (Conflict, ValidationFailed):
            assert TimeTransfer.objects.count() == before  # a refusal writes nothing
        assert selectors.total_balance_minutes(network=network) == 0
        assert selectors.total_balance_minutes(place) == 0
        assert selectors.total_balance_minutes() == 0
        for person in people:
            for row in selectors.balances_of(person):
                assert row["balance_minutes"] >= -(floor if row["network"] else 60)


def test_a_network_exchange_wants_an_open_bank_and_members_of_the_network(world):
    network, ada, cid = world["network"], world["member_a"], world["helper_c"]

    def exchange(payer, payee):
        services.record_network_time_exchange(
            actor=SYSTEM, network=network, payer=payer, payee=payee, minutes=30, label="Aide"
        )

    with pytest.raises(ValidationFailed):
        exchange(ada, cid)  # closed bank
    open_bank(network, overdraft_minutes=60)
    with pytest.raises(ValidationFailed):
        exchange(ada, world["member_b"])  # not a member of the network's places
    exchange(ada, cid)
    with pytest.raises(Conflict):
        services.record_network_time_exchange(
            actor=SYSTEM, network=network, payer=ada, payee=cid, minutes=31, label="Trop"
        )
    assert selectors.total_balance_minutes(network=network) == 0
    assert TimeTransfer.objects.get().network == network


# --- posts ----------------------------------------------------------------------------------


def _answered_post(world, *, responder="helper_a", territory=False, **overrides):
    """A post of member_a at place A (or, with `territory`, for a commune), answered."""
    if territory:
        load_reference_sample()
        commune = Territory.objects.filter(level="commune").first()
        post = make_post(world["member_a"], territory=commune, **overrides)
    else:
        post = make_post(world["member_a"], place=world["place_a"], **overrides)
    answer = services.answer_post(actor=world[responder], post=post, body="Je peux !")
    return post, answer.conversation


def test_a_post_fulfilled_in_the_network_bank_records_its_hours_there(world):
    set_sharing(world["place_a"], time_bank_enabled=True, overdraft_minutes=600)
    open_bank(world["network"], overdraft_minutes=600)
    post, conversation = _answered_post(world)  # an offer: the author helped
    services.fulfil_post(
        actor=world["member_a"],
        post=post,
        conversation=conversation,
        minutes=45,
        network=world["network"],
    )
    transfer = TimeTransfer.objects.get()
    assert transfer.network == world["network"] and transfer.place is None
    assert transfer.post == post
    rows = {
        (row["bank"], row["balance_minutes"]) for row in selectors.balances_of(world["member_a"])
    }
    assert rows == {("Réseau reseau", 45)}
    assert selectors.balances_of(world["helper_a"])[0]["balance_minutes"] == -45
    assert selectors.total_balance_minutes(world["place_a"]) == 0
    assert selectors.total_balance_minutes(network=world["network"]) == 0
    entry = AuditEntry.objects.filter(action="post.fulfil").get()
    assert entry.changes["network"] == [None, world["network"].pk]


def test_a_territory_post_between_two_places_of_the_network_counts_at_its_bank(world):
    open_bank(world["network"], overdraft_minutes=60)
    post, conversation = _answered_post(world, responder="helper_c", territory=True)
    services.fulfil_post(
        actor=world["member_a"],
        post=post,
        conversation=conversation,
        minutes=60,
        network=world["network"],
    )
    assert selectors.balances_of(world["helper_c"])[0]["balance_minutes"] == -60
    assert selectors.total_balance_minutes(network=world["network"]) == 0


@pytest.mark.parametrize("case", ["closed", "foreign network", "not a member", "no minutes"])
def test_a_post_is_fulfilled_in_a_network_bank_only_where_it_may(world, case):
    open_bank(world["network"])
    open_bank(world["other"])
    post, conversation = _answered_post(
        world,
        kind="request",
        territory=case == "not a member",
        responder="member_b" if case == "not a member" else "helper_a",
    )
    network = world["network"]
    minutes: int | None = 30
    if case == "closed":
        services.update_network_time_bank(actor=SYSTEM, network=network, enabled=False)
    elif case == "foreign network":
        network = world["other"]  # the post's place is not of it
    elif case == "no minutes":
        minutes = None
    # "not a member": member_b answered a territory post but is of no place of the network.
    with pytest.raises(ValidationFailed):
        services.fulfil_post(
            actor=world["member_a"],
            post=post,
            conversation=conversation,
            minutes=minutes,
            network=network,
        )
    post.refresh_from_db()
    assert post.state == PostState.OPEN and not TimeTransfer.objects.exists()


# --- permission matrix --------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_who_changes_the_network_bank_settings(world, role):
    allowed = role in ("coordinator", "admin")
    done = attempt(
        lambda: services.update_network_time_bank(
            actor=world[role], network=world["network"], enabled=True, overdraft_minutes=90
        )
    )
    assert done is allowed
    entries = AuditEntry.objects.filter(action="network_time_bank.update")
    assert entries.exists() is allowed
    if allowed:
        assert entries.get().changes == {"enabled": [False, True], "overdraft_minutes": [0, 90]}


@pytest.mark.parametrize("role", ROLES)
def test_who_records_a_network_exchange(world, role):
    open_bank(world["network"], overdraft_minutes=60)
    done = attempt(
        lambda: services.record_network_time_exchange(
            actor=world[role],
            network=world["network"],
            payer=world["member_a"],
            payee=world["helper_c"],
            minutes=30,
            label="Aide",
        )
    )
    assert done is (role in ("coordinator", "admin"))
    assert TimeTransfer.objects.exists() is done


@pytest.mark.parametrize("role", ROLES)
def test_who_fulfils_a_post_in_the_network_bank(world, role):
    open_bank(world["network"], overdraft_minutes=60)
    post, conversation = _answered_post(world)
    done = attempt(
        lambda: services.fulfil_post(
            actor=world[role],
            post=post,
            conversation=conversation,
            minutes=30,
            network=world["network"],
        )
    )
    assert done is (role == "member_a")  # the author only
    assert TimeTransfer.objects.exists() is done


def test_the_bank_settings_are_checked(world):
    for wrong in (-1, 100 * 60 + 1, "10"):
        with pytest.raises(ValidationFailed):
            services.update_network_time_bank(
                actor=SYSTEM, network=world["network"], overdraft_minutes=wrong
            )
    with pytest.raises(TypeError):
        services.update_network_time_bank(actor=SYSTEM, network=world["network"], colour="red")


# --- pages ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_the_network_bank_page_is_for_coordinators(client, world, role):
    url = reverse("sharing:network_time_bank", args=[world["network"].slug])
    if role != "anonymous":
        client.force_login(world[role])
    page = client.get(url)
    response = client.post(url, {"enabled": "on", "overdraft_minutes": "120"})
    current = network_time_bank(world["network"])
    if role == "anonymous":
        assert page.status_code == 302 and response.status_code == 302
        assert not current.enabled
    elif role in ("coordinator", "admin"):
        assert page.status_code == 200
        assert response.status_code == 302
        assert current.enabled and current.overdraft_minutes == 120
    else:
        assert page.status_code == 404 and response.status_code == 404
        assert not current.enabled


def test_the_network_bank_page_refuses_bad_values_and_foreign_networks(client, world):
    client.force_login(world["coordinator"])
    url = reverse("sharing:network_time_bank", args=[world["network"].slug])
    assert client.post(url, {"overdraft_minutes": "-5"}).status_code == 400
    foreign = reverse("sharing:network_time_bank", args=[world["other"].slug])
    assert client.get(foreign).status_code == 404
    assert client.post(foreign, {"enabled": "on", "overdraft_minutes": "0"}).status_code == 404
    assert client.get(reverse("sharing:network_time_bank", args=["inconnu"])).status_code == 404
    network_page = client.get(reverse("places:network", args=[world["network"].slug]))
    assert url in network_page.content.decode()


def test_a_member_fulfils_in_the_network_bank_from_the_post_page_and_sees_both_balances(
    client, world
):
    set_sharing(world["place_a"], time_bank_enabled=True, overdraft_minutes=600)
    open_bank(world["network"], overdraft_minutes=600)
    services.record_time_exchange(
        actor=SYSTEM,
        place=world["place_a"],
        payer=world["member_a"],
        payee=make_member(world["place_a"]),
        minutes=20,
        label="Au lieu",
    )
    post, conversation = _answered_post(world)
    client.force_login(world["member_a"])
    page = client.get(reverse("sharing:post", args=[post.pk])).content.decode()
    assert 'name="network"' in page and "Réseau reseau" in page
    response = client.post(
        reverse("sharing:post_action", args=[post.pk, "fulfil"]),
        {"conversation": conversation.pk, "minutes": "50", "network": world["network"].pk},
    )
    assert response.status_code == 302
    assert TimeTransfer.objects.filter(network=world["network"], minutes=50).exists()
    space = client.get(reverse("members:my_space")).content.decode()
    assert "Lieu A : -20 minutes" in space
    assert "Réseau Réseau reseau : 50 minutes" in space


def test_a_foreign_network_cannot_be_chosen_on_the_post_page(client, world):
    open_bank(world["network"])
    open_bank(world["other"])
    post, conversation = _answered_post(world)
    client.force_login(world["member_a"])
    response = client.post(
        reverse("sharing:post_action", args=[post.pk, "fulfil"]),
        {"conversation": conversation.pk, "minutes": "50", "network": world["other"].pk},
    )
    assert response.status_code == 400
    assert not TimeTransfer.objects.exists()


# --- migration ------------------------------------------------------------------------------


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_existing_accounts_and_transfers_migrate_unchanged():
    leaves = MigrationExecutor(connection).loader.graph.leaf_nodes()
    before = [leaf for leaf in leaves if leaf[0] != "sharing"]
    apps = _migrate([*before, ("sharing", "0001_library_posts_time_bank")])
    user_model = apps.get_model("accounts", "User")
    place = apps.get_model("places", "Place").objects.create(
        name="Lieu", slug="lieu-migre", latitude=43.3, longitude=-0.37
    )
    account = apps.get_model("sharing", "TimeAccount")
    ana = account.objects.create(place=place, user=user_model.objects.create(username="ana"))
    bea = account.objects.create(place=place, user=user_model.objects.create(username="bea"))
    apps.get_model("sharing", "TimeTransfer").objects.create(
        place=place, debit=ana, credit=bea, minutes=75, label="Avant"
    )

    apps = _migrate(leaves)
    accounts = apps.get_model("sharing", "TimeAccount").objects.order_by("pk")
    assert [(a.place_id, a.network_id, a.user.username) for a in accounts] == [
        (place.pk, None, "ana"),
        (place.pk, None, "bea"),
    ]
    transfer = apps.get_model("sharing", "TimeTransfer").objects.get()
    assert (transfer.place_id, transfer.network_id, transfer.minutes, transfer.label) == (
        place.pk,
        None,
        75,
        "Avant",
    )
    assert (transfer.debit_id, transfer.credit_id) == (ana.pk, bea.pk)
