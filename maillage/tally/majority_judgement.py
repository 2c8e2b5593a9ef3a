"""Majority judgement (« jugement majoritaire »), Balinski & Laraki.

Each voter grades every option on a common scale of ``n_grades`` grades (« mentions »), 0 the
worst: for example 0 À rejeter, 1 Insuffisant, 2 Passable, 3 Assez bien, 4 Bien, 5 Très bien,
6 Excellent. An option's *majority grade* is the lower median of its grades; options are ranked
by majority grade, and ties are broken by the *majority value* (Balinski & Laraki, "A theory of
measuring, electing, and ranking", PNAS 104(21), 2007; *Majority Judgment*, MIT Press, 2011,
ch. 13): remove one majority grade from each tied option and compare the new majority grades,
again and again. The sequence of majority grades so obtained is the majority value; options
are ranked by it lexicographically, best first.

Computation, on the merit profiles (grade counts), never on copies of the ballots. Sort an
option's n grades: after k removals the removed grades form a contiguous block of positions
around the lower median, so the k-th grade of the majority value sits at a position that
depends only on n — positions are visited by distance of their centre from n/2, the lower one
first on a tie (n = 4: positions 1, 2, 0, 3; n = 5: 2, 1, 3, 0, 4). Two options with the same
number of grades are therefore separated at the position nearest the middle where their sorted
grades differ, and the one with the higher grade there is ahead. The sorted grades are
piecewise constant over at most ``n_grades`` intervals, so each comparison costs O(n_grades)
whatever the number of voters; the ranking is a sort by that comparison.

A voter who gives no grade to an option is counted by the caller with the worst grade
(Balinski & Laraki's advice: « pas d'avis » is À rejeter); every option has then as many grades.

Weights (colleges): the merit profiles are weighted grade distributions (each college's
distribution combined by weight), and the rule above runs on them with voter weight in place of
voter counts — the removal of "one grade" becomes that of an infinitesimal weight at the median.
"""

from __future__ import annotations

import functools
import itertools
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from maillage.tally._arrays import int_matrix, voter_weights

# weighted profiles are compared with this relative tolerance on positions, so that a sum taken
# in another order (1e-16 apart) does not decide a tie that exact arithmetic would not see
_RELATIVE_TOLERANCE = 1e-9


@dataclass(frozen=True)
class MeritProfile:
    """What a results page shows for one option.

    ``counts[g]`` is the number (weight) of grades g, 0 the worst. ``share_above`` and
    ``share_below`` are the shares of grades strictly above and below the majority grade:
    Balinski & Laraki's *majority gauge* is the majority grade followed by « + » when more voters
    grade the option above its majority grade than below, else « - ». ``separated_after``
    says how many majority grades had to be removed (the voter weight removed, when weighted)
    before this option differed from the next one in the ranking: 0 when their majority grades
    differ already; None for the last option or when the next one has the same merit profile
    (``tied_with_next``: a true tie, which the rule cannot break).
    """

    option: int
    counts: np.ndarray
    total: float
    majority_grade: int
    share_above: float
    share_below: float
    rank: int  # place in the ranking, 0 the best
    separated_after: float | None
    tied_with_next: bool
    # the first terms of the majority value, up to the one that separates this option from its
    # neighbours in the ranking (the tie-break a results page shows); () when weighted
    tiebreak: tuple[int, ...] = ()

    @property
    def gauge(self) -> str:
        """« + » or « - » after the majority grade (the majority gauge's sign)."""
        return "+" if self.share_above > self.share_below else "-"


def merit_profiles(
    grades: ArrayLike, n_grades: int | None = None, *, weights: ArrayLike | None = None
) -> np.ndarray:
    """Grade counts per option: an array (options × n_grades), integer unless weighted.

    >>> merit_profiles([[0, 2], [1, 2], [2, 0]], 3).tolist()
    [[1, 1, 1], [1, 0, 2]]
    """
    g = int_matrix(grades, "grades")
    n_voters, n_options = g.shape
    if n_grades is None:
        n_grades = int(g.max()) + 1 if g.size else 1
    if g.size and (g.min() < 0 or g.max() >= n_grades):
        raise ValueError(f"grades must lie in [0, {n_grades})")
    w = voter_weights(weights, n_voters)
    flat = (g + n_grades * np.arange(n_options)).ravel()
    counts = np.bincount(
        flat, weights=None if w is None else np.repeat(w, n_options), minlength=n_grades * n_options
    )
    return counts.reshape(n_options, n_grades)


def _edges(counts: np.ndarray) -> np.ndarray:
    return np.cumsum(counts)


def _tolerance(edges: np.ndarray) -> float:
    """0 for integer counts (exact), else a whisker relative to the total weight."""
    if np.issubdtype(edges.dtype, np.integer) or not edges.size:
        return 0.0
    return _RELATIVE_TOLERANCE * max(1.0, float(edges[-1]))


def _lower_median(edges: np.ndarray) -> int:
    """Grade at the centre (just below it on an even count): the first grade reaching half."""
    return int(np.searchsorted(edges, edges[-1] / 2 - _tolerance(edges), side="left"))


def _first_difference(a: np.ndarray, b: np.ndarray) -> tuple[int, float]:
    """Compare two merit profiles of the same total by majority value.

    Returns (1 if a is ahead, -1 if b is, 0 if equal; grades removed before they differ).
    """
    ea, eb = _edges(a), _edges(b)
    tol = max(_tolerance(ea), _tolerance(eb))
    total = ea[-1]
    if abs(total - eb[-1]) > tol:
        raise ValueError("options must have the same number (weight) of grades")
    centre = total / 2
    cuts = np.unique(np.concatenate([[0], ea, eb]))
    if tol:  # positions a whisker apart are one position
        cuts = cuts[np.concatenate([[True], np.diff(cuts) > tol])]
    lo, hi = cuts[:-1], cuts[1:]
    middle = (lo + hi) / 2
    ga = np.searchsorted(ea, middle, side="right")
    gb = np.searchsorted(eb, middle, side="right")
    differ = ga != gb
    if not differ.any():
        return 0, math.nan
    lo, hi, ga, gb = lo[differ], hi[differ], ga[differ], gb[differ]
    distance = np.maximum(np.maximum(lo - centre, centre - hi), 0)
    above = lo >= centre - tol
    # equal distances tie (then the lower side first): compare them in units of the tolerance
    key = np.round(distance / tol) if tol else distance
    k = int(np.lexsort((above, key))[0])
    sign = 1 if ga[k] > gb[k] else -1
    if not tol:
        return sign, float(_removal_step(int(total), int(lo[k]), int(hi[k]), bool(above[k])))
    return sign, float(2 * distance[k])


def _removal_step(n: int, lo: int, hi: int, above: bool) -> int:
    """How many grades are removed before position p of n is reached (its rank, 0 first)."""
    m = (n - 1) // 2
    p = lo if above else (hi - 1 if hi <= n / 2 else math.ceil(n / 2) - 1)
    if n % 2 == 0:
        return 2 * (p - m) - 1 if p > m else 2 * (m - p)
    return 2 * (m - p) - 1 if p < m else 2 * (p - m)


def majority_value(counts: ArrayLike, length: int) -> list[int]:
    """The first ``length`` terms of an option's majority value (integer grade counts).

    >>> majority_value([1, 0, 2, 1], 4)  # grades 0, 2, 2, 3: medians 2, 2, 0, 3
    [2, 2, 0, 3]
    """
    c = np.asarray(counts, dtype=np.int64)
    edges = np.cumsum(c)
    n = int(edges[-1]) if edges.size else 0
    m = (n - 1) // 2
    k = np.arange(min(length, n))
    half = (k + 1) // 2
    if n % 2 == 0:
        positions = np.where(k % 2 == 1, m + half, m - k // 2)
    else:
        positions = np.where(k % 2 == 1, m - half, m + k // 2)
    return [int(x) for x in np.searchsorted(edges, positions, side="right")]


def rank_profiles(counts: ArrayLike) -> list[int]:
    """Options ranked best first from their merit profiles (options × grades counts).

    Identical profiles keep their index order; :func:`majority_judgement_details` reports them.
    """
    profiles = np.asarray(counts)

    def compare(i: int, j: int) -> int:
        return -_first_difference(profiles[i], profiles[j])[0]

    return sorted(range(profiles.shape[0]), key=functools.cmp_to_key(compare))


def majority_judgement(
    grades: ArrayLike, n_grades: int | None = None, *, weights: ArrayLike | None = None
) -> list[int]:
    """Option indices ranked best first by majority judgement.

    ``grades`` is an integer array (voters × options), 0 the worst grade; ``n_grades`` defaults
    to the highest grade given plus one.

    >>> majority_judgement([[2, 2, 0], [1, 2, 1], [1, 0, 2]])  # medians 1, 2, 1; then 0 beats 2
    [1, 0, 2]
    """
    return rank_profiles(merit_profiles(grades, n_grades, weights=weights))


def majority_judgement_details(
    grades: ArrayLike, n_grades: int | None = None, *, weights: ArrayLike | None = None
) -> list[MeritProfile]:
    """The merit profile of every option (in option order), with its place in the ranking."""
    return profile_details(merit_profiles(grades, n_grades, weights=weights))


def profile_details(counts: ArrayLike) -> list[MeritProfile]:
    """:class:`MeritProfile` of every option from precomputed merit profiles (options × grades)."""
    profiles = np.asarray(counts)
    ranking = rank_profiles(profiles)
    place = {option: rank for rank, option in enumerate(ranking)}
    separation: dict[int, tuple[float | None, bool]] = {}
    for here, after in itertools.pairwise(ranking):
        sign, gap = _first_difference(profiles[here], profiles[after])
        separation[here] = (None, True) if sign == 0 else (gap, False)
    details = []
    for option in range(profiles.shape[0]):
        edges = _edges(profiles[option])
        total = edges[-1] if edges.size else 0
        grade = _lower_median(edges) if total else 0
        below = float(edges[grade - 1]) if grade > 0 else 0.0
        above = float(total - edges[grade]) if total else 0.0
        step, tied = separation.get(option, (None, False))
        tiebreak: tuple[int, ...] = ()
        if not _tolerance(edges) and total:
            above_gap = separation.get(ranking[place[option] - 1], (None, False))[0]
            gaps = [g for g in (step, above_gap if place[option] else None) if g is not None]
            tiebreak = tuple(majority_value(profiles[option], int(max(gaps, default=0)) + 1))
        details.append(
            MeritProfile(
                option=option,
                counts=profiles[option],
                total=float(total),
                majority_grade=grade,
                share_above=above / total if total else 0.0,
                share_below=below / total if total else 0.0,
                rank=place[option],
                separated_after=step,
                tied_with_next=tied,
                tiebreak=tiebreak,
            )
        )
    return details
