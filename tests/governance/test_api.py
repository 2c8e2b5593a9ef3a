"""The governance API: the votes list contract, ballots, results and verification data, and
the permission matrix (anonymous, member, non-member, staff, manager of another place, admin)."""

from collections import Counter

import pytest

from maillage.accounts.services import create_api_token
from maillage.common.actors import SYSTEM
from maillage.governance import services
from maillage.governance.models import Ballot, Participation
from tests.accounts.factories import AdminFactory, UserFactory
from tests.concurrency import Call, send_all
from tests.governance.factories import make_body, make_vote
from tests.places.factories import make_place
from tests.territories.factories import load_reference_sample

ROLES = ("anonymous", "member", "non_member", "staff", "other_manager", "admin")


def token(user) -> str:
    return create_api_token(user=user, name="test")[1]


def call(client, method, url, user=None, body=None):
    headers = {"Authorization": f"Bearer {token(user)}"} if user else {}
    if body is None:
        return getattr(client, method)(url, headers=headers)
    return getattr(client, method)(url, body, content_type="application/json", headers=headers)


@pytest.fixture
def world(db):
    staff = UserFactory(username="staff")
    place = make_place(name="La Ruche", staff=[staff])
    body, (member,) = make_body(place, members=1)
    other_manager = UserFactory(username="other")
    make_place(name="Ailleurs", managers=[other_manager])
    vote = make_vote(body)
    return {
        "place": place,
        "body": body,
        "vote": vote,
        "users": {
            "anonymous": None,
            "member": member,
            "non_member": UserFactory(username="stranger"),
            "staff": staff,
            "other_manager": other_manager,
            "admin": AdminFactory(username="root"),
        },
    }


@pytest.mark.django_db
def test_the_votes_list_has_the_contract_fields_and_filters_by_status(client, world):
    member = world["users"]["member"]
    response = call(client, "get", "/api/v1/votes?status=open", member)
    assert response.status_code == 200
    [row] = response.json()
    assert set(row) == {"id", "title", "method", "status", "closes_at"}
    assert row["status"] == "open"
    assert call(client, "get", "/api/v1/votes?status=closed", member).json() == []


@pytest.mark.django_db
def test_a_closed_public_vote_is_readable_without_an_account(client, world):
    body, voter = world["body"], world["users"]["member"]
    vote = make_vote(body, results_public=True)
    services.submit_ballot(actor=voter, vote=vote, content={"grades": [6, 3, 0]})
    services.close_vote(actor=SYSTEM, vote=vote)
    assert [row["id"] for row in client.get("/api/v1/votes?status=closed").json()] == [vote.pk]
    results = client.get(f"/api/v1/votes/{vote.pk}/results").json()
    assert results["final"] and results["results"]["ranking"] == [0, 1, 2]
    [ballot] = client.get(f"/api/v1/votes/{vote.pk}/ballots").json()
    assert ballot["content"] == {"grades": [6, 3, 0]} and ballot["position"] == 1
    verification = client.get(f"/api/v1/votes/{vote.pk}/verification").json()
    assert verification["chain_head"] == ballot["hash"] == verification["ballot_hashes"][0]
    # The private vote of the same body stays hidden.
    assert client.get(f"/api/v1/votes/{world['vote'].pk}").status_code == 404


@pytest.mark.django_db
def test_a_bad_token_is_refused_on_reads(client, world):
    response = client.get("/api/v1/votes", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401


@pytest.mark.django_db
def test_put_my_ballot_then_replace_it_with_the_receipt_code(client, world):
    vote, member = world["vote"], world["users"]["member"]
    url = f"/api/v1/votes/{vote.pk}/ballot"
    auth = {"Authorization": f"Bearer {token(member)}"}
    first = client.put(
        url, {"content": {"grades": [1, 2, 3]}}, content_type="application/json", headers=auth
    )
    assert first.status_code == 201
    code = first.json()["receipt_code"]
    again = client.put(
        url, {"content": {"grades": [3, 2, 1]}}, content_type="application/json", headers=auth
    )
    assert again.status_code == 409
    replaced = client.put(
        url,
        {"content": {"grades": [3, 2, 1]}, "receipt_code": code},
        content_type="application/json",
        headers=auth,
    )
    assert replaced.status_code == 200 and not replaced.json()["created"]
    assert Ballot.objects.get(vote=vote).content == {"grades": [3, 2, 1]}
    bad = client.put(
        url,
        {"content": {"grades": [9, 2, 1]}, "receipt_code": code},
        content_type="application/json",
        headers=auth,
    )
    assert bad.status_code == 422


VOTE_STATUS = {"anonymous": 401, "member": 201, "non_member": 404, "staff": 403,
               "other_manager": 404, "admin": 403}  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_who_may_vote(client, world, role):
    user = world["users"][role]
    response = call(
        client,
        "put",
        f"/api/v1/votes/{world['vote'].pk}/ballot",
        user,
        {"content": {"grades": [1, 1, 1]}},
    )
    assert response.status_code == VOTE_STATUS[role]


DRAFT_VOTE_STATUS = {"anonymous": 401, "member": 409, "non_member": 404, "staff": 409,
                     "other_manager": 404, "admin": 409}  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_a_ballot_for_a_vote_not_open_is_a_404_to_whoever_may_not_see_it(client, world, role):
    """The refusal (409: not open) is told only to those who see the vote."""
    draft = make_vote(world["body"], open=False)
    user = world["users"][role]
    body = {"content": {"grades": [1, 1, 1]}}
    response = call(client, "put", f"/api/v1/votes/{draft.pk}/ballot", user, body)
    assert response.status_code == DRAFT_VOTE_STATUS[role]


READ_STATUS = {"anonymous": 404, "member": 200, "non_member": 404, "staff": 200,
               "other_manager": 404, "admin": 200}  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_who_may_see_a_vote_and_its_proposals(client, world, role):
    user = world["users"][role]
    assert (
        call(client, "get", f"/api/v1/votes/{world['vote'].pk}", user).status_code
        == READ_STATUS[role]
    )
    proposal = services.create_proposal(actor=SYSTEM, body=world["body"], title="T", text="x")
    assert (
        call(client, "get", f"/api/v1/proposals/{proposal.pk}", user).status_code
        == READ_STATUS[role]
    )


CLOSE_STATUS = {"anonymous": 401, "member": 403, "non_member": 404, "staff": 200,
                "other_manager": 404, "admin": 200}  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_who_may_close_a_vote(client, world, role):
    user = world["users"][role]
    response = call(
        client, "post", f"/api/v1/votes/{world['vote'].pk}/state", user, {"action": "close"}
    )
    assert response.status_code == CLOSE_STATUS[role]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_results_are_hidden_until_the_close(client, world, role):
    user = world["users"][role]
    status = call(client, "get", f"/api/v1/votes/{world['vote'].pk}/results", user).status_code
    assert status == (403 if READ_STATUS[role] == 200 else 404)


@pytest.mark.django_db
def test_the_votes_list_reads_in_constant_queries(client, world, django_assert_max_num_queries):
    for _ in range(5):
        make_vote(world["body"])
    member = world["users"]["member"]
    headers = {"Authorization": f"Bearer {token(member)}"}
    with django_assert_max_num_queries(8):
        assert len(client.get("/api/v1/votes", headers=headers).json()) == 6


@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_ballots_of_one_voter_leave_one(app_server):
    load_reference_sample()  # a transactional test starts from an empty database
    place = make_place(name="Parallèle")
    body, (voter,) = make_body(place, members=1)
    vote = make_vote(body)
    raw = token(voter)
    calls = [
        Call("PUT", f"/api/v1/votes/{vote.pk}/ballot", {"content": {"grades": [n % 7, 1, 2]}}, raw)
        for n in range(20)
    ]
    responses = send_all(app_server.url, calls, clients=20)
    assert Counter(response.status for response in responses) == {201: 1, 409: 19}
    assert Ballot.objects.filter(vote=vote).count() == 1
    assert Participation.objects.filter(vote=vote).count() == 1


CREATE_STATUS = {"anonymous": 401, "member": 403, "non_member": 404, "staff": 201,
                 "other_manager": 404, "admin": 201}  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_who_may_prepare_a_vote(client, world, role):
    body = {
        "body": world["body"].pk,
        "title": "Nouveau vote",
        "method": "approval",
        "options": [{"label": "A"}, {"label": "B"}],
        "closes_at": "2099-01-01T12:00:00+01:00",
    }
    response = call(client, "post", "/api/v1/votes", world["users"][role], body)
    assert response.status_code == CREATE_STATUS[role], response.content
    if response.status_code == 201:
        assert response.json()["status"] == "draft"


@pytest.mark.django_db
def test_an_unknown_method_is_a_422(client, world):
    body = {"body": world["body"].pk, "title": "V", "method": "dice", "options": [],
            "closes_at": "2099-01-01T12:00:00+01:00"}  # fmt: skip
    response = call(client, "post", "/api/v1/votes", world["users"]["staff"], body)
    assert response.status_code == 422
    assert {error["field"] for error in response.json()["errors"]} >= {"method"}
