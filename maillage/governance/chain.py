"""The hashes of a vote's ballots: receipts, replacement keys and the chain sealed at the close.

Everything is SHA-256 over the canonical JSON of the audit log (`audit.services.canonical_json`),
so anyone can recompute it from the anonymised ballots (`GET /api/v1/votes/{id}/ballots`):

- receipt: `sha256({"content": …, "nonce": …, "vote": id})`, given to the voter with the nonce;
- key: `sha256({"key": nonce, "vote": id})`, kept to let the nonce's holder replace their ballot;
- entry: `sha256({"college": …, "content": …, "position": n, "previous_hash": …,
  "receipt_hash": …, "vote": id})`, the first entry chaining on `genesis(id)`.
"""

import hashlib
import json
import secrets
from collections.abc import Iterable, Mapping
from json.encoder import encode_basestring
from typing import Any, NamedTuple

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
    return serialised_entry_hash(
        vote_id=vote_id,
        position=position,
        content_json=canonical_json(content),
        receipt=receipt,
        college_id=college_id,
        previous_hash=previous_hash,
    )


def serialised_entry_hash(
    *,
    vote_id: int,
    position: int,
    content_json: str,
    receipt: str,
    college_id: int | None,
    previous_hash: str,
) -> str:
    """`entry_hash` of the content whose canonical JSON is `content_json`: the one computation
    of an entry's hash, for the close and the verification, which serialise each distinct
    content of a vote once (`StoredContents`) rather than once per ballot.

    The entry's document is written out as `canonical_json` writes it (keys in sorted order, no
    spaces, strings by the encoder's own `encode_basestring`, as with `ensure_ascii=False`),
    around its serialised content: tests/governance/test_chain.py holds it to the document's
    `canonical_json` for any content, receipt and college."""
    college = "null" if college_id is None else f"{college_id:d}"
    document = (
        f'{{"college":{college},"content":{content_json},"position":{position:d},'
        f'"previous_hash":{encode_basestring(previous_hash)},'
        f'"receipt_hash":{encode_basestring(receipt)},"vote":{vote_id:d}}}'
    )
    return hashlib.sha256(document.encode()).hexdigest()


class StoredContents:
    """Ballot contents read from the JSON text the database stores: each distinct text decoded,
    and serialised in canonical form, once. A vote's ballots repeat few contents (a choice among
    the options, grades on a scale), so a vote of 100,000 ballots is decoded and serialised in a
    few thousand steps. The decoded contents are shared between the ballots that stored the
    same text: they are read, never changed."""

    def __init__(self) -> None:
        self._known: dict[str, tuple[Any, str]] = {}

    def read(self, text: str) -> tuple[Any, str]:
        """The content stored as `text` and its canonical JSON."""
        known = self._known.get(text)
        if known is None:
            content = json.loads(text)
            known = self._known[text] = (content, canonical_json(content))
        return known


class StoredEntry(NamedTuple):
    """A chain entry as stored, its content given as canonical JSON (`StoredContents.read`)."""

    id: str
    position: int | None
    content_json: str
    receipt_hash: str
    college: int | None
    previous_hash: str
    hash: str


def verify_chain(
    vote_id: int, entries: Iterable[Mapping[str, Any]], head: str, count: int
) -> str | None:
    """`verify_entries` of mappings with `id`, `position`, `content` (decoded), `receipt_hash`,
    `college`, `previous_hash` and `hash`."""
    return verify_entries(
        vote_id,
        (
            StoredEntry(
                entry["id"],
                entry["position"],
                canonical_json(entry["content"]),
                entry["receipt_hash"],
                entry["college"],
                entry["previous_hash"],
                entry["hash"],
            )
            for entry in entries
        ),
        head,
        count,
    )


def verify_entries(
    vote_id: int, entries: Iterable[StoredEntry], head: str, count: int
) -> str | None:
    """None when `entries` (in stored order by position, unsealed ones last) form the sealed
    chain ending on `head` with `count` entries; else a sentence naming the first bad entry.
    `entries` is read once, in order, and no further than the first bad entry: it may be a
    generator reading the ballots by chunks."""
    previous = genesis(vote_id)
    read = 0
    for expected, (
        key,
        position,
        content_json,
        receipt,
        college,
        stored_previous,
        digest,
    ) in enumerate(entries, start=1):
        read = expected
        if position is None:
            return f"ballot {key}: not in the chain sealed at the close (inserted afterwards)"
        if expected > count:
            return (
                f"position {expected} (ballot {key}): inserted, {count} ballots were sealed at "
                "the close"
            )
        if position != expected:
            return (
                f"position {expected}: missing (next stored entry is ballot {key} at position "
                f"{position}): a ballot was removed"
            )
        if stored_previous != previous:
            return f"position {expected} (ballot {key}): does not chain on the previous entry"
        previous = serialised_entry_hash(
            vote_id=vote_id,
            position=expected,
            content_json=content_json,
            receipt=receipt,
            college_id=college,
            previous_hash=previous,
        )
        if previous != digest:
            return f"position {expected} (ballot {key}): content altered (its hash does not match)"
    if read != count:
        return f"position {read + 1}: missing, {count} ballots were sealed at the close"
    if previous != head:
        return f"position {read}: the chain does not end on the published head {head}"
    return None
