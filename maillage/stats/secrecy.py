"""Statistical secrecy of the observatory's public figures: primary and secondary suppression.

A public figure must not reveal a single place or a small group of people. Three primary rules
decide which cells are sensitive (`Rules`, `primary_hidden`):

* **minimum frequency** — a figure built from fewer than ``min_places`` (3) places is hidden:
  with one contributor the figure *is* that place's, with two each contributor learns the
  other's by subtraction. This is the threshold rule of business statistics in the practice of
  INSEE and of the European Statistical System (Eurostat, *Handbook on Statistical Disclosure
  Control*, ESSnet SDC, 2010; INSEE, *Guide du secret statistique*, 2018 edition: « au moins
  trois entreprises »);
* **dominance** — a figure where the largest place makes more than ``dominance`` (85 %) of the
  total is hidden: the (n = 1, k = 85 %) dominance rule of the same sources (INSEE applies
  "no unit above 85 % of the cell"), because the total then approximates that one place's value;
* **people counts** — a count of people strictly between 0 and ``min_people`` (11) is hidden:
  the « seuil de 11 » French public statistics use for counts of individuals (the threshold
  below which health and social data are not published, e.g. by the SNDS, the DREES and the
  Insee « données carroyées » which hide squares of fewer than 11 households). A count of 0
  is published: there is nobody to reveal.

**Zero cells.** A cell of value 0 to which no place contributed (``places == 0``) is published
and never chosen as a secondary suppression: the directory of places is public, so anyone
already knows that a territory without places has nothing — hiding it would protect nothing.
A 0 to which one or two places contributed stays hidden by the minimum-frequency rule (it
says what those places did).

**Secondary suppression** (`suppress`): a hidden value must not be recoverable from the
published ones through the additive constraints of the table — a région is the sum of its
départements, a year the sum of its quarters and of its months. The attacker knows the
published values and the constraints ``value[total] = Σ value[parts]``; a hidden cell is
*derivable* when the linear system fixes it, i.e. when every solution of the system gives it
the same value. With ``A`` the constraint matrix restricted to the hidden columns, hidden cell
``j`` is fixed iff the unit vector ``e_j`` lies in the row space of ``A`` (equivalently, every
vector of the null space of ``A`` has a zero ``j``-th component). The test is made per connected
component of hidden cells (two hidden cells are linked when one equation holds both), with a
rank-revealing QR decomposition (column pivoting) of ``Aᵀ``: its first ``rank(A)`` orthonormal
columns span the row space of ``A``, and ``j`` is fixed iff row ``j`` of them has norm 1.
Components are small (a few dozen cells for a territorial hierarchy over 17 periods), so the
dense decomposition is exact to rounding (the entries are 0 and ±1; the tests check it against
exact rational elimination).

The choice of the secondary cells runs in two passes. First, without linear algebra: an
equation holding exactly one hidden cell gives it away, so its published cell of least value
(then of fewest places, then first in input order) is hidden too, and the equations of that
cell are looked at again, until no equation holds a lone hidden cell. Then, while the exact
audit finds a derivable hidden cell, one more published cell is hidden: among the published
cells of the equations that contain the first derivable cell (in input order), the cell of
least value, then of fewest places, then first in input order; when none of those equations
has a published cell, the published cells of every equation of its component are the
candidates. Only the component the new cell joins is audited again; the loop ends at a
fixpoint where nothing hidden is derivable. The choice is deterministic (the same input gives
the same output) and cheap in published information, although not optimal: minimising the
total value suppressed is an integer programme (Hundepool, Domingo-Ferrer, Franconi, Giessing,
Schulte Nordholt, Spicer and de Wolf, *Statistical Disclosure Control*, Wiley, 2012, ch. 4,
"Magnitude tabular data", §4.3 secondary cell suppression), which τ-Argus solves with
dedicated solvers. What is guaranteed here is the property that matters: no hidden value is
*exactly* recoverable by linear combination. Interval (bound) disclosure — narrowing a hidden
value using the non-negativity of the figures — is not protected against.

Place-level cells need not be passed when their places are always hidden (one place is below
every ``min_places`` ≥ 2): a place's values, all hidden, can absorb any change, so the
equations ``territory = Σ places`` then tell nothing beyond the territory's own time equations
(year = Σ quarters = Σ months). The same holds for communes (or any level) whose cells are all
hidden in every period. Passing such cells is allowed and exact but slow: they join the
territories into components of thousands of cells (measured: 3 régions, 12 départements and
their 475 places over 17 periods, 8,347 cells, took 14 s of CPU against 0.01 s for the whole
national table without place cells). Leave them out and publish them as hidden.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.linalg

Constraint = tuple[Hashable, Sequence[Hashable]]

# A hidden cell is fixed when its projection on the row space of the hidden part of the
# system has norm 1; rounding on 0/±1 matrices of a few hundred columns stays far below this.
_FIXED_TOLERANCE = 1e-8


@dataclass(frozen=True)
class Rules:
    """The primary secrecy rules (see the module docstring for their sources)."""

    min_places: int = 3  # fewer contributing places -> hidden
    dominance: float = 0.85  # one place > 85 % of the total -> hidden
    min_people: int = 11  # a count of people below this -> hidden (0 is published)


@dataclass(frozen=True)
class Cell:
    """One figure of a table: its key (opaque here), value and who contributed to it."""

    key: Hashable  # e.g. ("departement", "64", "2026-Q1")
    value: float
    places: int  # number of places that contributed
    # The largest single place's contribution (same unit as value); leave 0 where the
    # dominance rule has no meaning (means, medians and rates are not shares of a total).
    largest: float = 0.0
    counts_people: bool = False


def _known_zero(cell: Cell) -> bool:
    """No place contributed and the value is 0: public knowledge, nothing to protect."""
    return cell.places == 0 and cell.value == 0


def is_sensitive(cell: Cell, rules: Rules = Rules()) -> bool:
    """True when a primary rule hides the cell on its own."""
    if _known_zero(cell):
        return False
    if cell.places < rules.min_places:
        return True
    total = abs(cell.value)
    if total > 0 and abs(cell.largest) > rules.dominance * total:
        return True
    return bool(cell.counts_people and 0 < cell.value < rules.min_people)


def primary_hidden(cells: Iterable[Cell], rules: Rules = Rules()) -> set[Hashable]:
    """The keys of the cells a primary rule hides (fewer places, dominance, few people)."""
    return {cell.key for cell in cells if is_sensitive(cell, rules)}


class _System:
    """The constraints as sparse rows, with the cells of each row and the rows of each cell."""

    def __init__(self, constraints: Sequence[Constraint]) -> None:
        self.rows: list[dict[Hashable, float]] = []
        self.rows_of: dict[Hashable, list[int]] = {}
        for total, parts in constraints:
            row: dict[Hashable, float] = {}
            row[total] = row.get(total, 0.0) + 1.0
            for part in parts:
                row[part] = row.get(part, 0.0) - 1.0
            row = {key: coefficient for key, coefficient in row.items() if coefficient != 0}
            index = len(self.rows)
            self.rows.append(row)
            for key in row:
                self.rows_of.setdefault(key, []).append(index)

    def fixed_in(self, component: Sequence[Hashable], hidden: set[Hashable]) -> list[Hashable]:
        """The cells of one component of hidden cells that the equations fix."""
        columns = {key: position for position, key in enumerate(component)}
        row_indices = sorted({r for key in component for r in self.rows_of.get(key, ())})
        if not row_indices:
            return []
        matrix = np.zeros((len(row_indices), len(component)))
        for position, r in enumerate(row_indices):
            for key, coefficient in self.rows[r].items():
                if key in hidden:
                    matrix[position, columns[key]] = coefficient
        # Rank-revealing QR of the transpose: Aᵀ P = Q R, the first `rank` columns of Q are an
        # orthonormal basis of the row space of A, and row j of them the projection of e_j.
        q, r, _ = scipy.linalg.qr(matrix.T, mode="economic", pivoting=True)
        diagonal = np.abs(np.diag(r))
        scale = diagonal[0] if diagonal.size else 0.0
        tolerance = max(max(matrix.shape) * np.finfo(float).eps * scale, 1e-10)
        rank = int(np.sum(diagonal > tolerance))
        projection = np.sum(q[:, :rank] ** 2, axis=1)
        return [key for key in component if projection[columns[key]] > 1 - _FIXED_TOLERANCE]


class _Components:
    """Union-find over hidden cells, linked by the equations that hold two of them."""

    def __init__(self) -> None:
        self.parent: dict[Hashable, Hashable] = {}
        self.members: dict[Hashable, list[Hashable]] = {}

    def add(self, key: Hashable) -> None:
        if key not in self.parent:
            self.parent[key] = key
            self.members[key] = [key]

    def find(self, key: Hashable) -> Hashable:
        root = key
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[key] != root:
            self.parent[key], key = root, self.parent[key]
        return root

    def union(self, a: Hashable, b: Hashable) -> Hashable:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return ra
        if len(self.members[ra]) < len(self.members[rb]):
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.members[ra].extend(self.members.pop(rb))
        return ra


def _components(
    system: _System, hidden: set[Hashable], order: Mapping[Hashable, int]
) -> _Components:
    components = _Components()
    for key in sorted(hidden, key=lambda k: order.get(k, len(order))):
        components.add(key)
    for row in system.rows:
        keys = [key for key in row if key in hidden]
        for other in keys[1:]:
            components.union(keys[0], other)
    return components


def derivable(
    published: Mapping[Hashable, float],
    hidden: Iterable[Hashable],
    constraints: Sequence[Constraint],
) -> set[Hashable]:
    """The hidden keys whose value the published ones and the constraints determine.

    Keys of the constraints that are neither published nor listed in ``hidden`` count as
    unknown to the reader (like hidden ones) but are not reported. Only the structure matters
    (which cells are known), not the published values themselves.
    """
    system = _System(constraints)
    hidden_set = set(hidden) - set(published)
    unknown = hidden_set | {key for key in system.rows_of if key not in published}
    order = {key: position for position, key in enumerate(system.rows_of)}
    components = _components(system, unknown, order)
    found: set[Hashable] = set()
    for members in components.members.values():
        found.update(system.fixed_in(members, unknown))
    return found & hidden_set


def suppress(
    cells: Sequence[Cell],
    constraints: Sequence[Constraint],
    rules: Rules = Rules(),
) -> set[Hashable]:
    """The keys to hide: the primary-sensitive cells and the secondary suppressions that keep
    every hidden value underivable from the published ones (see the module docstring).

    Every key of ``constraints`` must be the key of a cell. Deterministic.
    """
    by_key: dict[Hashable, Cell] = {}
    order: dict[Hashable, int] = {}
    for position, cell in enumerate(cells):
        if cell.key in by_key:
            raise ValueError(f"two cells have the key {cell.key!r}")
        by_key[cell.key] = cell
        order[cell.key] = position
    system = _System(constraints)
    missing = [key for key in system.rows_of if key not in by_key]
    if missing:
        raise ValueError(f"constraints name keys that are not cells: {missing[:5]!r}")

    hidden = primary_hidden(cells, rules)
    _close_single_equations(system, hidden, by_key, order)
    components = _components(system, hidden, order)
    leaking: dict[Hashable, list[Hashable]] = {}  # root -> fixed cells of that component
    for root, members in components.members.items():
        fixed = system.fixed_in(members, hidden)
        if fixed:
            leaking[root] = fixed

    def rank(key: Hashable) -> tuple[float, int, int]:
        cell = by_key[key]
        return (cell.value, cell.places, order[key])

    while leaking:
        root = min(leaking, key=lambda r: min(order[k] for k in leaking[r]))
        first = min(leaking[root], key=order.__getitem__)
        candidates = _published_in(system, system.rows_of.get(first, ()), hidden, by_key)
        if not candidates:
            rows = {r for key in components.members[root] for r in system.rows_of.get(key, ())}
            candidates = _published_in(system, rows, hidden, by_key)
        if not candidates:
            # The equations alone fix the cell (a total of nothing): public knowledge.
            leaking[root] = [key for key in leaking[root] if key != first]
            if not leaking[root]:
                del leaking[root]
            continue
        chosen = min(candidates, key=rank)
        hidden.add(chosen)
        components.add(chosen)
        touched = {root}
        for r in system.rows_of.get(chosen, ()):
            for key in system.rows[r]:
                if key in hidden and key != chosen:
                    touched.add(components.find(key))
        new_root = chosen
        for other in touched:
            new_root = components.union(new_root, other)
        for old in touched | {chosen}:
            leaking.pop(old, None)
        fixed = system.fixed_in(components.members[new_root], hidden)
        if fixed:
            leaking[new_root] = fixed
    return hidden


def _close_single_equations(
    system: _System,
    hidden: set[Hashable],
    by_key: Mapping[Hashable, Cell],
    order: Mapping[Hashable, int],
) -> None:
    """First pass, without linear algebra: an equation with exactly one hidden cell gives it
    away, so hide its published cell of least value (then fewest places, then first), and look
    again at the equations of that cell, until no equation holds a lone hidden cell."""
    pending = sorted(range(len(system.rows)))
    queued = set(pending)
    position = 0
    while position < len(pending):
        r = pending[position]
        position += 1
        queued.discard(r)
        row = system.rows[r]
        if sum(1 for key in row if key in hidden) != 1:
            continue
        candidates = _published_in(system, (r,), hidden, by_key)
        if not candidates:
            continue
        chosen = min(candidates, key=lambda k: (by_key[k].value, by_key[k].places, order[k]))
        hidden.add(chosen)
        for other in system.rows_of.get(chosen, ()):
            if other not in queued:
                queued.add(other)
                pending.append(other)


def _published_in(
    system: _System,
    row_indices: Iterable[int],
    hidden: set[Hashable],
    by_key: Mapping[Hashable, Cell],
) -> set[Hashable]:
    """The published cells of those rows that hiding would protect (not the known zeros)."""
    return {
        key
        for r in row_indices
        for key in system.rows[r]
        if key not in hidden and not _known_zero(by_key[key])
    }
