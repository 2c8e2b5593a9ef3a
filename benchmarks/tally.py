"""Benchmarks of the tally module (issue 10, section 6): each count under one second.

    python -m benchmarks.tally [--quick] [--strict]

Cases, on synthetic ballots (seeded, so every run counts the same votes):

T1  majority judgement, 100,000 voters × 20 options, 7 grades (the French scale);
T2  Schulze, 10,000 voters × 20 options, full rankings;
T3  Method of Equal Shares with its completion, 5,000 voters × 50 projects;
T4  allocation of 500 members over 200 items (1–4 places each), both objectives.

Each case is timed without instrumentation (the best of three runs),
then run once under ``tracemalloc`` for its peak of Python and numpy allocations above what
the inputs already hold. Beside ours, a reference shows what the obvious approach costs on the
same input, with the ratio of the two times:

- T1: sorting every option's grades (``np.sort`` on the ballots), which any median-by-sorting
  count needs before it starts, against our count on merit profiles;
- T2: the textbook count in pure Python (pairwise counts ballot by ballot, then
  Floyd–Warshall in loops), against our vectorised pairwise count plus widest paths;
- T3: the greedy rule on the same approvals (the method people use today);
- T4: the same assignment as an integer programme solved by HiGHS (``scipy.optimize.milp``,
  one variable per member and item), for the total; for the worst-off objective, the total
  one (the bisection's price).

With ``--strict`` the exit status is 1 when a case of ours takes a second or more.
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np

from maillage.tally import allocate, equal_shares, majority_judgement, pb_greedy, schulze

LIMIT_S = 1.0
SEED = 2026
SIZES: dict[str, dict[str, int]] = {
    "full": {"mj_voters": 100_000, "schulze_voters": 10_000, "es_voters": 5_000, "members": 500},
    "quick": {"mj_voters": 20_000, "schulze_voters": 2_000, "es_voters": 1_000, "members": 100},
}


def timed(function: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Best wall time of ``repeat`` runs in seconds (one run when it takes over 2 s), and the
    function's result."""
    best = float("inf")
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
        if best > 2:
            break
    return best, result


def peak_mb(function: Callable[[], Any]) -> float:
    """Peak of the allocations ``function`` makes (tracemalloc, numpy's buffers included), MB."""
    tracemalloc.start()
    try:
        function()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 2**20


def mj_ballots(n_voters: int, rng: np.random.Generator) -> np.ndarray:
    # options of different standing, voters who agree roughly: a grade around each option's mean
    means = rng.uniform(1.5, 4.5, 20)
    noise = rng.normal(0, 1.4, (n_voters, 20))
    return np.clip(np.rint(means + noise), 0, 6).astype(np.int8)


def schulze_ballots(n_voters: int, rng: np.random.Generator) -> np.ndarray:
    # utilities = a shared quality + individual taste; the ranks are their order (1 the best)
    utilities = rng.normal(0, 1, 20) + rng.normal(0, 1.5, (n_voters, 20))
    return (np.argsort(np.argsort(-utilities, axis=1), axis=1) + 1).astype(np.int16)


def approval_ballots(n_voters: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    popularity = rng.uniform(0.03, 0.35, 50)
    approvals = rng.random((n_voters, 50)) < popularity
    costs = rng.integers(5, 80, 50) * 1_000  # euros
    return approvals, costs


def textbook_schulze(ranks: np.ndarray) -> list[list[int]]:
    """Schulze as the textbook writes it: loops over ballots and pairs, then over paths."""
    n = ranks.shape[1]
    rows = [[0] * n for _ in range(n)]
    for ballot in ranks.tolist():
        for i in range(n):
            for j in range(n):
                if ballot[i] < ballot[j]:
                    rows[i][j] += 1
    p = [[rows[i][j] if rows[i][j] > rows[j][i] else 0 for j in range(n)] for i in range(n)]
    for k in range(n):
        for i in range(n):
            if i == k:
                continue
            for j in range(n):
                if j not in (i, k):
                    p[i][j] = max(p[i][j], min(p[i][k], p[k][j]))
    return p


def milp_allocation(preferences: np.ndarray, capacities: np.ndarray) -> float:
    """The total objective as an integer programme: serve the most, then the smallest sum."""
    import scipy.sparse as sp
    from scipy.optimize import Bounds, LinearConstraint, milp

    n_members, n_items = preferences.shape
    penalty = float(preferences.sum()) + 1  # serving one more member beats any rank
    cost = (preferences - penalty).ravel().astype(float)
    one_each = sp.kron(sp.eye(n_members), np.ones((1, n_items)))
    places = sp.kron(np.ones((1, n_members)), sp.eye(n_items))
    result = milp(
        cost,
        constraints=[
            LinearConstraint(one_each, 0, 1),
            LinearConstraint(places, 0, capacities),
        ],
        integrality=np.ones(cost.size),
        bounds=Bounds(0, 1),
    )
    return float(result.fun)


def table(title: str, header: list[str], rows: list[list[str]], note: str = "") -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    print(f"\n{title}")
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)))
    if note:
        print(note)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.tally", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller inputs")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a case takes ≥ 1 s")
    options = parser.parse_args(argv)
    size = SIZES["quick" if options.quick else "full"]
    repeat = 3
    rng = np.random.default_rng(SEED)

    grades = mj_ballots(size["mj_voters"], rng)
    ranks = schulze_ballots(size["schulze_voters"], rng)
    approvals, costs = approval_ballots(size["es_voters"], rng)
    budget = int(costs.sum() // 4)
    members = size["members"]
    preferences = np.argsort(np.argsort(rng.random((members, 200)), axis=1), axis=1) + 1
    capacities = rng.integers(1, 5, 200)

    cases: list[tuple[str, str, Callable[[], Any], str, Callable[[], Any]]] = [
        (
            "T1 majority judgement",
            f"{len(grades):,} × 20, 7 grades",
            lambda: majority_judgement(grades, 7),
            "np.sort of the ballots",
            lambda: np.sort(grades, axis=0),
        ),
        (
            "T2 Schulze",
            f"{len(ranks):,} × 20",
            lambda: schulze(ranks),
            "textbook, pure Python",
            lambda: textbook_schulze(ranks),
        ),
        (
            "T3 equal shares + completion",
            f"{len(approvals):,} × 50, budget ¼ of costs",
            lambda: equal_shares(approvals, costs, budget),
            "greedy rule",
            lambda: pb_greedy(approvals, costs, budget),
        ),
        (
            "T4 allocation, total",
            f"{members} members × 200 items",
            lambda: allocate(preferences, capacities),
            "HiGHS integer programme",
            lambda: milp_allocation(preferences, capacities),
        ),
        (
            "T4 allocation, worst-off",
            f"{members} members × 200 items",
            lambda: allocate(preferences, capacities, objective="worst_off"),
            "objective total",
            lambda: allocate(preferences, capacities),
        ),
    ]
    rows = []
    slow = []
    answers: dict[str, tuple[Any, Any]] = {}
    for label, shape, ours, reference_label, reference in cases:
        ours_s, ours_answer = timed(ours, repeat)
        mem = peak_mb(ours)
        reference_s, reference_answer = timed(reference, repeat)
        answers[label] = (ours_answer, reference_answer)
        ref_s, ratio = f"{reference_s:.3f}", f"{ours_s / reference_s:.3g}"
        within = ours_s < LIMIT_S
        if not within:
            slow.append(label)
        rows.append(
            [label, shape, f"{ours_s:.3f}", f"{mem:.1f}", "yes" if within else "NO",
             reference_label, ref_s, ratio]
        )  # fmt: skip
    es, greedy = answers["T3 equal shares + completion"]
    assignment, milp_value = answers["T4 allocation, total"]
    penalty = float(preferences.sum()) + 1
    same = assignment.total - penalty * (members - assignment.unassigned) == milp_value
    table(
        "Tally module: time of one count (best of "
        f"{repeat}), peak traced memory, and a reference on the same input",
        ["case", "input", "time s", "peak MB", f"< {LIMIT_S:.0f} s", "reference", "ref s", "ratio"],
        rows,
        f"T3: equal shares funded {len(es.selected)} projects for {es.cost:,.0f} of {budget:,}"
        f" (share × {es.share_factor:.2f}); greedy {len(greedy.selected)} for"
        f" {greedy.cost:,.0f}. T4: HiGHS finds the same optimum: {'yes' if same else 'NO'}."
        " Ratio: ours / reference.",
    )
    if slow:
        print(f"over {LIMIT_S:.0f} s: {', '.join(slow)}", file=sys.stderr)
    return 1 if slow and options.strict else 0


if __name__ == "__main__":
    sys.exit(main())
