"""Primary and secondary suppression (maillage.stats.secrecy), checked by an exact auditor."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.stats_bench import national_table
from maillage.stats.secrecy import Cell, Rules, derivable, primary_hidden, suppress

from .exact import fixed_hidden


def published_of(cells, hidden):
    return {cell.key: cell.value for cell in cells if cell.key not in hidden}


# --- primary rules -----------------------------------------------------------------------------


def test_fewer_than_three_places_is_hidden():
    cells = [Cell("a", 10, 2, 6), Cell("b", 10, 3, 4), Cell("c", 10, 1, 10)]
    assert primary_hidden(cells) == {"a", "c"}


def test_one_place_above_85_percent_is_hidden():
    cells = [Cell("dominated", 100, 5, 86), Cell("at_limit", 100, 5, 85), Cell("even", 100, 5, 20)]
    assert primary_hidden(cells) == {"dominated"}


def test_dominance_does_not_apply_without_a_largest_contribution():
    # A mean or a rate is no share of a total: the caller leaves `largest` at 0.
    assert primary_hidden([Cell("occupancy", 0.4, 7)]) == set()


def test_people_counts_below_eleven_are_hidden_but_zero_is_published():
    cells = [
        Cell("five", 5, 4, 2, counts_people=True),
        Cell("ten", 10, 4, 3, counts_people=True),
        Cell("eleven", 11, 4, 3, counts_people=True),
        Cell("zero", 0, 4, 0, counts_people=True),
        Cell("five_hours", 5, 4, 2),  # not people: the threshold does not apply
    ]
    assert primary_hidden(cells) == {"five", "ten"}


def test_a_zero_without_places_is_published_a_zero_from_two_places_is_not():
    cells = [
        Cell("empty", 0, 0),
        Cell("two_zeros", 0, 2),
        Cell("few_people", 0, 0, counts_people=True),
    ]
    assert primary_hidden(cells) == {"two_zeros"}


def test_the_rules_can_be_changed():
    cells = [Cell("a", 10, 4, 8), Cell("b", 30, 5, 3, counts_people=True)]
    assert primary_hidden(cells, Rules(min_places=5, dominance=0.9, min_people=50)) == {"a", "b"}


# --- secondary suppression: literal cases ------------------------------------------------------


def test_a_lone_hidden_part_takes_the_smallest_published_part_with_it():
    cells = [
        Cell("T", 100, 12, 20),
        Cell("A", 50, 5, 10),
        Cell("B", 30, 4, 10),
        Cell("C", 18, 3, 10),
        Cell("D", 2, 1, 2),  # one place: primary
    ]
    hidden = suppress(cells, [("T", ["A", "B", "C", "D"])])
    assert hidden == {"D", "C"}
    assert derivable(published_of(cells, hidden), hidden, [("T", ["A", "B", "C", "D"])]) == set()


def test_ties_on_value_go_to_fewer_places_then_input_order():
    cells = [
        Cell("T", 100, 20),
        Cell("A", 30, 9),
        Cell("B", 30, 4),
        Cell("C", 30, 4),
        Cell("D", 10, 2),
    ]
    assert suppress(cells, [("T", ["A", "B", "C", "D"])]) == {"D", "B"}


def test_the_year_minus_the_other_quarters_does_not_reveal_a_quarter():
    quarters = [Cell(f"Q{q}", v, p) for q, v, p in [(1, 40, 5), (2, 3, 2), (3, 25, 5), (4, 32, 6)]]
    cells = [Cell("Y", 100, 7), *quarters]
    hidden = suppress(cells, [("Y", ["Q1", "Q2", "Q3", "Q4"])])
    assert hidden == {"Q2", "Q3"}


def test_hierarchy_and_time_together():
    # A région of two départements over a year of two halves; one département-half is small.
    def cell(key, value, places):
        return Cell(key, value, places)

    cells = [
        cell(("R", "Y"), 200, 10),
        cell(("R", "H1"), 90, 10),
        cell(("R", "H2"), 110, 10),
        cell(("D1", "Y"), 120, 6),
        cell(("D1", "H1"), 50, 6),
        cell(("D1", "H2"), 70, 6),
        cell(("D2", "Y"), 80, 4),
        cell(("D2", "H1"), 40, 2),
        cell(("D2", "H2"), 40, 4),
    ]
    constraints = [
        *(((t, "Y"), [(t, "H1"), (t, "H2")]) for t in ("R", "D1", "D2")),
        *((("R", h), [("D1", h), ("D2", h)]) for h in ("Y", "H1", "H2")),
    ]
    hidden = suppress(cells, constraints)
    # The small cell, its complement in time and in space, and the cell closing the rectangle.
    assert hidden == {("D2", "H1"), ("D2", "H2"), ("D1", "H1"), ("D1", "H2")}
    assert fixed_hidden(hidden, constraints) == set()


def test_known_zeros_are_never_chosen_to_protect_a_cell():
    cells = [Cell("T", 20, 4), Cell("A", 0, 0), Cell("B", 5, 1), Cell("C", 15, 3)]
    hidden = suppress(cells, [("T", ["A", "B", "C"])])
    assert hidden == {"B", "C"}


def test_derivable_reports_what_the_published_cells_give_away():
    constraints = [("T", ["A", "B", "C"])]
    assert derivable({"T": 10, "A": 3}, ["B", "C"], constraints) == set()
    assert derivable({"T": 10, "A": 3, "B": 4}, ["C"], constraints) == {"C"}
    # A key neither published nor hidden is unknown to the reader.
    assert derivable({"T": 10, "A": 3}, ["B"], constraints) == set()


def test_constraints_must_name_cells():
    with pytest.raises(ValueError, match="not cells"):
        suppress([Cell("T", 1, 5)], [("T", ["A"])])


# --- the bridge: two cycles joined by one cell ---------------------------------------------------


def bridge_table():
    """A 4 × 4 table with row, column and grand totals. Hidden (primary): a 2 × 2 rectangle in
    rows 1–2 × columns 1–2, another in rows 3–4 × columns 3–4, and the one cell (2, 3) joining
    them. Every equation holds 0 or at least 2 hidden cells, which a per-equation check takes
    for safe; yet (row 1 + row 2) − (column 1 + column 2) isolates cell (2, 3)."""
    small = {(1, 1), (1, 2), (2, 1), (2, 2), (3, 3), (3, 4), (4, 3), (4, 4), (2, 3)}
    cells = []
    values = {}
    for i in range(1, 5):
        for j in range(1, 5):
            values[i, j] = 5 if (i, j) in small else 50 + 10 * i + j
            cells.append(Cell(("x", i, j), values[i, j], 1 if (i, j) in small else 9))
    for i in range(1, 5):
        cells.append(Cell(("row", i), sum(values[i, j] for j in range(1, 5)), 30))
    for j in range(1, 5):
        cells.append(Cell(("col", j), sum(values[i, j] for i in range(1, 5)), 30))
    cells.append(Cell("all", sum(values.values()), 120))
    constraints = [
        *((("row", i), [("x", i, j) for j in range(1, 5)]) for i in range(1, 5)),
        *((("col", j), [("x", i, j) for i in range(1, 5)]) for j in range(1, 5)),
        ("all", [("row", i) for i in range(1, 5)]),
        ("all", [("col", j) for j in range(1, 5)]),
    ]
    return cells, constraints, {("x", i, j) for i, j in small}


def test_the_bridge_is_caught():
    cells, constraints, primary = bridge_table()
    assert primary_hidden(cells) == primary
    for total, parts in constraints:  # what a per-equation greedy looks at
        assert sum(key in primary for key in [total, *parts]) != 1
    assert fixed_hidden(primary, constraints) == {("x", 2, 3)}
    assert derivable(published_of(cells, primary), primary, constraints) == {("x", 2, 3)}
    hidden = suppress(cells, constraints)
    assert hidden > primary
    assert fixed_hidden(hidden, constraints) == set()


# --- the property: random hierarchies × time ------------------------------------------------------


@st.composite
def tables(draw):
    """France → régions → départements → places, × year → quarters → months; place values per
    month drawn, every other cell their sum, with its places and largest contribution."""
    regions = draw(st.integers(1, 3))
    tree = {}  # territory key -> children keys
    places = []
    tree["FR"] = []
    for r in range(regions):
        region = f"R{r}"
        tree["FR"].append(region)
        tree[region] = []
        for d in range(draw(st.integers(1, 3))):
            dep = f"{region}D{d}"
            tree[region].append(dep)
            tree[dep] = []
            for p in range(draw(st.integers(0, 3))):
                place = f"{dep}P{p}"
                tree[dep].append(place)
                places.append(place)
    quarters = draw(st.integers(1, 3))
    months_per_quarter = draw(st.integers(1, 3))
    periods = {"Y": [f"Q{q}" for q in range(quarters)]}
    months = []
    for q in range(quarters):
        periods[f"Q{q}"] = [f"Q{q}M{m}" for m in range(months_per_quarter)]
        months.extend(periods[f"Q{q}"])
    people = draw(st.booleans())
    monthly = {
        (place, month): draw(st.sampled_from([0, 0, 1, 3, 7, 12, 40, 150]))
        for place in places
        for month in months
    }

    def leaves(node):
        return [node] if node in places else [p for c in tree[node] for p in leaves(c)]

    def months_of(period):
        return [period] if period in months else [m for c in periods[period] for m in months_of(c)]

    territories = list(tree) + places
    all_periods = ["Y", *(f"Q{q}" for q in range(quarters)), *months]
    cells = []
    for territory in territories:
        below = leaves(territory)
        for period in all_periods:
            contributions = [sum(monthly[p, m] for m in months_of(period)) for p in below]
            cells.append(
                Cell(
                    (territory, period),
                    float(sum(contributions)),
                    len(below),
                    float(max(contributions, default=0)),
                    counts_people=people,
                )
            )
    constraints = []
    for territory in territories:
        for period, parts in periods.items():
            constraints.append(((territory, period), [(territory, p) for p in parts]))
        if territory in tree:
            for period in all_periods:
                constraints.append(((territory, period), [(c, period) for c in tree[territory]]))
    return cells, constraints


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_no_hidden_value_can_be_derived(table):
    cells, constraints = table
    hidden = suppress(cells, constraints)
    assert primary_hidden(cells) <= hidden
    assert fixed_hidden(hidden, constraints) == set()
    known_zeros = {cell.key for cell in cells if cell.places == 0 and cell.value == 0}
    assert not hidden & known_zeros
    # The auditor the module exports agrees with the exact one.
    assert derivable(published_of(cells, hidden), hidden, constraints) == set()
    assert suppress(cells, constraints) == hidden  # deterministic


@settings(max_examples=60, deadline=None)
@given(tables(), st.randoms(use_true_random=False))
def test_the_auditor_agrees_with_exact_elimination(table, rnd):
    cells, constraints = table
    hidden = {cell.key for cell in cells if rnd.random() < 0.3}
    assert derivable(published_of(cells, hidden), hidden, constraints) == fixed_hidden(
        hidden, constraints
    )


def test_full_scale_hides_what_it_must():
    """101 départements in 18 régions, ~5,000 places, 17 periods (year, 4 quarters, 12
    months), the national table of the benchmark (`python -m benchmarks.stats_bench` prints
    its CPU time; speed is not asserted here)."""
    cells, constraints = national_table()
    hidden = suppress(cells, constraints)
    assert len(cells) == 2040
    assert primary_hidden(cells) < hidden
    assert derivable(published_of(cells, hidden), hidden, constraints) == set()
