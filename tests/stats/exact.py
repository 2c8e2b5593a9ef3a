"""An auditor written apart from `maillage.stats.secrecy`: exact rational elimination.

A hidden cell is fixed by the published cells and the constraints ``total = Σ parts`` iff its
unit vector lies in the row space of the constraint matrix restricted to the hidden columns;
in reduced row echelon form that means one row of the form is exactly that unit vector.
"""

from fractions import Fraction


def fixed_hidden(hidden, constraints):
    """The hidden keys that the published values (every key not in `hidden`) determine."""
    hidden = set(hidden)
    pivots = {}  # pivot column -> reduced row (dict column -> Fraction), rows kept in RREF
    for total, parts in constraints:
        row = {}
        for key, coefficient in [(total, 1), *((part, -1) for part in parts)]:
            if key in hidden:
                row[key] = row.get(key, Fraction(0)) + coefficient
        row = {k: v for k, v in row.items() if v != 0}
        # Reduce by the pivot rows (each is zero at the other pivots' columns).
        changed = True
        while changed:
            changed = False
            for column in list(row):
                if column in pivots and column in row:
                    factor = row[column]
                    for k, v in pivots[column].items():
                        row[k] = row.get(k, Fraction(0)) - factor * v
                    row = {k: v for k, v in row.items() if v != 0}
                    changed = True
        if not row:
            continue
        pivot = min(row, key=repr)
        scale = row[pivot]
        row = {k: v / scale for k, v in row.items()}
        for column, other in pivots.items():
            if pivot in other:
                factor = other[pivot]
                for k, v in row.items():
                    other[k] = other.get(k, Fraction(0)) - factor * v
                pivots[column] = {k: v for k, v in other.items() if v != 0}
        pivots[pivot] = row
    return {column for column, row in pivots.items() if len(row) == 1}
