"""Governance emails: a proposal opened to discussion, a vote opened, the reminder 24 hours
before the close (once, to those who have not voted), the results published."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from maillage.common.actors import SYSTEM
from maillage.common.mail import render_mail
from maillage.governance import notifications, services
from tests.governance.factories import make_body, make_vote

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(monkeypatch):
    mails = []

    def queue_mail(*, to, template, context, **kwargs):
        render_mail(template, context)  # the templates render
        mails.append((template.rsplit("/", 1)[-1], tuple(to)))

    monkeypatch.setattr(notifications, "queue_mail", queue_mail)
    return mails


def test_members_are_told_of_a_proposal_opened_except_its_author(sent):
    body, (ada, bob) = make_body(members=2)
    proposal = services.create_proposal(actor=ada, body=body, title="T", text="x")
    assert sent == []
    services.open_discussion(actor=ada, proposal=proposal)
    assert sent == [("proposal_opened", (bob.email,))]


def test_electors_are_told_when_a_vote_opens_and_when_its_results_are_published(sent):
    body, (ada, bob) = make_body(members=2)
    vote = make_vote(body)
    assert sorted(sent) == sorted([("vote_opened", (ada.email,)), ("vote_opened", (bob.email,))])
    sent.clear()
    services.close_vote(actor=SYSTEM, vote=vote)
    assert {template for template, _to in sent} == {"results_published"} and len(sent) == 2


def test_the_reminder_goes_once_to_those_who_have_not_voted(sent):
    body, (ada, bob) = make_body(members=2)
    later = make_vote(body, closes_at=timezone.now() + timedelta(days=3))
    soon = make_vote(body, closes_at=timezone.now() + timedelta(hours=20))
    services.submit_ballot(actor=ada, vote=soon, content={"grades": [1, 2, 3]})
    sent.clear()
    call_command("close_votes")
    call_command("close_votes")
    assert sent == [("vote_reminder", (bob.email,))]
    assert later.reminder_sent_at is None


def test_due_votes_are_closed_by_the_command(sent):
    body, (ada,) = make_body(members=1)
    vote = make_vote(body, closes_at=timezone.now() + timedelta(hours=1))
    services.submit_ballot(actor=ada, vote=vote, content={"grades": [1, 2, 3]})
    services.close_due_votes(actor=SYSTEM, now=timezone.now() + timedelta(hours=2))
    vote.refresh_from_db()
    assert vote.status == "closed" and vote.ballot_count == 1
