"""CSV and GeoJSON forms of the analyses (downloads and `--format csv`)."""

from maillage.planning import reports

REPORT = {
    "chosen": [
        {"id": "c1", "name": '=HYPERLINK("x")', "latitude": 43.3, "longitude": -0.37, "gain": 10},
        {"id": "c2", "name": "Lescar", "latitude": 43.33, "longitude": -0.43, "gain": 2.5},
    ]
}


def test_csv_cells_that_would_run_as_formulas_are_neutralised():
    assert reports.chosen_csv(REPORT).splitlines() == [
        "rank,id,name,latitude,longitude,gain",
        '1,c1,"\'=HYPERLINK(""x"")",43.3,-0.37,10',
        "2,c2,Lescar,43.33,-0.43,2.5",
    ]


def test_csv_comes_in_chunks_that_add_up():
    zones = [
        {"code": str(i), "name": f"Zone {i}", "population_uncovered": i, "population_total": i}
        for i in range(5)
    ]
    chunks = list(reports.iter_csv(reports.WHITE_ZONE_COLUMNS, zones, chunk=2))
    assert len(chunks) == 3
    assert "".join(chunks).splitlines() == [
        "code,name,population_uncovered,population_total",
        *(f"{i},Zone {i},{i},{i}" for i in range(5)),
    ]


def test_geojson_puts_longitude_first():
    feature = reports.chosen_geojson(REPORT)["features"][1]
    assert feature == {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [-0.43, 43.33]},
        "properties": {"rank": 2, "id": "c2", "name": "Lescar", "gain": 2.5},
    }
