"""The tallying adapter and the ballot chain, without the database: contents are checked and
counted as `maillage.tally` counts them; any edit of a sealed chain is found, at its entry."""

from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from maillage import tally
from maillage.common.errors import ValidationFailed
from maillage.governance import chain, tallying
from maillage.governance.tallying import CastBallot


def vote(method, **settings_):
    return SimpleNamespace(method=method, settings=settings_)


grades = st.integers(1, 4).flatmap(
    lambda options: st.lists(
        st.lists(st.integers(0, 6), min_size=options, max_size=options), min_size=1, max_size=30
    )
)


@given(grades)
@settings(max_examples=60, deadline=None)
def test_majority_judgement_ranks_as_the_tally_module(rows):
    options = len(rows[0])
    result = tallying.tally(
        vote("majority_judgement"),
        [str(i) for i in range(options)],
        [CastBallot({"grades": r}) for r in rows],
        {},
    )
    assert result["ranking"] == tally.majority_judgement(rows, 7)


def test_colleges_share_their_weight_among_their_ballots():
    ballots = [
        CastBallot({"choice": 0}, 1),
        CastBallot({"choice": 1}, 2),
        CastBallot({"choice": 1}, 2),
    ]
    result = tallying.tally(vote("single"), ["A", "B"], ballots, {1: 50, 2: 50})
    assert [row["percent"] for row in result["options"]] == [50.0, 50.0]
    assert result["winner"] is None and result["winners"] == [0, 1]  # a tie is reported


def test_schulze_shows_its_pairwise_matrix():
    ballots = [CastBallot({"ranks": r}) for r in ([1, 2, 3], [1, 3, 2], [2, 1, 3])]
    result = tallying.tally(vote("schulze"), ["A", "B", "C"], ballots, {})
    assert result["ranking"][0] == 0 and result["pairwise"][0][1] == 2.0


def test_budget_gives_greedy_and_equal_shares_side_by_side():
    ballots = [CastBallot({"approved": [0]})] * 3 + [CastBallot({"approved": [1]})] * 2
    result = tallying.tally(vote("budget", budget=10), ["P", "Q"], ballots, {}, costs=[6, 5])
    assert result["greedy"]["selected"] == [0]
    assert result["equal_shares"]["groups"][0]["voters"] == 3


def test_allocation_says_who_gets_what():
    ballots = [
        CastBallot({"ranks": [1, 2]}, voter="ada"),
        CastBallot({"ranks": [1, 2]}, voter="bob"),
    ]
    result = tallying.tally(
        vote("allocation"), ["Fenêtre", "Calme"], ballots, {}, capacities=[1, 1]
    )
    assert sorted(line["item"] for line in result["assignment"]) == [0, 1]
    assert result["distribution"] == {"1": 1, "2": 1}


def test_date_poll_and_score_count_their_answers():
    polled = tallying.tally(
        vote("date_poll"),
        ["lun", "mar"],
        [CastBallot({"answers": [2, 1]}), CastBallot({"answers": [0, 2]})],
        {},
    )
    assert polled["ranking"] == [1, 0]
    scored = tallying.tally(vote("score"), ["A", "B"], [CastBallot({"scores": [5, 1]})], {})
    assert scored["options"][0]["mean"] == 5.0 and scored["ranking"] == [0, 1]


@pytest.mark.parametrize(
    ("method", "content"),
    [
        ("single", {"choice": 5}),
        ("single", {"choice": True}),
        ("approval", {"approved": [0, 9]}),
        ("consent", {"position": "maybe"}),
        ("score", {"scores": [6, 0]}),
        ("majority_judgement", {"grades": [0]}),
        ("date_poll", {"answers": [3, 0]}),
        ("schulze", {"ranks": [1, -1]}),
        ("single", ["not", "an", "object"]),
    ],
)
def test_malformed_ballots_are_refused(method, content):
    with pytest.raises(ValidationFailed):
        tallying.clean_content(vote(method), 2, content)


def sealed(contents):
    entries, previous = [], chain.genesis(1)
    for position, content in enumerate(contents, start=1):
        receipt = chain.receipt_hash(1, content, f"n{position}")
        digest = chain.entry_hash(
            vote_id=1, position=position, content=content, receipt=receipt, college_id=None,
            previous_hash=previous,
        )  # fmt: skip
        entries.append(
            {"id": f"b{position}", "position": position, "content": content,
             "receipt_hash": receipt, "college": None, "previous_hash": previous, "hash": digest}
        )  # fmt: skip
        previous = digest
    return entries, previous


contents = st.lists(st.fixed_dictionaries({"choice": st.integers(0, 3)}), min_size=1, max_size=12)


@given(contents, st.data())
@settings(max_examples=80, deadline=None)
def test_any_edit_removal_or_insertion_is_named_at_its_entry(ballots, data):
    entries, head = sealed(ballots)
    assert chain.verify_chain(1, entries, head, len(entries)) is None
    where = data.draw(st.integers(0, len(entries) - 1))
    edited = [dict(entry) for entry in entries]
    edited[where]["content"] = {"choice": edited[where]["content"]["choice"] + 1}
    assert chain.verify_chain(1, edited, head, len(entries)).startswith(f"position {where + 1}")
    removed = entries[:where] + entries[where + 1 :]
    assert f"position {where + 1}" in chain.verify_chain(1, removed, head, len(entries))
    longer, _new_head = sealed([*ballots, {"choice": 0}])
    assert "inserted" in chain.verify_chain(1, longer, head, len(entries))
