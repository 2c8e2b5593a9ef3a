"""Closing a vote by chunks: the chain and results are those of one pass over every ballot, and
the queries grow with the chunks, not with the ballots."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from maillage.common.actors import SYSTEM
from maillage.governance import chain, exports, services
from maillage.governance.models import Ballot
from tests.governance.factories import make_stored_ballots

pytestmark = pytest.mark.django_db


def _recomputed(vote):
    """The chain recomputed apart, from the stored contents in receipt-hash order:
    {ballot id: (position, previous hash, hash)} and the head."""
    rows = sorted(
        Ballot.objects.filter(vote=vote).values_list("id", "content", "college_id", "receipt_hash"),
        key=lambda row: row[3],
    )
    previous, expected = chain.genesis(vote.pk), {}
    for position, (pk, content, college_id, receipt) in enumerate(rows, start=1):
        digest = chain.entry_hash(
            vote_id=vote.pk,
            position=position,
            content=content,
            receipt=receipt,
            college_id=college_id,
            previous_hash=previous,
        )
        expected[pk] = (position, previous, digest)
        previous = digest
    return expected, previous


# 7: many chunks, the last one short; 300: on SQLite each chunk written in two statements (999
# parameters, 4 a ballot); 64: the ballots fill their chunks exactly.
@pytest.mark.parametrize(("count", "chunk"), [(50, 7), (500, 300), (128, 64)])
def test_closing_by_chunks_seals_the_chain_of_one_pass(monkeypatch, count, chunk):
    monkeypatch.setattr(services, "SEAL_CHUNK", chunk)
    vote = make_stored_ballots(count, colleges=True)
    expected, head = _recomputed(vote)
    services.close_vote(actor=SYSTEM, vote=vote)
    vote.refresh_from_db()
    stored = {
        pk: (position, previous, digest)
        for pk, position, previous, digest in Ballot.objects.filter(vote=vote).values_list(
            "id", "position", "previous_hash", "hash"
        )
    }
    assert stored == expected
    assert (vote.chain_head, vote.ballot_count) == (head, count)
    assert sorted(position for position, _p, _h in stored.values()) == list(range(1, count + 1))
    # the results counted at the close are those counted again from the stored ballots
    assert vote.results == services.compute_results(vote)
    assert vote.results["ballots"] == count and vote.results["weighted"]
    assert exports.verify(vote) is None


def test_closing_an_empty_vote_publishes_the_genesis_as_head():
    vote = make_stored_ballots(0)
    services.close_vote(actor=SYSTEM, vote=vote)
    vote.refresh_from_db()
    assert (vote.chain_head, vote.ballot_count) == (chain.genesis(vote.pk), 0)
    assert exports.verify(vote) is None


def _close_queries(count, chunk, monkeypatch):
    monkeypatch.setattr(services, "SEAL_CHUNK", chunk)
    vote = make_stored_ballots(count, seed=count)
    with CaptureQueriesContext(connection) as queries:
        services.close_vote(actor=SYSTEM, vote=vote)
    return len(queries)


def test_closing_queries_grow_with_the_chunks_not_the_ballots(monkeypatch):
    few = _close_queries(50, 50, monkeypatch)  # one full chunk, then an empty read
    many = _close_queries(500, 50, monkeypatch)  # ten full chunks, then an empty read
    # a read and a write per chunk: nine more chunks, eighteen more queries at most
    assert many - few <= 2 * 9
    assert many < 100
