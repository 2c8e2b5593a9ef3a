"""A person's governance data in their export, and what erasing them leaves.

A secret ballot cannot be exported: nothing links it to its voter (docs/decisions.md). The
participations say in which votes the person took part; a public ballot is exported with them.
Erasing a person keeps the bodies' records (proposals and votes stay, without their author;
participations stay as anonymous counts) and removes their comments' words.
"""

from .models import Ballot, BodyMember, Comment, Follow, Participation, Proposal


def export_governance(user) -> dict:
    participations = Participation.objects.filter(elector__user=user).select_related("vote")
    public_ballots = dict(
        Ballot.objects.filter(
            pk__in=[p.ballot_id for p in participations if p.ballot_id]
        ).values_list("pk", "content")
    )
    return {
        "bodies": [
            {"body": row.body.name, "college": row.college.name if row.college else None}
            for row in BodyMember.objects.filter(user=user).select_related("body", "college")
        ],
        "proposals": [
            {
                "title": p.title,
                "text": p.text,
                "status": p.status,
                "created_at": p.created_at.isoformat(),
            }
            for p in Proposal.objects.filter(author=user)
        ],
        "comments": [
            {"proposal": c.proposal.title, "text": c.text, "created_at": c.created_at.isoformat()}
            for c in Comment.objects.filter(author=user).select_related("proposal")
        ],
        "follows": [
            f.proposal.title for f in Follow.objects.filter(user=user).select_related("proposal")
        ],
        "votes": [
            {
                "vote": p.vote.title,
                "on_day": p.on_day.isoformat(),
                "ballot": public_ballots.get(p.ballot_id) if p.ballot_id else None,
            }
            for p in participations
        ],
    }


def erase_governance(user) -> None:
    Comment.objects.filter(author=user).update(author=None, text="")
