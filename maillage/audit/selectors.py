"""Reading the audit log: checking its chain."""

from dataclasses import dataclass

from .models import AuditEntry
from .services import GENESIS_HASH, chain_pending, content_hash, hashed_content, link_hash


@dataclass(frozen=True)
class ChainReport:
    """The outcome of `verify_chain`: `first_bad_id` is None when the chain is intact."""

    checked: int
    first_bad_id: int | None = None
    # "removed" (a gap before it), "link" (previous hash), "altered" (content or link hash),
    # "unlinked" (committed without a place in the chain: written behind the trigger's back)
    reason: str = ""


def verify_chain(*, chunk_size: int = 2000) -> ChainReport:
    """Recompute every hash in chain order and return the first entry that does not fit.

    An entry is bad when a position is missing before it (an entry was removed), when its
    `previous_hash` is not the hash of the entry before it, when its content no longer gives its
    `content_hash` or its link no longer gives its `hash` (altered), or when it has no place in
    the chain at all (inserted with the trigger off). Entries recorded by the caller's own
    transaction are linked first (`chain_pending`). Streamed, so memory stays flat whatever the
    length of the log. Removing the last entries leaves a shorter chain that is still
    consistent: the chain alone cannot tell.
    """
    chain_pending()
    expected_position, previous_hash, checked = 1, GENESIS_HASH, 0
    entries = (
        AuditEntry.objects.filter(position__isnull=False)
        .order_by("position")
        .iterator(chunk_size=chunk_size)
    )
    for entry in entries:
        if entry.position != expected_position:
            return ChainReport(checked=checked, first_bad_id=entry.pk, reason="removed")
        if entry.previous_hash != previous_hash:
            return ChainReport(checked=checked, first_bad_id=entry.pk, reason="link")
        digest = content_hash(hashed_content(entry))
        if digest != entry.content_hash or (
            link_hash(digest, previous_hash, entry.position) != entry.hash
        ):
            return ChainReport(checked=checked, first_bad_id=entry.pk, reason="altered")
        expected_position, previous_hash, checked = entry.position + 1, entry.hash, checked + 1
    unlinked = AuditEntry.objects.filter(position__isnull=True).order_by("id").first()
    if unlinked is not None:
        return ChainReport(checked=checked, first_bad_id=unlinked.pk, reason="unlinked")
    return ChainReport(checked=checked)
