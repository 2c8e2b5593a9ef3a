"""Population readers: INSEE grid, lat/lon CSV, shipped communes."""

import gzip

import numpy as np
import pytest

from maillage.analysis import (
    SHIPPED_TERRITORIES_PATH,
    parse_cell_ids,
    read_filosofi_csv,
    read_latlon_csv,
    read_population_csv,
    read_shipped_communes,
)

FILOSOFI = (
    "idcar_200m,idcar_1km,i_est_200,ind,men\n"
    "CRS3035RES200mN2042800E4250600,CRS3035RES1000mN2042000E4250000,1,12.5,5\n"
    "CRS3035RES200mN2900000E3700000,CRS3035RES1000mN2900000E3700000,0,3,1\n"
)


def test_parse_cell_ids():
    x, y, size = parse_cell_ids(
        [
            "CRS3035RES200mN2042800E4250600",
            "CRS3035RES1000mN2042000E4250000",
            "CRS3035RES200mN2900000E3700000",
        ]
    )
    assert x.tolist() == [4250600.0, 4250000.0, 3700000.0]
    assert y.tolist() == [2042800.0, 2042000.0, 2900000.0]
    assert size.tolist() == [200.0, 1000.0, 200.0]


def test_parse_cell_ids_rejects_other_systems_and_garbage():
    with pytest.raises(ValueError, match="EPSG:5490"):
        parse_cell_ids(["CRS5490RES200mN1800000E700000"])
    with pytest.raises(ValueError, match="not an INSEE grid cell id"):
        parse_cell_ids(["CRS3035RES200mN2042800E4250600", "hello"])


def test_read_filosofi_comma(tmp_path):
    path = tmp_path / "grid.csv"
    path.write_text(FILOSOFI)
    pts = read_filosofi_csv(path)
    assert pts.crs == "metric"
    # Centres: half a cell (100 m) north and east of the south-west corners.
    assert pts.coords.tolist() == [[4250700.0, 2042900.0], [3700100.0, 2900100.0]]
    assert pts.population.tolist() == [12.5, 3.0]
    assert pts.ids.tolist() == [
        b"CRS3035RES200mN2042800E4250600",
        b"CRS3035RES200mN2900000E3700000",
    ]
    assert read_filosofi_csv(path, with_ids=False).ids is None


def test_read_filosofi_semicolon_quotes_crlf_decimal_comma_gzip(tmp_path):
    text = (
        '"IdCar_200m";"Ind";"lcog_geo"\r\n'
        '"CRS3035RES200mN2042800E4250600";"12,5";"64445"\r\n'
        "\r\n"
        '"CRS3035RES200mN2900000E3700000";"3";"75056"\r\n'
    )
    path = tmp_path / "grid.csv.gz"
    with gzip.open(path, "wt", newline="") as f:
        f.write(text)
    pts = read_filosofi_csv(path)
    assert pts.population.tolist() == [12.5, 3.0]
    assert pts.coords[1].tolist() == [3700100.0, 2900100.0]


def test_read_filosofi_without_trailing_newline_and_with_a_quoted_comma(tmp_path):
    """A quoted delimiter sends the file to the csv module; the answer is the same."""
    path = tmp_path / "grid.csv"
    path.write_text(
        'idcar_200m,ind,note\nCRS3035RES200mN2042800E4250600,1.5,"a, b"\n'
        "CRS3035RES200mN2042800E4250800,2,c"
    )
    pts = read_filosofi_csv(path)
    assert pts.population.tolist() == [1.5, 2.0]
    assert pts.coords[:, 0].tolist() == [4250700.0, 4250900.0]


def test_read_filosofi_errors(tmp_path):
    path = tmp_path / "grid.csv"
    path.write_text("idcar_200m,men\nCRS3035RES200mN2042800E4250600,3\n")
    with pytest.raises(ValueError, match="missing column"):
        read_filosofi_csv(path)
    path.write_text("idcar_200m,ind\nCRS3035RES200mN2042800E4250600,abc\n")
    with pytest.raises(ValueError, match="not a number"):
        read_filosofi_csv(path)


def test_read_filosofi_many_rows_in_chunks(tmp_path, monkeypatch):
    """Rows are split across chunks without loss (tiny chunks force many boundaries)."""
    from maillage.analysis import population

    monkeypatch.setattr(population, "_CHUNK_BYTES", 100)
    rows = [f"CRS3035RES200mN{2000000 + 200 * i}E{3000000 + 200 * i},{i}.25" for i in range(500)]
    path = tmp_path / "grid.csv"
    path.write_text("idcar_200m,ind\n" + "\n".join(rows) + "\n")
    pts = read_filosofi_csv(path)
    assert len(pts) == 500
    np.testing.assert_array_equal(pts.population, np.arange(500) + 0.25)
    np.testing.assert_array_equal(pts.coords[:, 1], 2000100 + 200 * np.arange(500))


def test_read_latlon_csv(tmp_path):
    path = tmp_path / "pop.csv"
    path.write_text("population,latitude,longitude,id,name\n77000,43.2951,-0.3708,64445,Pau\n")
    pts = read_latlon_csv(path)
    assert pts.crs == "latlon"
    assert pts.coords.tolist() == [[43.2951, -0.3708]]
    assert pts.population.tolist() == [77000.0]
    assert pts.ids.tolist() == ["64445"]


def test_read_latlon_csv_without_ids_and_with_semicolons(tmp_path):
    path = tmp_path / "pop.csv"
    path.write_text("latitude;longitude;population\n43,5;-0,5;10\n")
    pts = read_latlon_csv(path)
    assert pts.ids is None
    assert pts.coords.tolist() == [[43.5, -0.5]]


def test_read_latlon_csv_header_only(tmp_path):
    path = tmp_path / "pop.csv"
    path.write_text("id,latitude,longitude,population\n")
    assert len(read_latlon_csv(path)) == 0


def test_read_population_csv_recognises_both_kinds(tmp_path):
    grid = tmp_path / "grid.csv"
    grid.write_text(FILOSOFI)
    plain = tmp_path / "pop.csv"
    plain.write_text("id,latitude,longitude,population\na,43.3,-0.37,5\n")
    other = tmp_path / "other.csv"
    other.write_text("a,b\n1,2\n")
    assert read_population_csv(grid).crs == "metric"
    assert read_population_csv(plain).crs == "latlon"
    with pytest.raises(ValueError, match="expected columns"):
        read_population_csv(other)


SHIPPED_SAMPLE = (
    "level,code,name,population,latitude,longitude,location_precision,departement,region,"
    "epci,postal_codes\n"
    "region,75,Nouvelle-Aquitaine,6000000,45.0,0.0,derived,,,,\n"
    "commune,64445,Pau,77000,43.29510,-0.37080,geonames,64,75,246400337,64000\n"
    '"commune","64102","Bayonne, ville",51000,43.49,-1.47,geonames,64,75,200067106,64100\n'
    "commune,33063,Bordeaux,260000,44.84,-0.58,geonames,33,75,243300316,33000 33100\n"
    "commune,75056,Paris,2100000,48.86,2.35,geonames,75,11,200054781,75001\n"
)


def test_read_shipped_communes_sample(tmp_path):
    path = tmp_path / "territories.csv.gz"
    with gzip.open(path, "wt") as f:
        f.write(SHIPPED_SAMPLE)
    table = read_shipped_communes(path)
    assert len(table) == 4
    assert table.codes.tolist() == ["64445", "64102", "33063", "75056"]
    assert table.names[1] == "Bayonne, ville"
    assert table.points.population.tolist() == [77000.0, 51000.0, 260000.0, 2100000.0]
    pa = table.select(departement="64")
    assert pa.codes.tolist() == ["64445", "64102"]
    assert table.select(region="75").points.total_population == 388000.0
    assert table.select(epci="246400337").names.tolist() == ["Pau"]
    assert table.select(codes=["75056", "33063"]).codes.tolist() == ["33063", "75056"]
    assert len(table.select(departement="64", region="11")) == 0


def test_read_the_real_shipped_file():
    assert SHIPPED_TERRITORIES_PATH.exists(), "the territory file ships with the repository"
    table = read_shipped_communes()
    assert len(table) > 34000
    assert 60e6 < table.points.total_population < 75e6
    assert "64445" in set(table.codes.tolist())
