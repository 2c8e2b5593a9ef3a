"""The sharing API (catalogue, my loans, self-service, hours), its query counts, and the
invariants under parallel clients: one open loan per item, the plan's limit, the time floor."""

import pytest

from maillage.accounts.services import create_api_token
from maillage.common.actors import SYSTEM
from maillage.sharing import selectors, services
from maillage.sharing.models import Loan, TimeTransfer
from tests.accounts.factories import UserFactory
from tests.concurrency import Call, send_all
from tests.members.factories import make_membership, make_plan
from tests.places.factories import make_place
from tests.sharing.factories import make_item, make_member, set_sharing
from tests.territories.factories import load_reference_sample


def bearer(user):
    return {"HTTP_AUTHORIZATION": f"Bearer {create_api_token(user=user, name='t')[1]}"}


@pytest.mark.django_db
def test_the_catalogue_lists_items_with_their_availability_in_few_queries(
    client, django_assert_max_num_queries
):
    place = make_place()
    member = make_member(place)
    drill = make_item(place, name="Perceuse")
    for n in range(8):
        make_item(place, name=f"Objet {n}", category="garden")
    services.check_out(actor=SYSTEM, item=drill, borrower=member)
    # The place, the count, the page (availability annotated): the same whatever the items.
    with django_assert_max_num_queries(3):
        first = client.get("/api/v1/sharing/items", {"place": place.pk, "limit": 5})
    assert first.status_code == 200
    body = first.json()
    assert body["count"] == 9 and len(body["items"]) == 5
    for n in range(20):
        make_item(place, name=f"Encore {n}")
    with django_assert_max_num_queries(3):
        assert client.get("/api/v1/sharing/items", {"place": place.pk}).status_code == 200
    perceuse = client.get("/api/v1/sharing/items", {"q": "PERCEUSE"}).json()["items"]
    assert [i["name"] for i in perceuse] == ["Perceuse"]
    assert perceuse[0]["available"] is False and perceuse[0]["on_loan"] is True
    assert perceuse[0]["due_on"]
    garden = client.get("/api/v1/sharing/items", {"category": "garden", "available": 1}).json()
    assert garden["count"] == 8
    detail = client.get(f"/api/v1/sharing/items/{drill.pk}")
    assert detail.status_code == 200 and detail.json()["on_loan"] is True
    assert client.get("/api/v1/sharing/items/999999").status_code == 404


@pytest.mark.django_db
def test_a_members_only_catalogue_is_hidden_from_others(client):
    place = make_place()
    set_sharing(place, catalogue_public=False)
    item = make_item(place)
    member = make_member(place)
    assert client.get("/api/v1/sharing/items").json()["count"] == 0
    assert client.get(f"/api/v1/sharing/items/{item.pk}").status_code == 404
    stranger = bearer(UserFactory())
    assert client.get(f"/api/v1/sharing/items/{item.pk}", **stranger).status_code == 404
    assert client.get(f"/api/v1/sharing/items/{item.pk}", **bearer(member)).status_code == 200
    bad = client.get("/api/v1/sharing/items", HTTP_AUTHORIZATION="Bearer nope")
    assert bad.status_code == 401


@pytest.mark.django_db
def test_my_loans_through_the_api(client, django_assert_max_num_queries):
    place = make_place()
    set_sharing(place, self_service=True)
    member = make_member(place)
    headers = bearer(member)
    items = [make_item(place, name=f"Objet {n}") for n in range(3)]
    created = client.post(f"/api/v1/sharing/items/{items[0].pk}/loans", **headers)
    assert created.status_code == 201 and created.json()["state"] == "out"
    again = client.post(f"/api/v1/sharing/items/{items[0].pk}/loans", **headers)
    assert again.status_code == 409
    client.post(f"/api/v1/sharing/items/{items[1].pk}/loans", **headers)
    # The token, the count, the page: the same three queries whatever the number of loans.
    with django_assert_max_num_queries(3):
        mine = client.get("/api/v1/sharing/me/loans", **headers)
    assert mine.json()["count"] == 2
    client.post(f"/api/v1/sharing/items/{items[2].pk}/loans", **headers)
    with django_assert_max_num_queries(3):
        assert client.get("/api/v1/sharing/me/loans", **headers).json()["count"] == 3
    assert client.get("/api/v1/sharing/me/loans").status_code == 401
    outsider = bearer(UserFactory())
    assert client.post(f"/api/v1/sharing/items/{items[0].pk}/loans", **outsider).status_code in (
        403,
        409,
    )


@pytest.mark.django_db
def test_self_service_is_refused_where_the_place_lends_at_the_desk(client):
    place = make_place()
    member = make_member(place)
    item = make_item(place)
    refused = client.post(f"/api/v1/sharing/items/{item.pk}/loans", **bearer(member))
    assert refused.status_code == 403
    assert not Loan.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_parallel_check_outs_of_one_item_lend_it_once(app_server):
    load_reference_sample()
    place = make_place()
    set_sharing(place, self_service=True)
    item = make_item(place)
    tokens = [create_api_token(user=make_member(place), name="t")[1] for _ in range(12)]
    calls = [
        Call("POST", f"/api/v1/sharing/items/{item.pk}/loans", None, token) for token in tokens
    ]
    responses = send_all(app_server.url, calls, clients=12)
    statuses = [response.status for response in responses]
    assert statuses.count(201) == 1, [r.body for r in responses]
    assert statuses.count(409) == 11
    assert Loan.objects.filter(item=item).count() == 1


@pytest.mark.django_db(transaction=True)
def test_parallel_check_outs_of_one_member_respect_the_plans_limit(app_server):
    load_reference_sample()
    place = make_place()
    set_sharing(place, self_service=True)
    plan = make_plan(place)
    services.set_loan_limit(actor=SYSTEM, plan=plan, max_items=2)
    member = UserFactory()
    make_membership(place, member, plan=plan)
    items = [make_item(place, name=f"Objet {n}") for n in range(10)]
    token = create_api_token(user=member, name="t")[1]
    calls = [Call("POST", f"/api/v1/sharing/items/{item.pk}/loans", None, token) for item in items]
    responses = send_all(app_server.url, calls, clients=10)
    statuses = [response.status for response in responses]
    assert statuses.count(201) == 2, [r.body for r in responses]
    assert statuses.count(409) == 8
    assert Loan.objects.filter(borrower=member).count() == 2


@pytest.mark.django_db(transaction=True)
def test_parallel_debits_never_take_a_balance_under_the_floor(app_server):
    load_reference_sample()
    staff = UserFactory()
    place = make_place(staff=[staff])
    set_sharing(place, time_bank_enabled=True, overdraft_minutes=60)
    payer = make_member(place)
    payees = [make_member(place) for _ in range(10)]
    token = create_api_token(user=staff, name="t")[1]
    calls = [
        Call(
            "POST",
            "/api/v1/sharing/time-transfers",
            {
                "place_id": place.pk,
                "payer_id": payer.pk,
                "payee_id": payee.pk,
                "minutes": 25,
                "label": "aide",
            },
            token,
        )
        for payee in payees
    ]
    responses = send_all(app_server.url, calls, clients=10)
    statuses = [response.status for response in responses]
    # 60 minutes of overdraft: two debits of 25 fit, the third would reach -75.
    assert statuses.count(201) == 2, [r.body for r in responses]
    assert statuses.count(409) == 8
    assert TimeTransfer.objects.count() == 2
    assert selectors.total_balance_minutes(place) == 0
    assert selectors.balances_of(payer)[0]["balance_minutes"] == -50


@pytest.mark.django_db
def test_only_the_staff_record_hours(client):
    place = make_place()
    set_sharing(place, time_bank_enabled=True, overdraft_minutes=60)
    ada, bob = make_member(place), make_member(place)
    body = {
        "place_id": place.pk,
        "payer_id": ada.pk,
        "payee_id": bob.pk,
        "minutes": 25,
        "label": "x",
    }
    refused = client.post(
        "/api/v1/sharing/time-transfers", body, content_type="application/json", **bearer(bob)
    )
    assert refused.status_code == 403
    missing = client.post(
        "/api/v1/sharing/time-transfers",
        {**body, "payer_id": 999999},
        content_type="application/json",
        **bearer(bob),
    )
    assert missing.status_code == 404
