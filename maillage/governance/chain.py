"""The hashes of a vote's ballots: receipts, replacement keys and the chain sealed at the close.

Everything is SHA-256 over the canonical JSON of the audit log (`audit.services.canonical_json`),
so anyone can recompute it from the anonymised ballots (`GET /api/v1/votes/{id}/ballots`):

- receipt: `sha256({"content": …, "nonce": …, "vote": id})`, given to the voter with the nonce;
- key: `sha256({"key": nonce, "vote": id})`, kept to let the nonce's holder replace their ballot;
- entry: `sha256({"college": …, "content": …, "position": n, "previous_hash": …,
  "receipt_hash": …, "vote": id})`, the first entry chaining on `genesis(id)`.
"""

import hashlib
import secrets
from typing import Any

from maillage.audit.services import canonical_json


def _digest(document: Any) -> str:
    return hashlib.sha256(canonical_json(document).encode()).hexdigest()


def new_nonce() -> str:
    return secrets.token_urlsafe(24)


def receipt_hash(vote_id: int, content: Any, nonce: str) -> str:
    return _digest({"content": content, "nonce": nonce, "vote": vote_id})


def key_hash(vote_id: int, nonce: str) -> str:
    return _digest({"key": nonce, "vote": vote_id})


def genesis(vote_id: int) -> str:
    return _digest({"genesis": vote_id})


def entry_hash(
    *,
    vote_id: int,
    position: int,
    content: Any,
    receipt: str,
    college_id: int | None,
    previous_hash: str,
) -> str:
    return _digest(
        {
            "college": college_id,
            "content": content,
            "position": position,
            "previous_hash": previous_hash,
            "receipt_hash": receipt,
            "vote": vote_id,
        }
    )


def verify_chain(vote_id: int, entries: list[dict[str, Any]], head: str, count: int) -> str | None:
    """None when `entries` (dicts with `id`, `position`, `content`, `receipt_hash`, `college`,
    `previous_hash`, `hash`, in stored order by position, unsealed ones last) form the sealed chain
    ending on `head` with `count` entries; else a sentence naming the first bad entry."""
    previous = genesis(vote_id)
    for expected, entry in enumerate(entries, start=1):
        name = f"ballot {entry['id']}"
        if entry["position"] is None:
            return f"{name}: not in the chain sealed at the close (inserted afterwards)"
        if expected > count:
            return (
                f"position {expected} ({name}): inserted, {count} ballots were sealed at the close"
            )
        if entry["position"] != expected:
            return (
                f"position {expected}: missing (next stored entry is {name} at position "
                f"{entry['position']}): a ballot was removed"
            )
        if entry["previous_hash"] != previous:
            return f"position {expected} ({name}): does not chain on the previous entry"
        digest = entry_hash(
            vote_id=vote_id,
            position=expected,
            content=entry["content"],
            receipt=entry["receipt_hash"],
            college_id=entry["college"],
            previous_hash=previous,
        )
        if digest != entry["hash"]:
            return f"position {expected} ({name}): content altered (its hash does not match)"
        previous = digest
    if len(entries) != count:
        return f"position {len(entries) + 1}: missing, {count} ballots were sealed at the close"
    if previous != head:
        return f"position {len(entries)}: the chain does not end on the published head {head}"
    return None
