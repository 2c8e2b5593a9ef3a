"""Hostile import files: each is refused with a clear error, in time and memory proportional to
what a real place file needs (no quadratic check, no unbounded line, no deep recursion)."""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from maillage.accounts.services import create_api_token
from maillage.opendata import reading
from maillage.opendata.reading import ImportFileError, open_place_file
from maillage.places.models import Place
from tests.accounts.factories import AdminFactory
from tests.opendata.test_import_commands import run

HEADER = "source_id,name,kinds,insee_code\n"


class CountingStream(io.BytesIO):
    """A stream that remembers how far it has been read."""

    furthest = 0

    def read(self, size=-1):
        data = super().read(size)
        self.furthest = max(self.furthest, self.tell())
        return data


def file_error(data: bytes) -> ImportFileError:
    with pytest.raises(ImportFileError) as caught:
        list(open_place_file(io.BytesIO(data)))
    return caught.value


def test_a_header_of_100000_names_is_refused_before_any_duplicate_check():
    header = ",".join(f"colonne{n}" for n in range(100_000)).encode()
    error = file_error(header + b"\n")
    assert error.line == 1
    assert "Ligne 1 trop longue" in error.message


def test_a_header_of_too_many_short_names_is_refused():
    header = ",".join(["source_id", "name", "kinds", *(f"c{n}" for n in range(2000))])
    error = file_error(header.encode() + b"\n")
    assert error.message == "2003 colonnes dans l'en-tête : 1000 au plus."


def test_duplicates_are_found_among_many_columns():
    header = ",".join(["source_id", "name", "kinds", *(f"c{n}" for n in range(900)), "c5"])
    assert file_error(header.encode() + b"\n").message == "Colonne « c5 » en double dans l'en-tête."


def test_a_10_mb_header_line_is_refused_after_reading_little_of_it():
    stream = CountingStream(b"source_id,name," + b"x" * 10_000_000 + b"\n1,A\n")
    with pytest.raises(ImportFileError) as caught:
        open_place_file(stream)
    assert caught.value.line == 1
    assert stream.furthest <= reading.MAX_HEADER_CHARS + 2 * reading.CHUNK_SIZE


def test_a_data_line_longer_than_the_limit_is_refused_with_its_line():
    data = (HEADER + "1,A,fablab,64445\n").encode() + b"2," + b"y" * (reading.MAX_LINE_CHARS + 1)
    error = file_error(data)
    assert (error.line, error.message) == (3, "Ligne 3 trop longue : 1048576 caractères au plus.")


def deep_geojson(depth: int) -> bytes:
    feature = "[" * depth + "]" * depth
    return f'{{"type": "FeatureCollection", "features": [{feature}]}}'.encode()


def test_geojson_nested_10000_levels_is_a_file_error():
    error = file_error(deep_geojson(10_000))
    assert error.message == "GeoJSON illisible : objets ou listes imbriqués trop profondément."


@pytest.mark.django_db
def test_the_command_reports_deep_geojson_and_exits_1(tmp_path):
    path = tmp_path / "lieux.geojson"
    path.write_bytes(deep_geojson(10_000))
    code, _out, err = run("import_places", path, "--source", "cli")
    assert code == 1
    assert "imbriqués trop profondément" in err + _out


@pytest.mark.parametrize("chunk_size", [5, reading.CHUNK_SIZE])
def test_utf8_after_windows_1252_is_refused_with_the_line(monkeypatch, chunk_size):
    monkeypatch.setattr(reading, "CHUNK_SIZE", chunk_size)
    data = HEADER.encode() + "1,Fédé,fablab,64445\n".encode("cp1252")
    data += b"2,B,fablab,64445\n" + "3,Été,fablab,64445\n".encode()
    error = file_error(data)
    assert error.line == 4
    assert error.message.startswith("Encodage illisible vers la ligne 4 :")


def test_both_encodings_in_one_line_are_refused():
    data = HEADER.encode() + "1,Fédé".encode("cp1252") + " Été,fablab,64445\n".encode()
    assert file_error(data).line == 2


def test_a_byte_windows_1252_lacks_is_refused_with_the_line():
    data = HEADER.encode() + "1,Fédé,fablab,64445\n".encode("cp1252") + b"2,B\x81,fablab,64445\n"
    error = file_error(data)
    assert error.line == 3
    assert error.message.startswith("Encodage illisible vers la ligne 3 :")


def test_windows_1252_with_typographic_quotes_reads_normally():
    text = HEADER + "1,L’Atelier « Forêt » — 20 €,fablab,64445\n"
    rows = list(open_place_file(io.BytesIO(text.encode("cp1252"))))
    assert rows[0].values["name"] == "L’Atelier « Forêt » — 20 €"


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["\x00\x00", "La\x00Fabrique", "\x1b"])
def test_names_with_control_characters_are_rejected_rows(run_import, name):
    report = run_import(HEADER.strip(), f"1,{name},fablab,64445")
    assert [(error.line, error.field) for error in report.errors] == [(2, "name")]
    assert not Place.objects.exists()


@pytest.mark.django_db
def test_the_api_answers_a_huge_header_with_a_small_report(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    header = ",".join(f"colonne{n}" for n in range(100_000)).encode() + b"\n"
    raw = create_api_token(user=AdminFactory(), name="test")[1]
    response = client.post(
        "/api/v1/imports",
        {"file": SimpleUploadedFile("lieux.csv", header), "source": "api"},
        headers={"Authorization": f"Bearer {raw}"},
    )
    assert response.status_code == 422
    assert len(response.content) < 2000
    errors = json.loads(response.content)["errors"]
    assert [error["field"] for error in errors] == ["__file__"]


@pytest.mark.django_db
def test_a_source_id_with_a_control_character_is_a_rejected_row(run_import):
    report = run_import(HEADER.strip(), "1\x00,La Fabrique,fablab,64445")
    assert [(error.line, error.field) for error in report.errors] == [(2, "source_id")]
    assert not Place.objects.exists()


@pytest.mark.django_db
def test_a_geojson_source_id_with_a_control_character_is_a_rejected_row():
    feature = {
        "type": "Feature",
        "geometry": None,
        "properties": {"source_id": "1\x00", "name": "A", "kinds": "fablab", "insee_code": "64445"},
    }
    data = json.dumps({"type": "FeatureCollection", "features": [feature]}).encode()
    rows = list(open_place_file(io.BytesIO(data)))
    assert [(error.field, error.message[:30]) for error in rows[0].errors] == [
        ("source_id", "Caractère de contrôle interdit")
    ]
