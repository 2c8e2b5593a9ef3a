"""The anonymised ballots of a closed vote and its verification data, as CSV, JSON and for
`maillage verify_vote`: position in the chain, content, college, receipt hash, chain hashes.
Nothing in them names a voter or a time."""

import json
from collections.abc import Iterator
from typing import Any

from maillage.common.tabular import iter_csv

from . import chain, services
from .models import Vote
from .selectors import as_stored_text, ballot_chunks

BALLOT_COLUMNS = ("position", "content", "college", "receipt_hash", "previous_hash", "hash")


def _stored_entries(vote: Vote, chunk_size: int) -> Iterator[dict[str, Any]]:
    """The vote's ballots in chain order, as `chain.verify_chain` reads them: the sealed ones by
    position, then those outside the sealed chain by receipt hash; read by chunks of
    `chunk_size` plain rows, each chunk one query, each distinct content decoded once."""
    ballots = as_stored_text(vote.ballots.all())
    contents = chain.StoredContents()
    sealed = ballot_chunks(
        ballots.filter(position__isnull=False),
        *("id_text", "content_text", "college_id", "receipt_hash", "previous_hash", "hash"),
        key="position",
        size=chunk_size,
    )
    for chunk in sealed:
        for position, key, stored, college, receipt, previous, digest in chunk:
            yield _entry(
                contents, key, position, stored, college=college, receipt=receipt,
                previous=previous, digest=digest,
            )  # fmt: skip
    unsealed = ballot_chunks(
        ballots.filter(position__isnull=True),
        *("id_text", "content_text", "college_id", "previous_hash", "hash"),
        key="receipt_hash",
        size=chunk_size,
    )
    for chunk in unsealed:
        for receipt, key, stored, college, previous, digest in chunk:
            yield _entry(
                contents, key, None, stored, college=college, receipt=receipt,
                previous=previous, digest=digest,
            )  # fmt: skip


def _entry(
    contents: chain.StoredContents,
    key: str,
    position: int | None,
    stored: str,
    *,
    college: int | None,
    receipt: str,
    previous: str,
    digest: str,
) -> dict[str, Any]:
    content, content_json = contents.read(stored)
    return {
        "id": _ballot_id(key),
        "position": position,
        "content": content,
        "content_json": content_json,
        "college": college,
        "receipt_hash": receipt,
        "previous_hash": previous,
        "hash": digest,
    }


def _ballot_id(text: str) -> str:
    """A ballot's id as `str(UUID)` writes it, from its column read as text: PostgreSQL writes
    a uuid so, SQLite stores its 32 hexadecimal digits (Django's `UUIDField`)."""
    if len(text) != 32:
        return text
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def ballot_rows(vote: Vote) -> list[dict[str, Any]]:
    """The vote's ballots in chain order (ballots outside the sealed chain last)."""
    return list(_stored_entries(vote, services.SEAL_CHUNK))


def verification(vote: Vote) -> dict[str, Any]:
    """What anyone needs to check the vote: genesis, head, count, the ballots' hashes."""
    rows = ballot_rows(vote)
    return {
        "vote": vote.pk,
        "genesis": chain.genesis(vote.pk),
        "chain_head": vote.chain_head,
        "ballot_count": vote.ballot_count,
        "ballot_hashes": [row["hash"] for row in rows],
        "receipt_hashes": sorted(row["receipt_hash"] for row in rows),
    }


def public_rows(vote: Vote) -> list[dict[str, Any]]:
    return [{name: row[name] for name in BALLOT_COLUMNS} for row in ballot_rows(vote)]


def ballots_csv(vote: Vote) -> Iterator[str]:
    rows = (
        [
            row["position"],
            json.dumps(row["content"], sort_keys=True, ensure_ascii=False),
            row["college"],
            row["receipt_hash"],
            row["previous_hash"],
            row["hash"],
        ]
        for row in public_rows(vote)
    )
    return iter_csv(BALLOT_COLUMNS, rows)


def _comparable(results: Any) -> str:
    """The results as compared by `verify`: who got what in an allocation is compared without
    the names (a person erased since the close leaves the count unchanged)."""
    document = dict(results or {})
    if "assignment" in document:
        document["assignment"] = [
            {key: value for key, value in line.items() if key != "voter"}
            for line in document["assignment"]
        ]
    return json.dumps(document, sort_keys=True)


def verify(vote: Vote, *, chunk_size: int = services.SEAL_CHUNK) -> str | None:
    """None when the stored ballots form the sealed chain and give the published results;
    else a sentence naming the first bad ballot entry (or the results that differ).

    The ballots are read once, by chunks of `chunk_size` plain rows, and checked as they come;
    only what the tally counts is kept for it, as at the close."""
    counted: list[services.CountedBallot] = []

    def checked_as_counted() -> Iterator[dict[str, Any]]:
        for entry in _stored_entries(vote, chunk_size):
            counted.append(
                services.CountedBallot(entry["receipt_hash"], entry["content"], entry["college"])
            )
            yield entry

    problem = chain.verify_chain(
        vote.pk, checked_as_counted(), vote.chain_head, vote.ballot_count or 0
    )
    if problem:
        return problem
    recomputed = services.compute_results(vote, counted)
    if _comparable(recomputed) != _comparable(vote.results):
        return "the results recomputed from the ballots differ from the published results"
    return None
