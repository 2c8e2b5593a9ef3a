"""A person's sharing data in their export, and what erasing them leaves.

Erasing keeps what others need without naming the person: loans stay in the items' history as
anonymous loans; their posts are withdrawn and emptied; their messages are emptied (the other
person's stay); their time account loses its owner but keeps its transfers, so that the sum of
every balance stays zero (the double entries are never deleted).
"""

from django.db.models import Q
from django.utils import timezone

from .models import (
    OPEN_LOAN_STATES,
    Conversation,
    ItemEvent,
    Loan,
    Message,
    Post,
    PostReport,
    PostState,
    Reservation,
    TimeAccount,
    TimeTransfer,
)
from .selectors import balances_of

ERASED_TEXT = "—"


def export_sharing(user) -> dict:
    return {
        "loans": [
            {
                "place": loan.place.name,
                "item": loan.item.name,
                "state": loan.state,
                "checked_out_at": loan.checked_out_at.isoformat(),
                "due_on": loan.due_on.isoformat(),
                "returned_at": loan.returned_at.isoformat() if loan.returned_at else None,
                "deposit_cents": loan.deposit_cents,
                "deposit_outcome": loan.deposit_outcome,
            }
            for loan in Loan.objects.filter(borrower=user).select_related("place", "item")
        ],
        "reservations": [
            {"item": r.item.name, "state": r.state, "created_at": r.created_at.isoformat()}
            for r in Reservation.objects.filter(user=user).select_related("item")
        ],
        "posts": [
            {
                "kind": post.kind,
                "category": post.category,
                "title": post.title,
                "body": post.body,
                "state": post.state,
                "expires_on": post.expires_on.isoformat(),
                "created_at": post.created_at.isoformat(),
            }
            for post in Post.objects.filter(author=user)
        ],
        "messages": [
            {
                "post": message.conversation.post.title,
                "body": message.body,
                "sent_at": message.created_at.isoformat(),
            }
            for message in Message.objects.filter(sender=user).select_related("conversation__post")
        ],
        "reports": [
            {"post": report.post.title, "reason": report.reason}
            for report in PostReport.objects.filter(reporter=user).select_related("post")
        ],
        "time_bank": {
            "balances": [
                {"place": b["bank"], "balance_minutes": b["balance_minutes"]}
                for b in balances_of(user)
            ],
            "transfers": [
                {
                    "place": (transfer.place or transfer.network).name,  # type: ignore[union-attr]
                    "minutes": transfer.minutes,
                    "direction": "credit" if transfer.credit.user_id == user.pk else "debit",
                    "label": transfer.label,
                    "at": transfer.created_at.isoformat(),
                }
                for transfer in TimeTransfer.objects.filter(
                    Q(debit__user=user) | Q(credit__user=user)
                ).select_related("place", "network", "credit")
            ],
        },
    }


def erase_sharing(user) -> None:
    now = timezone.now()
    # An item still out is recorded as returned by nobody: staff see it in the history.
    Loan.objects.filter(borrower=user, state__in=OPEN_LOAN_STATES).update(
        state="lost", returned_at=now, return_notes="compte effacé pendant le prêt", updated_at=now
    )
    Loan.objects.filter(borrower=user).update(borrower=None)
    Loan.objects.filter(checked_out_by=user).update(checked_out_by=None)
    ItemEvent.objects.filter(actor=user).update(actor=None)
    Reservation.objects.filter(user=user).delete()
    Post.objects.filter(author=user, state=PostState.OPEN).update(
        state=PostState.WITHDRAWN, updated_at=now
    )
    Post.objects.filter(author=user).update(
        author=None, title=ERASED_TEXT, body=ERASED_TEXT, updated_at=now
    )
    Post.objects.filter(moderated_by=user).update(moderated_by=None)
    Message.objects.filter(sender=user).update(sender=None, body=ERASED_TEXT)
    Conversation.objects.filter(responder=user).update(responder=None)
    PostReport.objects.filter(reporter=user).delete()
    # The account stays, without its owner: its transfers keep the books at zero.
    TimeAccount.objects.filter(user=user).update(user=None)
