"""The governance emails (`common.mail.queue_mail`), each to the people concerned, in their
language (`User.language`): a proposal opened to discussion, a vote opened, the reminder before
the close, the results published."""

from django.urls import reverse

from maillage.accounts.models import User
from maillage.common.mail import queue_mail

from .models import Elector, Participation, Proposal, Vote
from .selectors import electorate


def _recipients(users) -> list[User]:
    """The people to write to, one per address, in address order."""
    people: dict[str, User] = {}
    for user in users:
        if user.email and user.is_active:
            people.setdefault(user.email, user)
    return [people[address] for address in sorted(people)]


def proposal_opened(proposal: Proposal) -> None:
    """A new proposal in a body I belong to."""
    user_ids = [voter.user_id for voter in electorate(proposal.body)]
    people = User.objects.filter(pk__in=user_ids).exclude(pk=proposal.author_id)
    for person in _recipients(people):
        queue_mail(
            to=[person.email],
            recipient=person,
            template="governance/mail/proposal_opened",
            context={
                "proposal": proposal,
                "path": reverse("governance:proposal", args=[proposal.pk]),
            },
        )


def _electors(vote: Vote):
    return User.objects.filter(pk__in=Elector.objects.filter(vote=vote).values("user_id"))


def vote_opened(vote: Vote) -> None:
    for person in _recipients(_electors(vote)):
        queue_mail(
            to=[person.email],
            recipient=person,
            template="governance/mail/vote_opened",
            context={"vote": vote, "path": reverse("governance:vote", args=[vote.pk])},
        )


def vote_reminder(vote: Vote) -> None:
    """To the electors who have not voted yet."""
    voted = Participation.objects.filter(vote=vote).values("elector__user_id")
    people = _electors(vote).exclude(pk__in=voted)
    for person in _recipients(people):
        queue_mail(
            to=[person.email],
            recipient=person,
            template="governance/mail/vote_reminder",
            context={"vote": vote, "path": reverse("governance:vote", args=[vote.pk])},
        )


def results_published(vote: Vote) -> None:
    for person in _recipients(_electors(vote)):
        queue_mail(
            to=[person.email],
            recipient=person,
            template="governance/mail/results_published",
            context={"vote": vote, "path": reverse("governance:results", args=[vote.pk])},
        )
