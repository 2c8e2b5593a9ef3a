"""CSV written for people who open it in a spreadsheet: cells that would run as formulas are
neutralised, and the import removes the neutralising prefix again. Imports nothing from Django,
so any module may use it.

Spreadsheets evaluate a cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return
(OWASP, "CSV Injection"): a place named `=HYPERLINK("http://…")` would otherwise become a link
in the reader's spreadsheet. Such cells get a `'` in front, which spreadsheets show as text and
`restore_cell` removes on import; a cell already starting with `'` gets one too, so the escape
is reversible for every string. Negative numbers stay as they are: they cannot carry a formula,
and a longitude west of Greenwich must stay a number in the spreadsheet.

>>> "".join(iter_csv(["name", "longitude"], [["=1+1", -0.37]]))
"name,longitude\\r\\n'=1+1,-0.37\\r\\n"
"""

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
ESCAPE = "'"
NEGATIVE_NUMBER = re.compile(r"-\d+(\.\d+)?([eE][-+]?\d+)?")


def neutralise_cell(value: str) -> str:
    """Prefix `'` to a cell a spreadsheet would run as a formula; `restore_cell` undoes it.

    >>> neutralise_cell("=HYPERLINK(1)"), neutralise_cell("-0.37"), neutralise_cell("Pau")
    ("'=HYPERLINK(1)", '-0.37', 'Pau')
    >>> neutralise_cell("'quoted")
    "''quoted"
    """
    if value.startswith((*FORMULA_TRIGGERS, ESCAPE)) and not NEGATIVE_NUMBER.fullmatch(value):
        return ESCAPE + value
    return value


def restore_cell(value: str) -> str:
    """Remove the `'` that `neutralise_cell` (or a similar exporter) put before a trigger:
    `restore_cell(neutralise_cell(v)) == v` for every string.

    >>> restore_cell("'=HYPERLINK(1)"), restore_cell("'Pau"), restore_cell("''quoted")
    ('=HYPERLINK(1)', "'Pau", "'quoted")
    """
    if value.startswith(ESCAPE) and value[1:2] and value[1] in (*FORMULA_TRIGGERS, ESCAPE):
        return value[1:]
    return value


def iter_csv(
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    rows_per_chunk: int = 1,
    line_end: str = "\r\n",
) -> Iterator[str]:
    """CSV text of `header` then `rows`, `rows_per_chunk` rows a piece (for streaming).

    String cells are neutralised; other values are written as `csv.writer` writes them (None
    as an empty cell, numbers with `str`). RFC 4180 quoting; `line_end` is RFC 4180's CRLF by
    default.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=line_end)
    writer.writerow(header)
    for count, row in enumerate(rows, 1):
        writer.writerow([neutralise_cell(cell) if isinstance(cell, str) else cell for cell in row])
        if count % rows_per_chunk == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()


# French Excel reads a CSV without a byte-order mark as Windows-1252 (« Pyrénées » becomes
# « PyrÃ©nÃ©es »); with one it reads UTF-8. Files offered to people carry it; the importer
# (common.encoding) reads it back, and API exports for programs go without it.
BYTE_ORDER_MARK = "\ufeff"


def with_byte_order_mark(chunks: Iterable[str]) -> Iterator[str]:
    """`chunks` (CSV text, piece by piece) preceded by the UTF-8 byte-order mark.

    >>> "".join(with_byte_order_mark(["a,b\\r\\n"])).encode()[:3]
    b'\\xef\\xbb\\xbf'
    """
    yield BYTE_ORDER_MARK
    yield from chunks
