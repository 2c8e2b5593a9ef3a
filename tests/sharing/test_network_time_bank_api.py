"""The JSON API of a network's time bank: a member reads their balance and transfers, the
coordinators list every transfer and record one through the same service as everywhere (the
ledger sums to zero, the floor holds), foreign networks answer 404, lists read a fixed number
of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from maillage.accounts.services import create_api_token
from maillage.audit.models import AuditEntry
from maillage.common.actors import SYSTEM
from maillage.sharing import selectors, services
from maillage.sharing.models import TimeTransfer
from tests.accounts.factories import AdminFactory, UserFactory
from tests.places.factories import make_place
from tests.sharing.factories import make_member
from tests.sharing.test_network_time_bank import network_of, open_bank

pytestmark = pytest.mark.django_db


def bearer(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {create_api_token(user=user, name='t')[1]}"}


@pytest.fixture
def world():
    coordinator = UserFactory(username="coordination")
    place_a, place_c = make_place(name="Lieu A"), make_place(name="Lieu C")
    place_b = make_place(name="Lieu B")  # outside the network
    network = network_of([place_a, place_c], coordinators=[coordinator])
    other = network_of([place_b], slug="autre")
    open_bank(network, overdraft_minutes=60)
    return {
        "network": network,
        "other": other,
        "coordinator": coordinator,
        "ada": make_member(place_a, username="ada"),
        "cid": make_member(place_c, username="cid"),
        "eve": make_member(place_a, username="eve"),
        "bob": make_member(place_b, username="bob"),
        "admin": AdminFactory(username="admin-instance"),
    }


def give(world, payee, payer, minutes):
    return services.record_network_time_exchange(
        actor=world["coordinator"],
        network=world["network"],
        payer=world[payer],
        payee=world[payee],
        minutes=minutes,
        label="aide",
    )


def base(world) -> str:
    return f"/api/v1/sharing/networks/{world['network'].pk}"


def post_transfer(client, world, who, **body):
    payload = {
        "payer_id": world["ada"].pk,
        "payee_id": world["cid"].pk,
        "minutes": 30,
        "label": "Réparation de vélo",
    }
    payload.update(body)
    return client.post(
        f"{base(world)}/time-transfers",
        payload,
        content_type="application/json",
        **bearer(world[who]),
    )


def test_a_member_reads_their_balance_and_their_transfers(client, world):
    give(world, "cid", "ada", 45)
    give(world, "ada", "eve", 15)
    give(world, "cid", "eve", 10)  # not Ada's
    answer = client.get(f"{base(world)}/time-bank/me", **bearer(world["ada"]))
    assert answer.status_code == 200
    body = answer.json()
    assert body["balance_minutes"] == -30
    assert body["enabled"] is True
    assert body["overdraft_minutes"] == 60
    assert body["network_id"] == world["network"].pk
    assert (
        body["account_id"]
        == selectors.network_account(world["network"], world["ada"])["account_id"]
    )
    mine = client.get(f"{base(world)}/time-bank/me/transfers", **bearer(world["ada"])).json()
    assert mine["count"] == 2
    assert [row["minutes"] for row in mine["items"]] == [15, 45]  # newest first
    assert mine["items"][1]["payer_id"] == world["ada"].pk
    assert mine["items"][1]["payee_id"] == world["cid"].pk
    # Someone without an account yet: zero, no account.
    fresh = client.get(f"{base(world)}/time-bank/me", **bearer(make_member_of_a(world))).json()
    assert (fresh["account_id"], fresh["balance_minutes"]) == (None, 0)


def make_member_of_a(world):
    return make_member(world["network"].places.get(name="Lieu A"))


def test_a_foreign_network_answers_404_and_no_token_401(client, world):
    paths = ["/time-bank/me", "/time-bank/me/transfers", "/time-transfers"]
    for path in paths:
        assert client.get(f"{base(world)}{path}", **bearer(world["bob"])).status_code == 404
        assert client.get(f"{base(world)}{path}").status_code == 401
        missing = f"/api/v1/sharing/networks/{world['other'].pk + 1000}{path}"
        assert client.get(missing, **bearer(world["ada"])).status_code == 404
    answer = client.get(f"{base(world)}/time-bank/me", **bearer(world["bob"]))
    assert answer.json()["detail"]
    assert post_transfer(client, world, "bob").status_code == 404
    assert not TimeTransfer.objects.exists()


def test_only_the_coordinators_list_every_transfer(client, world):
    give(world, "cid", "ada", 45)
    give(world, "ada", "eve", 15)
    assert client.get(f"{base(world)}/time-transfers", **bearer(world["ada"])).status_code == 404
    for who in ("coordinator", "admin"):
        answer = client.get(f"{base(world)}/time-transfers", **bearer(world[who]))
        assert answer.status_code == 200
        assert answer.json()["count"] == 2
    # The other network's coordinators see nothing of this one.
    outsider = UserFactory()
    network_of([make_place(name="Lieu D")], slug="troisieme", coordinators=[outsider])
    assert client.get(f"{base(world)}/time-transfers", **bearer(outsider)).status_code == 404


def test_a_transfer_through_the_api_moves_hours_within_the_floor(client, world):
    network = world["network"]
    answer = post_transfer(client, world, "coordinator", minutes=50)
    assert answer.status_code == 201, answer.content
    body = answer.json()
    transfer = TimeTransfer.objects.get(pk=body["id"])
    assert (transfer.network_id, transfer.place_id, transfer.minutes) == (network.pk, None, 50)
    assert body["debit_account_id"] == transfer.debit_id
    assert body["credit_account_id"] == transfer.credit_id
    # The service's write: its audit entry, inside the transaction.
    assert AuditEntry.objects.filter(
        action="time_transfer.create", object_id=str(transfer.pk)
    ).exists()
    assert selectors.network_account(network, world["ada"])["balance_minutes"] == -50
    assert selectors.network_account(network, world["cid"])["balance_minutes"] == 50
    assert selectors.total_balance_minutes(network=network) == 0
    # The floor is 60 minutes under zero: 20 more would take Ada to -70.
    refused = post_transfer(client, world, "coordinator", minutes=20)
    assert refused.status_code == 409
    assert "60" in refused.json()["detail"]
    assert TimeTransfer.objects.count() == 1
    assert post_transfer(client, world, "coordinator", minutes=10).status_code == 201
    assert selectors.network_account(network, world["ada"])["balance_minutes"] == -60


def test_a_member_may_not_record_and_the_bank_rules_hold(client, world):
    assert post_transfer(client, world, "ada").status_code == 403
    # A person outside the network's places: a 422 that says why.
    outside = post_transfer(client, world, "coordinator", payee_id=world["bob"].pk)
    assert outside.status_code == 422
    assert "membres actives" in outside.content.decode()
    assert post_transfer(client, world, "coordinator", payee_id=world["ada"].pk).status_code == 422
    assert post_transfer(client, world, "coordinator", payer_id=10**9).status_code == 404
    assert post_transfer(client, world, "coordinator", minutes=0).status_code == 422
    services.update_network_time_bank(actor=SYSTEM, network=world["network"], enabled=False)
    closed = post_transfer(client, world, "coordinator")
    assert closed.status_code == 422
    assert "pas de banque de temps" in closed.content.decode()
    assert not TimeTransfer.objects.exists()


def test_lists_are_paginated_and_read_a_fixed_number_of_queries(
    client, world, django_assert_max_num_queries
):
    headers = bearer(world["coordinator"])
    mine = bearer(world["ada"])

    def queries(path, headers):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path, **headers).status_code == 200
        return len(captured)

    give(world, "cid", "ada", 1)
    few = (
        queries(f"{base(world)}/time-transfers", headers),
        queries(f"{base(world)}/time-bank/me/transfers", mine),
    )
    for minutes in range(2, 9):
        give(world, "cid", "ada", minutes)
    with django_assert_max_num_queries(few[0]):
        page = client.get(f"{base(world)}/time-transfers?limit=3&offset=2", **headers).json()
    assert page["count"] == 8
    assert [row["minutes"] for row in page["items"]] == [6, 5, 4]
    with django_assert_max_num_queries(few[1]):
        page = client.get(f"{base(world)}/time-bank/me/transfers?limit=50", **mine).json()
    assert page["count"] == 8
    assert len(page["items"]) == 8
    # The token, the network, the permission, the count, the page: a handful whatever the size.
    assert max(few) <= 7
    assert client.get(f"{base(world)}/time-transfers?limit=0", **headers).status_code == 422
    assert client.get(f"{base(world)}/time-transfers?limit=501", **headers).status_code == 422


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["ada", "cid", "eve"]),
            st.sampled_from(["ada", "cid", "eve"]),
            st.integers(min_value=1, max_value=90),
        ),
        max_size=6,
    )
)
def test_api_transfers_keep_the_books_at_zero_and_above_the_floor(client, world, moves):
    network = world["network"]
    for payer, payee, minutes in moves:
        before = TimeTransfer.objects.count()
        answer = post_transfer(
            client,
            world,
            "coordinator",
            payer_id=world[payer].pk,
            payee_id=world[payee].pk,
            minutes=minutes,
        )
        assert answer.status_code in (201, 409, 422)
        assert TimeTransfer.objects.count() == before + (answer.status_code == 201)
        assert selectors.total_balance_minutes(network=network) == 0
        for person in ("ada", "cid", "eve"):
            assert selectors.network_account(network, world[person])["balance_minutes"] >= -60
