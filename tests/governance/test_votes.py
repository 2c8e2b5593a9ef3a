"""Votes: electorate frozen at the opening, one ballot per voter, secrecy, chain, results."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from maillage.audit.models import AuditEntry
from maillage.common.actors import SYSTEM
from maillage.common.errors import Conflict, PermissionDenied, ValidationFailed
from maillage.governance import chain, exports, services
from maillage.governance.models import Ballot, Elector, Participation, Vote
from tests.accounts.factories import UserFactory
from tests.governance.factories import make_body, make_vote
from tests.members.factories import make_membership

pytestmark = pytest.mark.django_db


def test_the_electorate_is_frozen_when_the_vote_opens():
    body, (ada, bob) = make_body(members=2)
    vote = make_vote(body)
    late = UserFactory()
    make_membership(body.place, late)
    assert set(Elector.objects.filter(vote=vote).values_list("user_id", flat=True)) == {
        ada.pk,
        bob.pk,
    }
    with pytest.raises(PermissionDenied):
        services.submit_ballot(actor=late, vote=vote, content={"grades": [1, 2, 3]})


def test_a_second_ballot_without_the_receipt_code_is_refused_and_with_it_replaces():
    body, (ada,) = make_body(members=1)
    vote = make_vote(body)
    ballot, code, created = services.submit_ballot(
        actor=ada, vote=vote, content={"grades": [1, 2, 3]}
    )
    assert created
    with pytest.raises(Conflict):
        services.submit_ballot(actor=ada, vote=vote, content={"grades": [3, 2, 1]})
    again, same_code, created = services.submit_ballot(
        actor=ada, vote=vote, content={"grades": [3, 2, 1]}, receipt_code=code
    )
    assert (again.pk, same_code, created) == (ballot.pk, code, False)
    assert Ballot.objects.get(vote=vote).content == {"grades": [3, 2, 1]}


def test_a_second_ballot_the_constraint_refuses_leaves_one(monkeypatch):
    """The path of two first ballots of one voter at the same instant, both past the lookup
    of a participation before either is written: the unique constraint refuses the second, a
    Conflict, and its ballot row is rolled back with it."""
    body, (ada,) = make_body(members=1)
    vote = make_vote(body)
    services.submit_ballot(actor=ada, vote=vote, content={"grades": [1, 2, 3]})

    def no_participation(**lookup):
        raise Participation.DoesNotExist

    monkeypatch.setattr(Participation.objects, "get", no_participation)
    with pytest.raises(Conflict, match="déjà voté dans ce vote"):
        services.submit_ballot(actor=ada, vote=vote, content={"grades": [3, 2, 1]})
    assert Ballot.objects.filter(vote=vote).count() == 1
    assert Participation.objects.filter(vote=vote).count() == 1


def test_a_ballot_out_of_the_scale_is_refused():
    body, (ada,) = make_body(members=1)
    vote = make_vote(body)
    with pytest.raises(ValidationFailed):
        services.submit_ballot(actor=ada, vote=vote, content={"grades": [1, 2, 9]})
    with pytest.raises(ValidationFailed):
        services.submit_ballot(actor=ada, vote=vote, content={"grades": [1, 2]})


def test_nothing_links_a_secret_ballot_to_its_voter():
    body, (ada, _bob) = make_body(members=2)
    vote = make_vote(body)
    services.submit_ballot(actor=ada, vote=vote, content={"grades": [1, 2, 3]})
    participation = Participation.objects.get(vote=vote)
    assert participation.ballot_id is None
    ballot_fields = {field.name for field in Ballot._meta.get_fields()}
    assert not ballot_fields & {"elector", "user", "voter", "created_at", "at"}
    ballot = Ballot.objects.get(vote=vote)
    logged = AuditEntry.objects.filter(action__startswith="vote.").values_list("changes", flat=True)
    assert all(str(ballot.pk) not in str(changes) for changes in logged)
    assert all(ballot.receipt_hash not in str(changes) for changes in logged)


def test_a_public_ballot_names_its_voter():
    body, (ada,) = make_body(members=1)
    vote = make_vote(body, secret=False)
    ballot, _code, _ = services.submit_ballot(actor=ada, vote=vote, content={"grades": [1, 2, 3]})
    assert Participation.objects.get(vote=vote).ballot_id == ballot.pk
    replaced, _code, created = services.submit_ballot(
        actor=ada, vote=vote, content={"grades": [0, 0, 0]}
    )
    assert not created and replaced.pk == ballot.pk


def _vote_with_ballots(grades_rows, **kw):
    body, users = make_body(members=len(grades_rows))
    vote = make_vote(body, **kw)
    codes = [
        services.submit_ballot(actor=user, vote=vote, content={"grades": grades})[1]
        for user, grades in zip(users, grades_rows, strict=True)
    ]
    services.close_vote(actor=SYSTEM, vote=vote)
    vote.refresh_from_db()
    return vote, codes


def test_closing_seals_the_chain_publishes_the_head_and_the_majority_judgement():
    vote, codes = _vote_with_ballots([[6, 2, 0], [5, 3, 1], [4, 6, 0]])
    assert vote.status == "closed" and vote.ballot_count == 3
    assert vote.results["ranking"] == [0, 1, 2]
    assert [row["majority_grade"] for row in vote.results["options"]] == [5, 3, 0]
    rows = exports.ballot_rows(vote)
    assert [row["position"] for row in rows] == [1, 2, 3]
    assert [row["receipt_hash"] for row in rows] == sorted(row["receipt_hash"] for row in rows)
    assert rows[-1]["hash"] == vote.chain_head
    assert exports.verify(vote) is None
    assert services.check_receipt(vote, codes[0]) is not None
    assert services.check_receipt(vote, "not-a-code") is None


def test_verify_names_an_edited_ballot():
    vote, _codes = _vote_with_ballots([[6, 2, 0], [5, 3, 1], [4, 6, 0]])
    second = Ballot.objects.get(vote=vote, position=2)
    Ballot.objects.filter(pk=second.pk).update(content={"grades": [0, 0, 6]})
    problem = exports.verify(vote)
    assert problem.startswith("position 2") and str(second.pk) in problem


def test_verify_names_a_removed_ballot():
    vote, _codes = _vote_with_ballots([[6, 2, 0], [5, 3, 1], [4, 6, 0]])
    Ballot.objects.filter(vote=vote, position=2).delete()
    assert exports.verify(vote).startswith("position 2: missing")


def test_verify_names_an_inserted_ballot_even_when_chained():
    vote, _codes = _vote_with_ballots([[6, 2, 0], [5, 3, 1]])
    content = {"grades": [0, 6, 6]}
    receipt = chain.receipt_hash(vote.pk, content, "forged")
    Ballot.objects.create(
        vote=vote,
        content=content,
        receipt_hash=receipt,
        key_hash="f" * 64,
        position=3,
        previous_hash=vote.chain_head,
        hash=chain.entry_hash(
            vote_id=vote.pk,
            position=3,
            content=content,
            receipt=receipt,
            college_id=None,
            previous_hash=vote.chain_head,
        ),
    )
    assert "position 3" in exports.verify(vote) and "inserted" in exports.verify(vote)


def test_the_verify_vote_command_exits_non_zero_on_a_bad_ballot(capsys):
    vote, _codes = _vote_with_ballots([[6, 2, 0], [5, 3, 1]])
    call_command("verify_vote", str(vote.pk))
    Ballot.objects.filter(vote=vote, position=1).update(content={"grades": [6, 6, 6]})
    with pytest.raises(SystemExit) as exit_info:
        call_command("verify_vote", str(vote.pk))
    assert exit_info.value.code != 0
    assert "position 1" in capsys.readouterr().err


def test_the_quorum_not_met_makes_the_vote_fail():
    body, (ada, _bob, _cy) = make_body(members=3)
    vote = make_vote(body, quorum_percent=50)
    services.submit_ballot(actor=ada, vote=vote, content={"grades": [1, 2, 3]})
    services.close_vote(actor=SYSTEM, vote=vote)
    vote.refresh_from_db()
    assert vote.results["quorum_met"] is False and vote.results["winner"] is None


def test_early_close_when_everyone_voted():
    body, (ada, bob) = make_body(members=2)
    vote = make_vote(body, early_close=True)
    services.submit_ballot(actor=ada, vote=vote, content={"grades": [1, 2, 3]})
    assert Vote.objects.get(pk=vote.pk).status == "open"
    services.submit_ballot(actor=bob, vote=vote, content={"grades": [1, 2, 3]})
    assert Vote.objects.get(pk=vote.pk).status == "closed"


def test_consent_with_an_objection_under_the_threshold_is_adopted_with_its_reason():
    body, users = make_body(members=5)
    vote = make_vote(body, method="consent", options=[])
    positions = ["agree", "agree", "agree", "abstain", "object"]
    for user, position in zip(users, positions, strict=True):
        services.submit_ballot(
            actor=user, vote=vote, content={"position": position, "reason": "trop cher"}
        )
    services.close_vote(actor=SYSTEM, vote=vote)
    vote.refresh_from_db()
    assert vote.results["adopted"] is True
    assert vote.results["reasons"] == [{"position": "object", "reason": "trop cher"}]


def test_a_block_stops_consent():
    body, (ada, bob) = make_body(members=2)
    vote = make_vote(body, method="consent", options=[])
    services.submit_ballot(actor=ada, vote=vote, content={"position": "agree"})
    services.submit_ballot(actor=bob, vote=vote, content={"position": "block", "reason": "non"})
    services.close_vote(actor=SYSTEM, vote=vote)
    vote.refresh_from_db()
    assert vote.results["adopted"] is False


def test_colleges_weigh_results_whatever_their_turnout():
    body, users = make_body(members=4)
    founders, users_college = services.set_colleges(
        actor=SYSTEM, body=body, colleges=[("Fondateurs", 50), ("Usagers", 50)]
    )
    services.add_body_member(actor=SYSTEM, body=body, user=users[0], college=founders)
    for user in users[1:]:
        services.add_body_member(actor=SYSTEM, body=body, user=user, college=users_college)
    vote = make_vote(body, method="single", options=["A", "B"])
    services.submit_ballot(actor=users[0], vote=vote, content={"choice": 0})
    for user in users[1:]:
        services.submit_ballot(actor=user, vote=vote, content={"choice": 1})
    services.close_vote(actor=SYSTEM, vote=vote)
    vote.refresh_from_db()
    assert [row["percent"] for row in vote.results["options"]] == [50.0, 50.0]


@pytest.mark.parametrize(
    "colleges",
    [[("A", 60), ("B", 40)], [("A", 5), ("B", 45), ("C", 50)], [("A", 40), ("B", 40)]],
)
def test_college_weights_are_10_to_50_percent_summing_to_100(colleges):
    body, _users = make_body()
    with pytest.raises(ValidationFailed):
        services.set_colleges(actor=SYSTEM, body=body, colleges=colleges)


def test_reminders_go_once_to_those_who_have_not_voted(mailoutbox, settings):
    body, (ada, _bob) = make_body(members=2)
    vote = make_vote(body, closes_at=timezone.now() + timedelta(hours=20))
    services.submit_ballot(actor=ada, vote=vote, content={"grades": [1, 2, 3]})
    assert services.send_reminders(actor=SYSTEM) == 1
    assert services.send_reminders(actor=SYSTEM) == 0


def test_personal_data_exports_participations_not_secret_ballots_and_erasure_keeps_counts():
    from maillage.accounts.personal_data import erase_person, export_person

    body, (ada,) = make_body(members=1)
    vote = make_vote(body)
    proposal = services.create_proposal(actor=ada, body=body, title="T", text="x")
    services.add_comment(actor=ada, proposal=proposal, text="mon avis")
    services.submit_ballot(actor=ada, vote=vote, content={"grades": [1, 2, 3]})
    data = export_person(ada)["governance"]
    assert data["votes"][0]["ballot"] is None and data["comments"][0]["text"] == "mon avis"
    erase_person(ada)
    ada.delete()
    assert Participation.objects.filter(vote=vote).count() == 1
    assert proposal.comments.get().text == ""
