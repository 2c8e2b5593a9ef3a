"""The governance emails (`common.mail.queue_mail`), each to the people concerned, in French
(the site's language): a proposal opened to discussion, a vote opened, the reminder before the
close, the results published."""

from django.urls import reverse

from maillage.accounts.models import User
from maillage.common.mail import queue_mail

from .models import Elector, Participation, Proposal, Vote
from .selectors import electorate


def _addresses(users) -> list[str]:
    return sorted({user.email for user in users if user.email and user.is_active})


def proposal_opened(proposal: Proposal) -> None:
    """A new proposal in a body I belong to."""
    user_ids = [voter.user_id for voter in electorate(proposal.body)]
    people = User.objects.filter(pk__in=user_ids).exclude(pk=proposal.author_id)
    for address in _addresses(people):
        queue_mail(
            to=[address],
            template="governance/mail/proposal_opened",
            context={
                "proposal": proposal,
                "path": reverse("governance:proposal", args=[proposal.pk]),
            },
        )


def _electors(vote: Vote):
    return User.objects.filter(pk__in=Elector.objects.filter(vote=vote).values("user_id"))


def vote_opened(vote: Vote) -> None:
    for address in _addresses(_electors(vote)):
        queue_mail(
            to=[address],
            template="governance/mail/vote_opened",
            context={"vote": vote, "path": reverse("governance:vote", args=[vote.pk])},
        )


def vote_reminder(vote: Vote) -> None:
    """To the electors who have not voted yet."""
    voted = Participation.objects.filter(vote=vote).values("elector__user_id")
    people = _electors(vote).exclude(pk__in=voted)
    for address in _addresses(people):
        queue_mail(
            to=[address],
            template="governance/mail/vote_reminder",
            context={"vote": vote, "path": reverse("governance:vote", args=[vote.pk])},
        )


def results_published(vote: Vote) -> None:
    for address in _addresses(_electors(vote)):
        queue_mail(
            to=[address],
            template="governance/mail/results_published",
            context={"vote": vote, "path": reverse("governance:results", args=[vote.pk])},
        )
