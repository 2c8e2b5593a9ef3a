"""A 100,000-row file imports in one go (the benchmark, `make bench`, measures its speed)."""

import pytest

from maillage.common.actors import SYSTEM
from maillage.opendata.services import import_places
from maillage.places.models import Label, Place, PlaceKindLink

pytestmark = pytest.mark.django_db

ROWS = 100_000
KINDS = ("fablab", "coworking", "repair_cafe", "tool_library", "cultural")
COMMUNES = (("64445", "64000", "Pau"), ("64348", "64230", "Lescar"), ("64102", "64100", "Bayonne"))


def write_file(path, rows: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as file:
        file.write(
            "source_id;name;kinds;insee_code;postal_code;city;latitude;longitude;services;"
            "opening_hours\r\n"
        )
        for index in range(rows):
            insee_code, postal_code, city = COMMUNES[index % len(COMMUNES)]
            # One row in ten has no coordinates: it is placed at its commune's centre.
            latitude, longitude = ("", "") if index % 10 == 0 else (f"43.{index:06d}", "-0,37")
            file.write(
                f"L{index};Tiers-lieu n°{index};{KINDS[index % 5]}|coworking;{insee_code};"
                f"{postal_code};{city};{latitude};{longitude};Wifi|Atelier {index % 50};"
                '"Mo-Fr 09:00-18:00; PH off"\r\n'
            )


def test_100000_rows(tmp_path):
    path = tmp_path / "lieux.csv"
    write_file(path, ROWS)
    progress = []
    report = import_places(actor=SYSTEM, source="grand", path=path, progress=progress.append)
    assert (report.created, report.updated, report.unchanged, report.rejected) == (ROWS, 0, 0, 0)
    assert report.errors == []
    assert progress[-1] == ROWS
    assert len(progress) == ROWS // 1000 + 1
    assert Place.objects.filter(source="grand").count() == ROWS
    assert PlaceKindLink.objects.count() == ROWS * 2 - ROWS // 5  # coworking|coworking is one
    assert Label.objects.filter(category="service").count() == 51
    assert Place.objects.filter(location_precision="commune").count() == ROWS // 10
    assert Place.objects.values("slug").distinct().count() == ROWS
