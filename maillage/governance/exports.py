"""The anonymised ballots of a closed vote and its verification data, as CSV, JSON and for
`maillage verify_vote`: position in the chain, content, college, receipt hash, chain hashes.
Nothing in them names a voter or a time."""

import json
from collections.abc import Iterator
from typing import Any

from maillage.common.tabular import iter_csv

from . import chain, services
from .models import Vote
from .selectors import as_stored_text, ballot_chunks, sealed_ballot_chunks

BALLOT_COLUMNS = ("position", "content", "college", "receipt_hash", "previous_hash", "hash")


def _stored_rows(vote: Vote, chunk_size: int) -> Iterator[tuple[Any, ...]]:
    """The vote's ballots in chain order, as (position, id, stored content, college, receipt
    hash, previous hash, hash) plain rows, the id and content as text: the sealed ones by
    position, then those outside the sealed chain by receipt hash; read by chunks of
    `chunk_size`, each chunk one query (`selectors.sealed_ballot_chunks`, `ballot_chunks`)."""
    ballots = as_stored_text(vote.ballots.all())
    sealed = sealed_ballot_chunks(
        ballots,
        *("id_text", "content_text", "college_id", "receipt_hash", "previous_hash", "hash"),
        count=vote.ballot_count or 0,
        size=chunk_size,
    )
    for chunk in sealed:
        yield from chunk
    unsealed = ballot_chunks(
        ballots.filter(position__isnull=True),
        *("id_text", "content_text", "college_id", "previous_hash", "hash"),
        key="receipt_hash",
        size=chunk_size,
    )
    for chunk in unsealed:
        for receipt, key, stored, college, previous, digest in chunk:
            yield None, key, stored, college, receipt, previous, digest


def _ballot_id(text: str) -> str:
    """A ballot's id as `str(UUID)` writes it, from its column read as text: PostgreSQL writes
    a uuid so, SQLite stores its 32 hexadecimal digits (Django's `UUIDField`)."""
    if len(text) != 32:
        return text
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def ballot_rows(vote: Vote) -> list[dict[str, Any]]:
    """The vote's ballots in chain order (ballots outside the sealed chain last)."""
    contents = chain.StoredContents()
    rows = []
    for position, key, stored, college, receipt, previous, digest in _stored_rows(
        vote, services.SEAL_CHUNK
    ):
        rows.append(
            {
                "id": _ballot_id(key),
                "position": position,
                "content": contents.read(stored)[0],
                "college": college,
                "receipt_hash": receipt,
                "previous_hash": previous,
                "hash": digest,
            }
        )
    return rows


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
    contents, counted = chain.StoredContents(), []

    def entries() -> Iterator[chain.StoredEntry]:
        # each ballot kept for the tally as it is checked, as at the close
        for position, key, stored, college, receipt, previous, digest in _stored_rows(
            vote, chunk_size
        ):
            content, content_json = contents.read(stored)
            counted.append(services.CountedBallot(receipt, content, college))
            yield chain.StoredEntry(
                _ballot_id(key), position, content_json, receipt, college, previous, digest
            )

    problem = chain.verify_entries(vote.pk, entries(), vote.chain_head, vote.ballot_count or 0)
    if problem:
        return problem
    recomputed = services.compute_results(vote, counted)
    if _comparable(recomputed) != _comparable(vote.results):
        return "the results recomputed from the ballots differ from the published results"
    return None
