"""The anonymised ballots of a closed vote and its verification data, as CSV, JSON and for
`maillage verify_vote`: position in the chain, content, college, receipt hash, chain hashes.
Nothing in them names a voter or a time."""

import json
from collections.abc import Iterator
from typing import Any

from maillage.common.tabular import iter_csv

from . import chain, services
from .models import Ballot, Vote

BALLOT_COLUMNS = ("position", "content", "college", "receipt_hash", "previous_hash", "hash")


def ballot_rows(vote: Vote) -> list[dict[str, Any]]:
    """The vote's ballots in chain order (ballots outside the sealed chain last)."""
    # Plain rows, not model instances: a 100,000-ballot vote is read in a third of the time.
    ballots = (
        Ballot.objects.filter(vote=vote)
        .order_by("position", "receipt_hash")
        .values_list(
            "id", "position", "content", "college_id", "receipt_hash", "previous_hash", "hash"
        )
    )
    rows = [
        {
            "key": key,
            "id": str(key),
            "position": position,
            "content": content,
            "college": college,
            "receipt_hash": receipt,
            "previous_hash": previous,
            "hash": digest,
        }
        for key, position, content, college, receipt, previous, digest in ballots
    ]
    # NULL positions sort first on PostgreSQL and last on SQLite: put them last everywhere.
    return [row for row in rows if row["position"] is not None] + [
        row for row in rows if row["position"] is None
    ]


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


def verify(vote: Vote) -> str | None:
    """None when the stored ballots form the sealed chain and give the published results;
    else a sentence naming the first bad ballot entry (or the results that differ)."""
    rows = ballot_rows(vote)
    problem = chain.verify_chain(vote.pk, rows, vote.chain_head, vote.ballot_count or 0)
    if problem:
        return problem
    # the same rows, counted (read once: a vote of 100,000 ballots is read in seconds)
    counted = [
        services.CountedBallot(row["receipt_hash"], row["content"], row["college"]) for row in rows
    ]
    recomputed = services.compute_results(vote, counted)
    if _comparable(recomputed) != _comparable(vote.results):
        return "the results recomputed from the ballots differ from the published results"
    return None
