"""Governance pages: the overview with "waiting for my vote" first, voting without JavaScript
for each method, results with merit profiles and their table, receipts, ballot downloads,
proposals with revisions, their differences and comments."""

import json

import pytest
from django.urls import reverse

from maillage.common.actors import SYSTEM
from maillage.governance import services
from maillage.governance.models import Ballot
from tests.accounts.factories import UserFactory
from tests.governance.factories import make_body, make_vote

pytestmark = pytest.mark.django_db


@pytest.fixture
def assembly():
    body, (ada, bob) = make_body(members=2)
    return body, ada, bob


def test_the_overview_lists_the_votes_waiting_for_mine_first(
    client, assembly, django_assert_max_num_queries
):
    body, ada, _bob = assembly
    waiting = make_vote(body, method="single", options=["Oui", "Non"])
    done = make_vote(body, method="approval", options=["A", "B"])
    services.submit_ballot(actor=ada, vote=done, content={"approved": [0]})
    client.force_login(ada)
    with django_assert_max_num_queries(20):
        page = client.get(reverse("governance:place", args=[body.place.slug])).content.decode()
    waiting_section = page[page.index('id="waiting"') : page.index('id="open-votes"')]
    assert waiting.title in waiting_section and done.title not in waiting_section


def test_a_stranger_sees_no_vote(client, assembly):
    body, _ada, _bob = assembly
    vote = make_vote(body)
    client.force_login(UserFactory())
    assert client.get(reverse("governance:vote", args=[vote.pk])).status_code == 404
    page = client.get(reverse("governance:place", args=[body.place.slug])).content.decode()
    assert vote.title not in page


@pytest.mark.parametrize(
    ("method", "options", "form", "content"),
    [
        ("single", ["A", "B"], {"choice": "1"}, {"choice": 1}),
        ("approval", ["A", "B", "C"], {"approved": ["0", "2"]}, {"approved": [0, 2]}),
        (
            "consent",
            [],
            {"position": "object", "reason": "Trop tôt"},
            {"position": "object", "reason": "Trop tôt"},
        ),
        ("score", ["A", "B"], {"option-0": "5", "option-1": "2"}, {"scores": [5, 2]}),
        ("majority_judgement", ["A", "B"], {"option-0": "6", "option-1": "0"}, {"grades": [6, 0]}),
        (
            "schulze",
            ["A", "B", "C"],
            {"option-0": "2", "option-1": "1", "option-2": ""},
            {"ranks": [2, 1, 0]},
        ),
        ("date_poll", ["Lundi", "Mardi"], {"option-0": "2", "option-1": "1"}, {"answers": [2, 1]}),
    ],
)
def test_each_method_votes_through_a_plain_form(  # noqa: PLR0917 - parametrized
    client, assembly, method, options, form, content
):
    body, ada, _bob = assembly
    vote = make_vote(body, method=method, options=options)
    client.force_login(ada)
    page = client.get(reverse("governance:vote", args=[vote.pk])).content.decode()
    assert "<fieldset" in page and "<legend>" in page and "style=" not in page
    response = client.post(reverse("governance:vote", args=[vote.pk]), form)
    assert response.status_code == 200, response.content.decode()[:500]
    assert "Code de reçu" in response.content.decode()
    assert Ballot.objects.get(vote=vote).content == content


def test_a_budget_and_an_allocation_vote_through_their_forms_and_show_their_results(
    client, assembly
):
    body, ada, bob = assembly
    budget = make_vote(
        body,
        method="budget",
        settings={"budget": 10},
        options=[{"label": "P1", "cost": 6}, {"label": "P2", "cost": 5}],
    )
    desks = make_vote(
        body,
        method="allocation",
        secret=False,
        options=[{"label": "Fenêtre", "capacity": 1}, {"label": "Calme", "capacity": 1}],
    )
    client.force_login(ada)
    assert (
        client.post(reverse("governance:vote", args=[budget.pk]), {"approved": ["0"]}).status_code
        == 200
    )
    assert (
        client.post(
            reverse("governance:vote", args=[desks.pk]), {"option-0": "1", "option-1": "2"}
        ).status_code
        == 200
    )
    services.submit_ballot(actor=bob, vote=desks, content={"ranks": [1, 2]})
    for vote in (budget, desks):
        services.close_vote(actor=SYSTEM, vote=vote)
    page = client.get(reverse("governance:results", args=[budget.pk])).content.decode()
    assert "Parts égales" in page
    page = client.get(reverse("governance:results", args=[desks.pk])).content.decode()
    assert ada.username in page and bob.username in page


def test_the_results_show_merit_profiles_with_their_table_and_check_a_receipt(client, assembly):
    body, ada, bob = assembly
    vote = make_vote(body, options=["A", "B"])
    client.force_login(ada)
    assert client.get(reverse("governance:results", args=[vote.pk])).status_code == 403
    _ballot, code, _ = services.submit_ballot(actor=ada, vote=vote, content={"grades": [6, 2]})
    services.submit_ballot(actor=bob, vote=vote, content={"grades": [4, 3]})
    services.close_vote(actor=SYSTEM, vote=vote)
    url = reverse("governance:results", args=[vote.pk])
    page = client.get(url).content.decode()
    assert "<svg" in page and "<table>" in page and "<caption>" in page and "style=" not in page
    assert "Profils de mérite" in page
    checked = client.get(url, {"recu": code}).content.decode()
    assert "compté sans changement" in checked
    assert "ne correspond" in client.get(url, {"recu": "faux"}).content.decode()


def test_the_anonymised_ballots_download_as_csv_and_json(client, assembly):
    body, ada, _bob = assembly
    vote = make_vote(body, options=["A", "B"])
    services.submit_ballot(actor=ada, vote=vote, content={"grades": [6, 2]})
    client.force_login(ada)
    assert client.get(reverse("governance:ballots_csv", args=[vote.pk])).status_code == 404
    services.close_vote(actor=SYSTEM, vote=vote)
    csv = b"".join(client.get(reverse("governance:ballots_csv", args=[vote.pk])).streaming_content)
    assert (
        csv.decode().splitlines()[0] == "position,content,college,receipt_hash,previous_hash,hash"
    )
    document = json.loads(client.get(reverse("governance:ballots_json", args=[vote.pk])).content)
    assert document["ballots"][0]["content"] == {"grades": [6, 2]}
    assert ada.username not in csv.decode() and ada.username not in json.dumps(document)


def test_a_proposal_keeps_its_revisions_shows_their_differences_and_takes_replies(client, assembly):
    body, ada, bob = assembly
    proposal = services.create_proposal(
        actor=ada,
        body=body,
        title="Horaires",
        text="Ouvrir le samedi.\n\n<script>alert(1)</script>",
    )
    services.open_discussion(actor=ada, proposal=proposal)
    services.revise_proposal(
        actor=ada, proposal=proposal, title="Horaires", text="Ouvrir le samedi matin."
    )
    client.force_login(bob)
    url = reverse("governance:proposal", args=[proposal.pk])
    client.post(reverse("governance:comment", args=[proposal.pk]), {"text": "Pourquoi pas ?"})
    comment = proposal.comments.get()
    client.post(
        reverse("governance:comment", args=[proposal.pk]), {"text": "Oui", "parent": comment.pk}
    )
    page = client.get(url).content.decode()
    assert "<script>alert" not in page
    assert "<del>Ouvrir le samedi.</del>" in page and "<ins>Ouvrir le samedi matin.</ins>" in page
    assert proposal.comments.get(parent=comment).text == "Oui"


def test_a_reply_to_a_reply_joins_its_thread(assembly):
    body, ada, bob = assembly
    proposal = services.create_proposal(actor=ada, body=body, title="T", text="x")
    services.open_discussion(actor=ada, proposal=proposal)
    first = services.add_comment(actor=ada, proposal=proposal, text="un")
    reply = services.add_comment(actor=bob, proposal=proposal, text="deux", parent=first)
    deeper = services.add_comment(actor=ada, proposal=proposal, text="trois", parent=reply)
    assert deeper.parent_id == first.pk
