"""The formula-safe CSV writer (maillage.common.tabular)."""

import csv
import doctest
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from maillage.common import tabular
from maillage.common.tabular import iter_csv, neutralise_cell, restore_cell


def test_docstring_examples():
    assert doctest.testmod(tabular).failed == 0


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+33559000000", "'+33559000000"),
        ("- atelier", "'- atelier"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("'=x", "''=x"),
        ("'", "''"),
        ("-0.3708", "-0.3708"),
        ("-5e-05", "-5e-05"),
        ("Pau", "Pau"),
        ("", ""),
    ],
)
def test_formula_cells_are_neutralised_reversibly(value, cell):
    assert neutralise_cell(value) == cell
    assert restore_cell(cell) == value


@given(st.text())
def test_restore_undoes_neutralise_for_every_string(value):
    assert restore_cell(neutralise_cell(value)) == value


@given(st.text())
def test_no_neutralised_cell_starts_with_a_trigger_unless_a_negative_number(value):
    cell = neutralise_cell(value)
    assert not cell.startswith(tabular.FORMULA_TRIGGERS) or tabular.NEGATIVE_NUMBER.fullmatch(cell)


@given(
    st.lists(
        st.lists(
            st.text(st.characters(exclude_characters="\x00")) | st.integers(),
            min_size=2,
            max_size=2,
        ),
        max_size=8,
    ),
    st.integers(min_value=1, max_value=4),
)
def test_chunks_make_one_csv_that_reads_back_the_rows(rows, rows_per_chunk):
    chunks = list(iter_csv(["a", "b"], rows, rows_per_chunk=rows_per_chunk))
    assert all(chunks)
    read = list(csv.reader(io.StringIO("".join(chunks), newline="")))
    assert read[0] == ["a", "b"]
    assert [[restore_cell(cell) for cell in row] for row in read[1:]] == [
        [str(cell) for cell in row] for row in rows
    ]


def test_line_ends_and_empty_cells():
    text = "".join(iter_csv(["a", "b"], [[None, 1.5]], line_end="\n"))
    assert text == "a,b\n,1.5\n"
    assert list(iter_csv(["a"], [])) == ["a\r\n"]
