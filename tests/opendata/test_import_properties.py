"""Property-based tests of CSV parsing: whatever the text, encoding, delimiter or chunking,
the reader gives back what was written, and an export re-imports as unchanged."""

import csv
import io

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from maillage.common.actors import SYSTEM
from maillage.common.encoding import UTF8_SEQUENCE
from maillage.common.tabular import neutralise_cell
from maillage.opendata import reading
from maillage.opendata.reading import open_place_file
from maillage.opendata.services import import_places
from maillage.places.formats import EXPORT_FIELDS
from maillage.places.formats.canonical import CANONICAL_FIELDS, iter_places_csv
from maillage.places.selectors import PlaceFilters, search_places

# Any text a cell can hold: no NUL (csv refuses it) and no lone surrogates (not encodable).
cell_text = st.text(
    st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=30
)
cp1252_text = st.text(
    st.characters(codec="cp1252", exclude_characters="\x00\x81\x8d\x8f\x90\x9d"), max_size=30
)
TEXT_FIELDS = ("source_id", "name", "kinds", "description", "address", "city")


def read_back(data: bytes) -> list[dict]:
    return [row.values for row in open_place_file(io.BytesIO(data))]


def write_csv(rows: list[dict], delimiter: str) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(TEXT_FIELDS)
    for row in rows:
        writer.writerow([neutralise_cell(row[name]) for name in TEXT_FIELDS])
    return buffer.getvalue()


def rows_of(text):
    # A first cell that is not blank, so that no row is skipped as empty.
    row = st.fixed_dictionaries(
        {"source_id": text.filter(str.strip), **dict.fromkeys(TEXT_FIELDS[1:], text)}
    )
    return st.lists(row, min_size=1, max_size=5)


@given(rows=rows_of(cell_text), delimiter=st.sampled_from(",;"), bom=st.booleans())
def test_any_utf8_text_reads_back(rows, delimiter, bom):
    data = write_csv(rows, delimiter).encode("utf-8-sig" if bom else "utf-8")
    assert read_back(data) == rows


@given(rows=rows_of(cp1252_text), delimiter=st.sampled_from(",;"))
def test_any_windows_1252_text_reads_back(rows, delimiter):
    data = write_csv(rows, delimiter).encode("cp1252")
    # Windows-1252 bytes that also form a UTF-8 sequence (a letter of Â-ô followed by symbols
    # of 0x80-0xBF, as in "Ã©") read as UTF-8: no detection can tell, and French text does not
    # have them.
    assume(not UTF8_SEQUENCE.search(data))
    assert read_back(data) == rows


@given(
    rows=rows_of(cell_text),
    chunk_size=st.integers(1, 64),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]),
)
def test_chunk_boundaries_do_not_matter(rows, chunk_size, encoding):
    try:
        data = write_csv(rows, ";").encode(encoding)
    except UnicodeEncodeError:
        assume(False)
    assume(encoding != "cp1252" or not UTF8_SEQUENCE.search(data))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(reading, "CHUNK_SIZE", chunk_size)
        assert read_back(data) == rows


export_row = st.fixed_dictionaries(
    {
        "id": st.integers(1, 10**6),
        "name": cell_text,
        "latitude": st.floats(-90, 90),
        "longitude": st.floats(-180, 180),
        "services": st.lists(cell_text.map(lambda text: text.replace("|", "")), max_size=3),
    }
)


@given(rows=st.lists(export_row, min_size=1, max_size=4))
def test_export_cells_read_back_as_written(rows):
    read = read_back("".join(iter_places_csv(rows)).encode())
    assert set(read[0]) == set(CANONICAL_FIELDS)
    for row, values in zip(rows, read, strict=True):
        assert values["source_id"] == f"maillage:{row['id']}"
        assert values["name"] == row["name"]
        assert float(values["latitude"]) == row["latitude"]
        assert float(values["longitude"]) == row["longitude"]
        assert values["services"] == "|".join(row["services"])


label = st.text(
    st.characters(exclude_categories=("Cs", "Cc"), exclude_characters="|"), min_size=1, max_size=12
)
# No control characters: the validator refuses them (tests/opendata/test_import_limits.py).
words = st.text(st.characters(exclude_categories=("Cs", "Cc")), max_size=60)
IMPORT_HEADER = (
    "source_id",
    "name",
    "kinds",
    "insee_code",
    "latitude",
    "longitude",
    "description",
    "address",
    "services",
    "equipment",
)


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=words,
    description=words,
    address=words,
    services=st.lists(label, max_size=4),
    equipment=st.lists(label, max_size=3),
)
def test_import_export_import_is_unchanged(name, description, address, services, equipment):
    cells = [name, description, address, "|".join(services), "|".join(equipment)]
    source = f"hypothesis-{abs(hash(tuple(cells)))}"
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(IMPORT_HEADER)
    writer.writerow(["1", neutralise_cell(name), "fablab", "64445", "43.3", "-0.37", *cells[1:]])
    first = import_places(
        actor=SYSTEM, source=source, stream=io.BytesIO(buffer.getvalue().encode())
    )
    assume(first.created == 1)  # a name that is blank once cleaned is rightly rejected
    rows = search_places(PlaceFilters(source=source), fields=EXPORT_FIELDS).items
    exported = "".join(iter_places_csv(rows)).encode()
    again = import_places(actor=SYSTEM, source=source, stream=io.BytesIO(exported))
    assert (again.unchanged, again.errors) == (1, [])
