"""Reading the audit log: checking its chain."""

from dataclasses import dataclass

from .models import AuditEntry
from .services import GENESIS_HASH, entry_hash, hashed_content


@dataclass(frozen=True)
class ChainReport:
    """The outcome of `verify_chain`: `first_bad_id` is None when the chain is intact."""

    checked: int
    first_bad_id: int | None = None
    reason: str = ""  # "removed" (a gap before it), "link" (previous hash), "altered" (content)


def verify_chain(*, chunk_size: int = 2000) -> ChainReport:
    """Recompute every hash in chain order and return the first entry that does not fit.

    An entry is bad when a position is missing before it (an entry was removed), when its
    `previous_hash` is not the hash of the entry before it, or when its content no longer gives
    its `hash`. Streamed, so memory stays flat whatever the length of the log. Removing the
    last entries leaves a shorter chain that is still consistent: the chain alone cannot tell.
    """
    expected_position, previous_hash, checked = 1, GENESIS_HASH, 0
    entries = AuditEntry.objects.order_by("position").iterator(chunk_size=chunk_size)
    for entry in entries:
        if entry.position != expected_position:
            return ChainReport(checked=checked, first_bad_id=entry.pk, reason="removed")
        if entry.previous_hash != previous_hash:
            return ChainReport(checked=checked, first_bad_id=entry.pk, reason="link")
        if entry_hash(hashed_content(entry), previous_hash) != entry.hash:
            return ChainReport(checked=checked, first_bad_id=entry.pk, reason="altered")
        expected_position, previous_hash, checked = entry.position + 1, entry.hash, checked + 1
    return ChainReport(checked=checked)
