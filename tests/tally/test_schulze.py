"""Schulze's method on the example of its reference, and the Condorcet property."""

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from maillage.tally import pairwise_preferences, schulze, schulze_details


def ballots(groups, candidates):
    """Rank rows from (number of voters, order of preference) pairs, e.g. (5, "ACBED")."""
    rows = []
    for count, order in groups:
        rows += [[order.index(c) + 1 for c in candidates]] * count
    return np.array(rows)


# Schulze, "A new monotonic, clone-independent, reversal symmetric, and Condorcet-consistent
# single-winner election method" (Social Choice and Welfare 36, 2011), the 45-voter example
# with five candidates A–E, its pairwise matrix d and strongest paths p.
SCHULZE_45 = [
    (5, "ACBED"),
    (5, "ADECB"),
    (8, "BEDAC"),
    (3, "CABED"),
    (7, "CAEBD"),
    (2, "CBADE"),
    (7, "DCEBA"),
    (8, "EBADC"),
]


def test_schulzes_45_voter_example():
    result = schulze_details(ballots(SCHULZE_45, "ABCDE"))
    assert result.pairwise.tolist() == [
        [0, 20, 26, 30, 22],
        [25, 0, 16, 33, 18],
        [19, 29, 0, 17, 24],
        [15, 12, 28, 0, 14],
        [23, 27, 21, 31, 0],
    ]
    assert result.strongest.tolist() == [
        [0, 28, 28, 30, 24],
        [25, 0, 28, 33, 24],
        [25, 29, 0, 29, 24],
        [25, 28, 28, 0, 24],
        [25, 28, 28, 31, 0],
    ]
    # E > A > C > B > D
    assert result.ranking == [4, 0, 2, 1, 3]
    assert result.winners == [4]
    assert schulze(ballots(SCHULZE_45, "ABCDE")) == [4, 0, 2, 1, 3]


def test_equal_ranks_and_unranked_options():
    """Equal ranks prefer neither; an unranked option (0) comes after every ranked one."""
    d = pairwise_preferences([[1, 1, 0], [1, 2, 3]])
    assert d.tolist() == [[0, 1, 2], [0, 0, 2], [0, 0, 0]]


def test_a_perfect_tie_has_several_winners():
    result = schulze_details([[1, 2], [2, 1]])
    assert result.winners == [0, 1]
    assert result.tiers == [[0, 1]]


def test_weights_scale_the_pairwise_counts():
    d = pairwise_preferences([[1, 2], [2, 1], [2, 1]], weights=[0.5, 0.25, 0.25])
    assert d.tolist() == [[0, 0.5], [0.5, 0]]


def test_pairwise_counts_in_chunks_equal_the_direct_count():
    rng = np.random.default_rng(3)
    ranks = rng.integers(0, 5, size=(9000, 4))  # more voters than one chunk
    direct = (ranks[:, :, None] < ranks[:, None, :]) & (ranks[:, :, None] > 0)
    direct |= (ranks[:, :, None] > 0) & (ranks[:, None, :] <= 0)
    assert pairwise_preferences(ranks).tolist() == direct.sum(axis=0).tolist()


def brute_force_strongest(d):
    n = len(d)
    best = np.zeros((n, n), dtype=np.int64)
    for i, j in itertools.permutations(range(n), 2):
        for length in range(n - 1):
            for middle in itertools.permutations([k for k in range(n) if k not in (i, j)], length):
                path = [i, *middle, j]
                links = [d[a][b] if d[a][b] > d[b][a] else 0 for a, b in itertools.pairwise(path)]
                best[i, j] = max(best[i, j], min(links))
    return best


rank_matrices = st.integers(1, 12).flatmap(
    lambda voters: st.integers(2, 5).flatmap(
        lambda options: st.lists(
            st.lists(st.integers(1, options), min_size=options, max_size=options),
            min_size=voters,
            max_size=voters,
        )
    )
)


@settings(max_examples=150, deadline=None)
@given(rank_matrices)
def test_widest_paths_equal_the_enumeration_of_paths(ranks):
    result = schulze_details(ranks)
    assert result.strongest.tolist() == brute_force_strongest(result.pairwise).tolist()


@settings(max_examples=300, deadline=None)
@given(rank_matrices)
def test_a_condorcet_winner_wins(ranks):
    """An option preferred to every other by more voters than the reverse is ranked first."""
    d = pairwise_preferences(ranks)
    n = d.shape[0]
    condorcet = [i for i in range(n) if all(d[i, j] > d[j, i] for j in range(n) if j != i)]
    result = schulze_details(ranks)
    if condorcet:
        assert result.ranking[0] == condorcet[0]
        assert result.winners == condorcet
    assert result.ranking[0] in result.winners  # a winner always comes first
