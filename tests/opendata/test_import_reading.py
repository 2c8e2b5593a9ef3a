"""The reading step: format, encoding and delimiter detection, streaming, raw rows."""

import io
import json

import pytest

from maillage.opendata import reading
from maillage.opendata.reading import ImportFileError, open_place_file

CSV = "source_id,name,kinds\r\n"


def rows_of(data: bytes):
    place_file = open_place_file(io.BytesIO(data))
    return place_file, list(place_file)


@pytest.fixture
def tiny_chunks(monkeypatch):
    """Chunks of a few bytes, so that every boundary case of the streaming decoders occurs."""
    monkeypatch.setattr(reading, "CHUNK_SIZE", 5)


def test_csv_rows_carry_their_line_and_canonical_values():
    place_file, rows = rows_of((CSV + "1,La Fabrique,fablab\r\n2,Le Cowork,coworking\r\n").encode())
    assert place_file.format == "csv"
    assert [(row.line, row.values) for row in rows] == [
        (2, {"source_id": "1", "name": "La Fabrique", "kinds": "fablab"}),
        (3, {"source_id": "2", "name": "Le Cowork", "kinds": "coworking"}),
    ]


def test_header_names_are_trimmed_and_case_insensitive():
    _, rows = rows_of(b" Source_ID ; NAME ;Kinds\n1;A;fablab\n")
    assert rows[0].values == {"source_id": "1", "name": "A", "kinds": "fablab"}


def test_multi_line_cells_keep_physical_line_numbers():
    data = CSV + '1,"La\r\nFabrique",fablab\r\n2,B,fablab\r\n'
    _, rows = rows_of(data.encode())
    assert [row.line for row in rows] == [2, 4]
    assert rows[0].values["name"] == "La\r\nFabrique"


def test_blank_rows_are_skipped():
    _, rows = rows_of((CSV + "\r\n,,\r\n1,A,fablab\r\n;;\r\n").encode())
    assert [row.line for row in rows] == [4, 5]  # ";;" is one cell of text with "," delimiter


def test_extra_cells_are_a_row_error():
    _, rows = rows_of((CSV + "1,A,fablab,surplus\r\n2,B,fablab,\r\n").encode())
    assert [error.field for error in rows[0].errors] == ["__row__"]
    assert rows[1].errors == []


def test_missing_cells_are_empty():
    _, rows = rows_of((CSV + "1,A\r\n").encode())
    assert rows[0].values["kinds"] == ""


def test_duplicate_column_is_a_file_error():
    with pytest.raises(ImportFileError) as caught:
        open_place_file(io.BytesIO(b"source_id,name,kinds,name\n"))
    assert caught.value.line == 1


def test_utf16_is_refused_with_advice():
    with pytest.raises(ImportFileError, match="UTF-16"):
        open_place_file(io.BytesIO(CSV.encode("utf-16")))


@pytest.mark.usefixtures("tiny_chunks")
def test_windows_1252_decided_late_in_the_file():
    data = (CSV + "".join(f"{i},Lieu {i},fablab\r\n" for i in range(50))).encode("cp1252")
    data += "99,Fédération,fablab\r\n".encode("cp1252")
    _, rows = rows_of(data)
    assert rows[-1].values["name"] == "Fédération"


@pytest.mark.usefixtures("tiny_chunks")
def test_utf8_sequences_cut_by_chunk_boundaries():
    names = ["Été", "Œuvre", "Forêt", "Ça", "Lieu 🌳"]
    data = (CSV + "".join(f"{i},{name},fablab\r\n" for i, name in enumerate(names))).encode()
    _, rows = rows_of(data)
    assert [row.values["name"] for row in rows] == names


@pytest.mark.usefixtures("tiny_chunks")
def test_invalid_bytes_after_utf8_was_detected_are_a_file_error_with_their_line():
    data = (CSV + "1,Été,fablab\r\n").encode() + "2,Fédé,fablab\r\n".encode("cp1252")
    place_file = open_place_file(io.BytesIO(data))
    with pytest.raises(ImportFileError) as caught:
        list(place_file)
    assert caught.value.line == 3


class CountingStream(io.BytesIO):
    """A stream that remembers how far it has been read."""

    def read(self, size=-1):
        data = super().read(size)
        self.furthest = self.tell()
        return data


def test_rows_are_streamed_not_read_whole():
    data = (CSV + "".join(f"{i},Lieu {i},fablab\r\n" for i in range(200_000))).encode()
    stream = CountingStream(data)
    rows = iter(open_place_file(stream))
    next(rows)
    assert stream.furthest < 2 * reading.CHUNK_SIZE < len(data) / 10


def feature(source_id, **properties):
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [-0.37, 43.3]},
        "properties": {"source_id": source_id, **properties},
    }


@pytest.mark.usefixtures("tiny_chunks")
def test_geojson_streamed_in_any_key_order():
    document = {"features": [feature("a", name="Été"), feature("b")], "type": "FeatureCollection"}
    place_file, rows = rows_of(b"\n  " + json.dumps(document, ensure_ascii=False).encode())
    assert place_file.format == "geojson"
    assert [(row.line, row.values["source_id"]) for row in rows] == [(1, "a"), (2, "b")]
    assert rows[0].values["latitude"] == 43.3
    assert rows[0].values["longitude"] == -0.37


def test_geojson_from_our_export_does_not_warn_about_its_extra_properties():
    extra = {"id": 1, "slug": "a", "url": "/lieux/a/", "location_precision": "exact"}
    document = {"type": "FeatureCollection", "features": [feature("a", **extra, colour="red")]}
    place_file, _ = rows_of(json.dumps(document).encode())
    assert place_file.unknown_fields == ["colour"]


def test_geojson_commune_centred_feature_is_read_without_coordinates():
    document = {
        "type": "FeatureCollection",
        "features": [feature("a", insee_code="64445", location_precision="commune")],
    }
    _, rows = rows_of(json.dumps(document).encode())
    assert "latitude" not in rows[0].values


@pytest.mark.parametrize(
    "text",
    [
        '{"type": "FeatureCollection", "features": [{"type": "Feature"},,]}',
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}}',
        '{"type": "FeatureCollection", "features": []} trailing',
        '{"type": "FeatureCollection"}',
        '{"type": "Topology", "features": []}',
    ],
)
def test_malformed_geojson_is_a_file_error(text):
    with pytest.raises(ImportFileError):
        list(open_place_file(io.BytesIO(text.encode())))


def test_empty_feature_collection_has_no_rows():
    _, rows = rows_of(b'{"type": "FeatureCollection", "features": []}')
    assert rows == []
