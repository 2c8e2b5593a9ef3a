"""Participatory budgeting (« budget participatif »): approvals of projects with costs, a budget.

Two rules side by side:

- :func:`pb_greedy`, the usual rule: projects by number of approvals, each funded if it still
  fits in what remains of the budget (a project that does not fit is skipped, the next is tried);
- :func:`equal_shares`, the Method of Equal Shares (Peters & Skowron, "Proportional
  participatory budgeting with additive utilities", NeurIPS 2021; equalshares.net), with
  approval utilities (each approved project is worth 1 to its supporters, as equalshares.net
  counts approval ballots). The budget is split equally among the voters; a project can be
  funded only from its supporters' remaining money, and the one funded next is the project
  whose cost, split as equally as their money allows, asks the least of any supporter (ρ, the
  largest payment); a supporter who has less than ρ pays everything they have left.

Completion. Equal shares alone often leaves money unspent. We complete it the way its authors
recommend (equalshares.net, « completion »: increase each voter's share until the outcome would
exceed the budget, then fill greedily): the share is multiplied by a factor found by doubling
steps then bisection to within 1 % (the outcome's cost does not grow monotonically with the
share, so this finds an outcome within the budget near exhaustion, not necessarily the last of
the unit-by-unit « add-one » sequence, which would need a run per unit); what remains is then
filled by the greedy rule. Both steps are reported (``share_factor``, ``funded_by``).

Weights (colleges): greedy counts weighted approvals; equal shares splits the budget in
proportion to the voters' weights instead of equally.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from maillage.tally._arrays import bool_matrix, voter_weights, weighted_column_sums

_EPS = 1e-9


@dataclass(frozen=True)
class BudgetResult:
    """The funded projects, in the order they were chosen, and what they cost."""

    selected: list[int]
    cost: float
    budget: float
    approvals: np.ndarray  # (projects,) approvals (weighted when weighted)
    payments: np.ndarray | None = None  # (voters,) what each voter's share paid (equal shares)
    funded_by: dict[int, str] | None = None  # project → "equal_shares" or "greedy_completion"
    share_factor: float = 1.0  # the completion's multiplier of each voter's share


@dataclass(frozen=True)
class GroupOutcome:
    """What one group of voters gets: their approved projects that were funded."""

    voters: int
    approved: list[int]
    funded: list[int]  # approved and funded
    funded_cost: float  # the cost of those projects
    paid: float | None  # what the group's shares paid (equal shares), None for greedy


def _inputs(approvals: ArrayLike, costs: ArrayLike, budget: float) -> tuple[np.ndarray, np.ndarray]:
    marks = bool_matrix(approvals, "approvals")
    c = np.asarray(costs, dtype=np.float64).reshape(-1)
    if c.shape != (marks.shape[1],):
        raise ValueError(f"costs must have one value per project ({marks.shape[1]})")
    if np.any(c < 0) or not np.all(np.isfinite(c)):
        raise ValueError("costs must be finite and non-negative")
    if budget < 0:
        raise ValueError("budget must not be negative")
    return marks, c


def _greedy_fill(
    order: np.ndarray, costs: np.ndarray, left: float, taken: set[int], support: np.ndarray
) -> list[int]:
    chosen = []
    for project in order:
        p = int(project)
        if p in taken or support[p] <= 0:
            continue
        if costs[p] <= left + _EPS:
            chosen.append(p)
            left -= costs[p]
    return chosen


def _greedy_order(support: np.ndarray, costs: np.ndarray) -> np.ndarray:
    # most approvals first; then the cheaper; then the lower index
    return np.lexsort((np.arange(costs.size), costs, -support))


def pb_greedy(
    approvals: ArrayLike, costs: ArrayLike, budget: float, *, weights: ArrayLike | None = None
) -> BudgetResult:
    """The usual greedy rule: most approved first, each project funded if it still fits.

    ``approvals`` is a 0/1 array (voters × projects), ``costs`` the projects' costs (any unit,
    integer cents for money), ``budget`` in the same unit.

    >>> pb_greedy([[1, 1, 0], [1, 0, 1], [1, 0, 1]], [60, 50, 40], 100).selected
    [0, 2]
    """
    marks, c = _inputs(approvals, costs, budget)
    support = weighted_column_sums(marks, voter_weights(weights, marks.shape[0]))
    chosen = _greedy_fill(_greedy_order(support, c), c, float(budget), set(), support)
    return BudgetResult(chosen, float(c[chosen].sum()), float(budget), support)


def _rho(budgets: np.ndarray, cost: float) -> float:
    """Smallest ρ with Σ min(bᵢ, ρ) ≥ cost (inf when the supporters cannot pay)."""
    m = budgets.size
    if m == 0 or budgets.sum() < cost - _EPS * max(1.0, cost):
        return np.inf
    if cost <= 0:
        return 0.0
    b = np.sort(budgets)
    paid_in_full = np.concatenate([[0.0], np.cumsum(b)[:-1]])
    rhos = (cost - paid_in_full) / (m - np.arange(m))
    k = int(np.argmax(rhos <= b + _EPS))
    return float(rhos[k])


def _equal_shares_run(
    supporters: list[np.ndarray], costs: np.ndarray, shares: np.ndarray, votes: np.ndarray
) -> tuple[list[int], np.ndarray]:
    """One run of the method with the given initial shares: (projects in order, money left)."""
    money = shares.copy()
    remaining = {p for p in range(costs.size) if supporters[p].size}
    # ρ never decreases as supporters spend, so a previous ρ is a lower bound (lazy evaluation)
    bound = {p: costs[p] / supporters[p].size for p in remaining}
    chosen: list[int] = []
    while remaining:
        best: tuple[float, float, float, int] | None = None
        for p in sorted(remaining, key=lambda q: (bound[q], -votes[q], costs[q], q)):
            if best is not None and bound[p] > best[0]:
                break
            rho = _rho(money[supporters[p]], costs[p])
            bound[p] = rho
            if rho == np.inf:
                continue
            key = (rho, -votes[p], costs[p], p)
            if best is None or key < best:
                best = key
        remaining = {p for p in remaining if bound[p] < np.inf}
        if best is None:
            break
        rho, project = best[0], best[3]
        who = supporters[project]
        money[who] -= np.minimum(money[who], rho)
        chosen.append(project)
        remaining.discard(project)
    return chosen, money


def equal_shares(
    approvals: ArrayLike,
    costs: ArrayLike,
    budget: float,
    *,
    weights: ArrayLike | None = None,
    complete: bool = True,
) -> BudgetResult:
    """The Method of Equal Shares (approval utilities), completed as the module says.

    ``approvals`` is a 0/1 array (voters × projects), ``costs`` and ``budget`` in one unit.
    Never spends more than the budget. With ``complete=False``, the plain method.

    The example of equalshares.net's motivation: 51 voters approve ten "red" projects, 49 voters
    ten "blue" ones, each costing 1, with a budget of 10; the greedy rule funds the ten red
    ones, equal shares five of each.

    >>> marks = np.zeros((100, 20), dtype=int); marks[:51, :10] = 1; marks[51:, 10:] = 1
    >>> sorted(equal_shares(marks, np.ones(20), 10).selected)
    [0, 1, 2, 3, 4, 10, 11, 12, 13, 14]
    >>> pb_greedy(marks, np.ones(20), 10).selected
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
    """
    marks, c = _inputs(approvals, costs, budget)
    n_voters = marks.shape[0]
    w = voter_weights(weights, n_voters)
    votes = weighted_column_sums(marks, w).astype(np.float64)
    base = (
        (np.full(n_voters, 1.0 / n_voters) if w is None else w / w.sum())
        if n_voters
        else np.zeros(0)
    )
    if w is not None and w.sum() <= 0:
        raise ValueError("weights must not all be zero")
    supporters = [np.flatnonzero(marks[:, p] & (base > 0)) for p in range(c.size)]
    total = float(budget)

    def run(factor: float) -> tuple[list[int], np.ndarray, float]:
        chosen, money = _equal_shares_run(supporters, c, base * total * factor, votes)
        return chosen, money, float(c[chosen].sum())

    def exhaustive(chosen: list[int], spent: float) -> bool:
        left = total - spent
        return not any(
            c[p] <= left + _EPS for p in range(c.size) if p not in set(chosen) and votes[p] > 0
        )

    chosen, money, spent = run(1.0)
    factor = 1.0
    if complete and n_voters and not exhaustive(chosen, spent):
        low, high, step = 1.0, None, 0.125
        for _ in range(30):  # doubling steps: find a share that overspends (or exhausts)
            trial = low + step
            t_chosen, t_money, t_spent = run(trial)
            if t_spent > total + _EPS:
                high = trial
                break
            low, chosen, money, spent = trial, t_chosen, t_money, t_spent
            if exhaustive(chosen, spent):
                break
            step *= 2
        while high is not None and high - low > 0.01 * low:  # bisection to within 1 %
            trial = (low + high) / 2
            t_chosen, t_money, t_spent = run(trial)
            if t_spent > total + _EPS:
                high = trial
            else:
                low, chosen, money, spent = trial, t_chosen, t_money, t_spent
        factor = low
    funded_by = dict.fromkeys(chosen, "equal_shares")
    if complete:
        extra = _greedy_fill(_greedy_order(votes, c), c, total - spent, set(chosen), votes)
        funded_by.update(dict.fromkeys(extra, "greedy_completion"))
        chosen = chosen + extra
    payments = base * total * factor - money
    return BudgetResult(chosen, float(c[chosen].sum()), total, votes, payments, funded_by, factor)


def outcome_by_group(
    approvals: ArrayLike,
    result: BudgetResult,
    costs: ArrayLike,
    groups: ArrayLike | None = None,
) -> list[GroupOutcome]:
    """What each group of voters gets. Without ``groups`` (an integer label per voter), voters
    with the same ballot form a group; groups come in order of their first voter.

    >>> marks = [[1, 0], [1, 0], [0, 1]]
    >>> [(g.voters, g.funded) for g in outcome_by_group(marks, pb_greedy(marks, [5, 5], 5), [5, 5])]
    [(2, [0]), (1, [])]
    """
    marks = bool_matrix(approvals, "approvals")
    c = np.asarray(costs, dtype=np.float64).reshape(-1)
    if groups is None:
        _, first, labels = np.unique(marks, axis=0, return_index=True, return_inverse=True)
        labels = labels.reshape(-1)
        order = np.argsort(first)
    else:
        labels = np.asarray(groups, dtype=np.int64).reshape(-1)
        uniques, first = np.unique(labels, return_index=True)
        labels = np.searchsorted(uniques, labels)
        order = np.argsort(first)
    selected = np.zeros(c.size, dtype=bool)
    selected[result.selected] = True
    outcomes = []
    for group in order:
        members = labels == group
        approved = np.flatnonzero(marks[members].any(axis=0))
        funded = approved[selected[approved]]
        paid = None if result.payments is None else float(result.payments[members].sum())
        outcomes.append(
            GroupOutcome(
                voters=int(members.sum()),
                approved=[int(p) for p in approved],
                funded=[int(p) for p in funded],
                funded_cost=float(c[funded].sum()),
                paid=paid,
            )
        )
    return outcomes
