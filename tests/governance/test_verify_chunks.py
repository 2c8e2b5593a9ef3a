"""Verifying a vote by chunks: every tampering is still named at its entry when it sits across a
chunk boundary, and the queries grow with the chunks, not with the ballots."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from maillage.common.actors import SYSTEM
from maillage.governance import chain, exports, services
from maillage.governance.models import Ballot
from tests.governance.factories import make_stored_ballots

pytestmark = pytest.mark.django_db

CHUNK = 7  # positions 7 and 8 are read by two queries, as are 14 and 15


def _closed(count=20, **kw):
    vote = make_stored_ballots(count, colleges=True, **kw)
    services.close_vote(actor=SYSTEM, vote=vote)
    vote.refresh_from_db()
    return vote


def _at(vote, position):
    return Ballot.objects.get(vote=vote, position=position)


@pytest.mark.parametrize("chunk", [1, CHUNK, 10, 20, 2_000])
def test_an_intact_vote_verifies_whatever_the_chunk(chunk):
    vote = _closed()
    assert exports.verify(vote, chunk_size=chunk) is None


def test_an_edited_content_after_a_boundary_is_named():
    vote = _closed()
    edited = _at(vote, CHUNK + 1)
    grades = edited.content["grades"]
    Ballot.objects.filter(pk=edited.pk).update(content={"grades": [6 - g for g in grades]})
    assert exports.verify(vote, chunk_size=CHUNK) == (
        f"position {CHUNK + 1} (ballot {edited.pk}): content altered (its hash does not match)"
    )


def test_a_content_copied_from_the_ballot_before_is_named():
    """Each distinct stored content is decoded once: a ballot given the content of the one read
    just before it (in the previous chunk) is still hashed with its own position and receipt."""
    vote = _closed(seed=11)
    before, edited = _at(vote, CHUNK), _at(vote, CHUNK + 1)
    assert before.content != edited.content
    Ballot.objects.filter(pk=edited.pk).update(content=before.content)
    assert exports.verify(vote, chunk_size=CHUNK) == (
        f"position {CHUNK + 1} (ballot {edited.pk}): content altered (its hash does not match)"
    )


def test_two_ballots_swapped_across_a_boundary_are_named():
    vote = _closed()
    first, second = _at(vote, CHUNK), _at(vote, CHUNK + 1)
    Ballot.objects.filter(pk=first.pk).update(position=10_000)
    Ballot.objects.filter(pk=second.pk).update(position=CHUNK)
    Ballot.objects.filter(pk=first.pk).update(position=CHUNK + 1)
    assert exports.verify(vote, chunk_size=CHUNK) == (
        f"position {CHUNK} (ballot {second.pk}): does not chain on the previous entry"
    )


def test_an_edited_receipt_after_a_boundary_is_named():
    vote = _closed()
    edited = _at(vote, CHUNK + 1)
    Ballot.objects.filter(pk=edited.pk).update(receipt_hash="0" * 64)
    assert exports.verify(vote, chunk_size=CHUNK) == (
        f"position {CHUNK + 1} (ballot {edited.pk}): content altered (its hash does not match)"
    )


def test_a_ballot_removed_at_a_boundary_is_named():
    vote = _closed()
    removed = _at(vote, CHUNK + 1)
    following = _at(vote, CHUNK + 2)
    removed.delete()
    assert exports.verify(vote, chunk_size=CHUNK) == (
        f"position {CHUNK + 1}: missing (next stored entry is ballot {following.pk} at position "
        f"{CHUNK + 2}): a ballot was removed"
    )


def test_a_ballot_inserted_after_the_close_is_named_after_the_last_chunk():
    vote = _closed(count=2 * CHUNK)
    content = {"grades": [0, 6, 6]}
    inserted = Ballot.objects.create(
        vote=vote,
        content=content,
        receipt_hash=chain.receipt_hash(vote.pk, content, "forged"),
        key_hash="f" * 64,
    )
    assert exports.verify(vote, chunk_size=CHUNK) == (
        f"ballot {inserted.pk}: not in the chain sealed at the close (inserted afterwards)"
    )


def test_the_published_results_are_recounted_from_every_chunk():
    vote = _closed()
    results = dict(vote.results, ballots=vote.results["ballots"] - 1)
    type(vote).objects.filter(pk=vote.pk).update(results=results)
    vote.refresh_from_db()
    assert exports.verify(vote, chunk_size=CHUNK) == (
        "the results recomputed from the ballots differ from the published results"
    )


def _verify_queries(count, chunk):
    vote = _closed(count=count, seed=count)
    with CaptureQueriesContext(connection) as queries:
        assert exports.verify(vote, chunk_size=chunk) is None
    return len(queries)


def test_verifying_queries_grow_with_the_chunks_not_the_ballots():
    few = _verify_queries(10, 10)  # one full chunk, then an empty read
    many = _verify_queries(100, 10)  # ten full chunks, then an empty read
    assert many - few == 9  # a read per chunk, nothing per ballot


@pytest.mark.parametrize(("moved", "to"), [(1, 0), (20, 25), (20, 10_000)])
def test_a_ballot_moved_outside_the_sealed_positions_is_named(moved, to):
    """Position 0 comes before the first chunk's range, 25 and 10,000 after the last one's:
    both are read all the same."""
    vote = _closed(count=20)
    ballot = _at(vote, moved)
    Ballot.objects.filter(pk=ballot.pk).update(position=to)
    expected = 1 if to == 0 else moved
    assert exports.verify(vote, chunk_size=CHUNK) == (
        f"position {expected}: missing (next stored entry is ballot {ballot.pk} at position "
        f"{to}): a ballot was removed"
    )
