"""Governance in the admin: every model readable, nothing writable, ballots never editable, and
no voter shown beside a secret ballot."""

import pytest
from django.urls import reverse

from maillage.common.actors import SYSTEM
from maillage.governance import services
from maillage.governance.models import (
    Ballot,
    BodyMember,
    College,
    Comment,
    DecisionBody,
    Elector,
    FollowUp,
    Participation,
    Proposal,
    ProposalRevision,
    Vote,
)
from tests.accounts.factories import AdminFactory
from tests.governance.factories import make_body, make_vote

pytestmark = pytest.mark.django_db

MODELS = (
    DecisionBody,
    Proposal,
    Comment,
    FollowUp,
    Vote,
    Elector,
    Participation,
    Ballot,
)


@pytest.fixture
def superuser(client):
    user = AdminFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


@pytest.fixture
def voted():
    """A secret and a public vote, each with one ballot by the same member."""
    body, (ada,) = make_body(members=1)
    secret = make_vote(body, method="single", options=["Oui", "Non"], secret=True)
    public = make_vote(body, method="single", options=["Oui", "Non"], secret=False)
    for vote in (secret, public):
        services.submit_ballot(actor=ada, vote=vote, content={"choice": 0})
    return secret, public, ada


def url(model, name, *args):
    meta = model._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{name}", args=args)


@pytest.mark.parametrize("model", MODELS)
def test_every_governance_model_is_listed_and_not_addable(client, superuser, voted, model):
    listing = client.get(url(model, "changelist"))
    assert listing.status_code == 200
    assert client.get(url(model, "add")).status_code == 403


def test_the_inlines_of_a_body_and_of_a_proposal_show(client, superuser, voted):
    secret, _public, ada = voted
    body = secret.body
    services.set_colleges(actor=SYSTEM, body=body, colleges=[("Usagers", 50), ("Salariés", 50)])
    proposal = services.create_proposal(actor=ada, body=body, title="Ouvrir le dimanche", text="…")
    page = client.get(url(DecisionBody, "change", body.pk)).content.decode()
    assert "Usagers" in page and "Salariés" in page
    assert College.objects.filter(body=body).count() == 2
    page = client.get(url(Proposal, "change", proposal.pk)).content.decode()
    assert ProposalRevision.objects.filter(proposal=proposal).count() == 1
    assert "Ouvrir le dimanche" in page
    assert BodyMember.objects.count() == 0


def test_a_ballot_cannot_be_edited_nor_deleted(client, superuser, voted):
    secret, _public, _ada = voted
    ballot = Ballot.objects.get(vote=secret)
    page = client.get(url(Ballot, "change", ballot.pk))
    assert page.status_code == 200
    assert 'name="content"' not in page.content.decode()  # shown, not an input
    before = ballot.content
    response = client.post(url(Ballot, "change", ballot.pk), {"content": '{"choice": 1}'})
    assert response.status_code == 403
    assert client.post(url(Ballot, "delete", ballot.pk), {"post": "yes"}).status_code == 403
    ballot.refresh_from_db()
    assert ballot.content == before


def test_a_secret_ballot_shows_no_voter_and_a_participation_no_ballot(client, superuser, voted):
    secret, public, ada = voted
    secret_ballot = Ballot.objects.get(vote=secret)
    public_ballot = Ballot.objects.get(vote=public)
    page = client.get(url(Ballot, "change", secret_ballot.pk)).content.decode()
    assert ada.username not in page
    listing = client.get(url(Ballot, "changelist")).content.decode()
    assert ada.username not in listing
    participation = Participation.objects.get(vote=secret)
    page = client.get(url(Participation, "change", participation.pk)).content.decode()
    assert ada.username in page  # who voted is shown …
    assert str(secret_ballot.pk) not in page  # … never what
    listing = client.get(url(Participation, "changelist")).content.decode()
    assert str(secret_ballot.pk) not in listing
    assert str(public_ballot.pk) in listing  # a public vote's ballot is linked


def test_nothing_can_be_deleted_from_the_list(client, superuser, voted):
    secret, _public, _ada = voted
    response = client.post(
        url(Vote, "changelist"), {"action": "delete_selected", "_selected_action": [secret.pk]}
    )
    assert Vote.objects.filter(pk=secret.pk).exists()
    assert response.status_code in (200, 302)
    assert Elector.objects.filter(vote=secret).exists()
