"""`maillage coverage` and `maillage plan`: figures on hand-checkable instances, JSON shapes,
files as inputs, errors.

Distances were checked against `maillage.common.geo.haversine_km` (see planning_data.py).
"""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from maillage.analysis import Points, coverage
from tests.places.factories import make_place
from tests.planning.planning_data import COVERED_BY_PAU_10KM, POPULATION_64

pytestmark = pytest.mark.django_db

COVERAGE_KEYS = [
    "radius_km",
    "population_total",
    "population_covered",
    "share_covered",
    "distance_km",
    "by_kind",
    "white_zones",
]
FIGURE_KEYS = ["population_total", "population_covered", "share_covered", "distance_km"]
PLAN_KEYS = {
    "method",
    "population_total",
    "population_covered_before",
    "population_covered_after",
    "upper_bound",
    "gap",
    "chosen",
}


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def run_json(*args) -> dict:
    return json.loads(run(*args, "--format", "json"))


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


# --- coverage from the database ---------------------------------------------------------------


def test_coverage_json_of_a_departement_with_one_fablab(fablab_pau):
    """Pau and Lescar (6.69 km away) are covered at 10 km; Anglet and Bayonne are not."""
    report = run_json("coverage", "--radius-km", "10", "--kind", "fablab", "--territory", "64")
    assert list(report) == COVERAGE_KEYS
    assert report["radius_km"] == 10
    assert report["population_total"] == POPULATION_64 == 177387
    assert report["population_covered"] == COVERED_BY_PAU_10KM == 86044
    assert report["share_covered"] == pytest.approx(86044 / 177387)
    assert report["distance_km"] == {"mean": 48.447, "median": 91.873, "p90": 95.191}
    assert list(report["by_kind"]) == ["fablab"]
    assert list(report["by_kind"]["fablab"]) == FIGURE_KEYS
    assert report["by_kind"]["fablab"]["population_covered"] == 86044
    assert report["white_zones"] == [
        {"code": "64102", "name": "Bayonne", "population_uncovered": 51411},
        {"code": "64024", "name": "Anglet", "population_uncovered": 39932},
    ]


def test_coverage_counts_places_outside_the_territory(fablab_pau):
    """The EPCI of Pau holds Pau and Lescar; the fablab serves both, as seen from the commune of
    Lescar whose territory has no place at all.
    """
    report = run_json("coverage", "--radius-km", "10", "--territory", "commune:64348")
    assert (report["population_total"], report["population_covered"]) == (10379, 10379)
    assert report["distance_km"] == {"mean": 6.691, "median": 6.691, "p90": 6.691}


def test_coverage_by_kind_without_kind_filter(fablab_pau, coworking_lescar):
    report = run_json("coverage", "--radius-km", "5", "--territory", "departement:64")
    # Every commune centre is 0 km from a place or farther than 5 km from every one.
    assert report["population_covered"] == 86044
    assert report["distance_km"] == {"mean": 44.975, "median": 85.866, "p90": 89.237}
    assert list(report["by_kind"]) == ["coworking", "fablab"]
    assert report["by_kind"]["fablab"]["population_covered"] == 75665
    assert report["by_kind"]["coworking"]["population_covered"] == 10379
    assert report["by_kind"]["coworking"]["distance_km"] == {
        "mean": 47.829,
        "median": 85.866,
        "p90": 89.237,
    }


def test_coverage_ignores_closed_and_planned_places(fablab_pau):
    make_place(name="Fermé", kinds=["fablab"], insee_code="64102", status="closed")
    make_place(name="En projet", kinds=["fablab"], insee_code="64024", status="project")
    report = run_json("coverage", "--radius-km", "10", "--territory", "64")
    assert report["population_covered"] == 86044


def test_coverage_without_any_place():
    report = run_json("coverage", "--radius-km", "10", "--territory", "64")
    assert report["population_covered"] == 0
    assert report["share_covered"] == 0
    assert report["distance_km"] == {"mean": None, "median": None, "p90": None}
    assert report["by_kind"] == {}
    assert [zone["code"] for zone in report["white_zones"]] == ["64445", "64102", "64024", "64348"]


def test_coverage_csv_lists_every_white_zone(fablab_pau):
    out = run("coverage", "--radius-km", "10", "--territory", "64", "--format", "csv")
    assert out.splitlines() == [
        "code,name,population_uncovered,population_total",
        "64102,Bayonne,51411,51411",
        "64024,Anglet,39932,39932",
    ]


def test_coverage_text_is_french(fablab_pau):
    out = run("coverage", "--radius-km", "10", "--kind", "fablab", "--territory", "64")
    lines = out.splitlines()
    assert lines[0] == (
        "Couverture à 10 km — Pyrénées-Atlantiques (département 64) ; lieux ouverts : Fablab"
    )
    assert lines[1] == (
        "Population : 177\xa0387 habitant·es, dont 86\xa0044 à 10 km au plus d'un lieu (48,5 %)."
    )
    assert lines[2] == (
        "Distance au lieu le plus proche : moyenne 48,4 km, médiane 91,9 km, 90e centile 95,2 km."
    )
    assert "  64102 Bayonne : 51\xa0411 habitant·es sans lieu à moins de 10 km" in lines


# --- coverage from files ------------------------------------------------------------------------

LATLON_POPULATION = "id,latitude,longitude,population\na,0,0,10\nb,0,0.2,30\n"
PLACES = (
    "source_id,name,kinds,status,latitude,longitude\n"
    "s1,Fablab de l'équateur,fablab|makerspace,open,0,0\n"
    "s2,Fermé,fablab,closed,0,0.2\n"
    "s3,Coworking,coworking,,0,0.3\n"
)


def test_coverage_of_a_latlon_file_by_a_places_file(tmp_path):
    """Two villages 0.2° of longitude apart on the equator (22.239 km); one open fablab."""
    population = write(tmp_path, "population.csv", LATLON_POPULATION)
    places = write(tmp_path, "lieux.csv", PLACES)
    report = run_json(
        "coverage", "--radius-km", "10", "--kind", "fablab", "--population", population,
        "--places", places,
    )  # fmt: skip
    assert report == {
        "radius_km": 10,
        "population_total": 40,
        "population_covered": 10,
        "share_covered": 0.25,
        "distance_km": {"mean": 16.679, "median": 22.239, "p90": 22.239},
        "by_kind": {
            "fablab": {
                "population_total": 40,
                "population_covered": 10,
                "share_covered": 0.25,
                "distance_km": {"mean": 16.679, "median": 22.239, "p90": 22.239},
            }
        },
        "white_zones": [{"code": "b", "name": "b", "population_uncovered": 30}],
    }


def test_coverage_of_every_kind_in_a_places_file(tmp_path):
    """The coworking, 0.1° (11.1 km) from b, covers it at 12 km; the closed fablab never counts."""
    population = write(tmp_path, "population.csv", LATLON_POPULATION)
    places = write(tmp_path, "lieux.csv", PLACES)
    report = run_json(
        "coverage", "--radius-km", "12", "--population", population, "--places", places
    )
    assert report["population_covered"] == 40
    assert list(report["by_kind"]) == ["coworking", "fablab", "makerspace"]
    assert report["by_kind"]["coworking"]["population_covered"] == 30
    assert report["by_kind"]["makerspace"]["population_covered"] == 10
    assert report["white_zones"] == []


def test_coverage_of_an_insee_grid_file(tmp_path):
    """Two 200 m cells 20 km apart (EPSG:3035); the place stands at the centre of the first."""
    grid = write(
        tmp_path,
        "carreaux.csv",
        "idcar_200m;ind;men\n"
        "CRS3035RES200mN2042800E4250600;12,5;4\n"
        "CRS3035RES200mN2062800E4250600;7,5;3\n",
    )
    places = write(
        tmp_path,
        "lieux.csv",
        "source_id,latitude,longitude,kinds\n1,41.48405195,9.16160517,fablab\n",
    )
    report = run_json("coverage", "--radius-km", "10", "--population", grid, "--places", places)
    assert (report["population_total"], report["population_covered"]) == (20, 12.5)
    assert report["share_covered"] == 0.625
    assert report["distance_km"]["median"] == 0.0
    # Grid and places meet on the sphere: LAEA's 20 km are 20.102 km of great circle here.
    assert report["distance_km"]["p90"] == 20.102
    assert report["white_zones"] == [
        {
            "code": "CRS3035RES200mN2062800E4250600",
            "name": "CRS3035RES200mN2062800E4250600",
            "population_uncovered": 7.5,
        }
    ]


# --- coverage errors ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--radius-km", "abc"], "Le rayon doit être un nombre de kilomètres"),
        (["--radius-km", "0"], "supérieur à 0 et au plus 200"),
        (["--radius-km", "10", "--territory", "zorglub"], "Aucun territoire pour « zorglub »"),
        (["--radius-km", "10", "--population", "/nulle/part.csv"], "illisible"),
        (["--radius-km", "10", "--places", "/nulle/part.csv"], "illisible"),
        (
            ["--radius-km", "10", "--territory", "64", "--population", "x.csv"],
            "--territory et --population s'excluent",
        ),
    ],
)
def test_coverage_errors_are_clear(args, message):
    with pytest.raises(CommandError, match=message):
        run("coverage", *args)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("latitude,longitude,kinds\n0,0,fablab\n", r"colonne\(s\) absente\(s\) : source_id"),
        ("source_id,latitude,longitude,kinds\n1,0,abc,fablab\n", "ligne 2 : coordonnées invalides"),
        ("source_id,latitude,longitude,kinds\n1,95,0,fablab\n", "ligne 2 : coordonnées invalides"),
        (
            "source_id,latitude,longitude,kinds\n1,0,0,bar\n",
            "ligne 2 : type de lieu inconnu « bar »",
        ),
    ],
)
def test_places_file_errors_are_clear(tmp_path, text, message):
    population = write(tmp_path, "population.csv", LATLON_POPULATION)
    places = write(tmp_path, "lieux.csv", text)
    with pytest.raises(CommandError, match=message):
        run("coverage", "--radius-km", "10", "--population", population, "--places", places)


def test_population_file_errors_are_clear(tmp_path):
    population = write(tmp_path, "population.csv", "code,habitants\n1,2\n")
    with pytest.raises(CommandError, match=r"Fichier de population .* illisible"):
        run("coverage", "--radius-km", "10", "--population", population)


def test_places_file_in_windows_1252_with_semicolons(tmp_path):
    population = write(tmp_path, "population.csv", LATLON_POPULATION)
    places = tmp_path / "excel.csv"
    places.write_bytes(
        "source_id;name;latitude;longitude;kinds\n1;Café;0;0,2;fablab\n".encode("cp1252")
    )
    report = run_json(
        "coverage", "--radius-km", "1", "--population", population, "--places", str(places)
    )
    assert report["population_covered"] == 30


def test_places_file_mixing_encodings_is_refused_with_its_line(tmp_path):
    """As in the import of places: mojibake would count the wrong kinds and names."""
    population = write(tmp_path, "population.csv", LATLON_POPULATION)
    places = tmp_path / "mixed.csv"
    places.write_bytes(
        "source_id;name;latitude;longitude;kinds\n1;Café;0;0,2;fablab\n".encode("cp1252")
        + "2;Forêt;0;0,3;fablab\n".encode()
    )
    with pytest.raises(CommandError, match=r"mixed\.csv, ligne 3 : encodage illisible"):
        run("coverage", "--radius-km", "1", "--population", population, "--places", str(places))


# --- plan ---------------------------------------------------------------------------------------

HAMLETS = "id,latitude,longitude,population\nh1,0,0,100\nh2,0,0.05,50\nh3,0,0.5,120\n"
CANDIDATES = "id,latitude,longitude,name\nc1,0,0.02,Entre h1 et h2\nc2,0,0.5,\n"


def test_plan_from_files(tmp_path):
    """c1 covers h1 and h2 (150) at 10 km, c2 covers h3 (120): c1 first, then c2."""
    population = write(tmp_path, "population.csv", HAMLETS)
    candidates = write(tmp_path, "candidats.csv", CANDIDATES)
    places = write(tmp_path, "lieux.csv", "source_id,latitude,longitude,kinds\n")
    args = ["--population", population, "--candidates", candidates, "--places", places]
    report = run_json("plan", "--radius-km", "10", "--new", "2", *args)
    assert set(report) >= PLAN_KEYS
    assert {key: report[key] for key in PLAN_KEYS - {"chosen"}} == {
        "method": "greedy",
        "population_total": 270,
        "population_covered_before": 0,
        "population_covered_after": 270,
        "upper_bound": 270,
        "gap": 0.0,
    }
    assert report["chosen"] == [
        {"id": "c1", "name": "Entre h1 et h2", "latitude": 0.0, "longitude": 0.02, "gain": 150},
        {"id": "c2", "name": "c2", "latitude": 0.0, "longitude": 0.5, "gain": 120},
    ]


def test_plan_exact_method_and_existing_places_file(tmp_path):
    """A place at h3 already covers it: the one new site goes to c1, proven optimal."""
    population = write(tmp_path, "population.csv", HAMLETS)
    candidates = write(tmp_path, "candidats.csv", CANDIDATES)
    places = write(tmp_path, "lieux.csv", "source_id,latitude,longitude,kinds\np,0,0.5,fablab\n")
    report = run_json(
        "plan", "--radius-km", "10", "--new", "1", "--kind", "fablab", "--method", "exact",
        "--population", population, "--candidates", candidates, "--places", places,
    )  # fmt: skip
    assert report["method"] == "exact"
    assert report["status"] == "optimal"
    assert (report["population_covered_before"], report["population_covered_after"]) == (120, 270)
    assert [site["id"] for site in report["chosen"]] == ["c1"]


def test_plan_of_a_departement_from_the_database(fablab_pau):
    """Candidates are the commune centres of the territory: Anglet covers Bayonne too (3.7 km)
    and comes first of the two equal choices (INSEE code order).
    """
    report = run_json(
        "plan", "--radius-km", "10", "--new", "1", "--kind", "fablab", "--territory", "64"
    )
    assert report["population_covered_before"] == 86044
    assert report["population_covered_after"] == 177387
    assert report["upper_bound"] == 177387
    assert report["chosen"] == [
        {"id": "64024", "name": "Anglet", "latitude": 43.485, "longitude": -1.5195, "gain": 91343}
    ]


def test_plan_coverage_equals_the_coverage_of_existing_and_chosen_sites(
    fablab_pau, coworking_lescar
):
    """What a plan reports covered is what `coverage()` computes for existing + chosen sites."""
    report = run_json("plan", "--radius-km", "5", "--new", "2", "--territory", "64")
    population = Points.from_latlon(
        [43.4850, 43.4929, 43.3333, 43.2951],
        [-1.5195, -1.4748, -0.4347, -0.3708],
        [39932, 51411, 10379, 75665],
    )
    existing = [(43.2951, -0.3708), (43.3333, -0.4347)]
    chosen = [(site["latitude"], site["longitude"]) for site in report["chosen"]]
    sites = Points.from_latlon(*zip(*(existing + chosen), strict=True))
    expected = coverage(population, sites, radius_km=5)
    assert report["population_covered_after"] == expected.population_covered == 177387
    before = coverage(population, Points.from_latlon(*zip(*existing, strict=True)), 5)
    assert report["population_covered_before"] == before.population_covered
    assert sum(site["gain"] for site in report["chosen"]) == 177387 - 86044


def test_plan_with_population_file_and_territory_takes_its_communes_as_candidates(tmp_path):
    population = write(tmp_path, "population.csv", "latitude,longitude,population\n43.49,-1.5,10\n")
    report = run_json(
        "plan", "--radius-km", "5", "--new", "1", "--territory", "64", "--population", population
    )
    assert report["chosen"][0]["id"] in {"64024", "64102"}
    assert report["population_covered_after"] == 10


def test_plan_distance_objective(tmp_path):
    population = write(tmp_path, "population.csv", HAMLETS)
    candidates = write(tmp_path, "candidats.csv", CANDIDATES)
    report = run_json(
        "plan", "--radius-km", "10", "--new", "1", "--objective", "distance",
        "--population", population, "--candidates", candidates,
    )  # fmt: skip
    assert report["objective"] == "distance"
    assert report["upper_bound"] is None
    assert [site["id"] for site in report["chosen"]] == ["c1"]
    # No place yet: everyone is infinitely far; then 2.224, 3.336 and 53.374 km away.
    assert report["mean_distance_km_before"] is None
    assert report["mean_distance_km_after"] == 25.163


def test_plan_text_is_french(fablab_pau):
    out = run("plan", "--radius-km", "10", "--new", "1", "--kind", "fablab", "--territory", "64")
    assert out.splitlines() == [
        "Plan — 1 nouveau lieu (Fablab) à 10 km — Pyrénées-Atlantiques (département 64) "
        "— méthode gloutonne",
        "Population : 177\xa0387 habitant·es ; couverte avant : 86\xa0044 (48,5 %) ; "
        "après : 177\xa0387 (100,0 %).",
        "Aucun choix ne couvrirait plus de 177\xa0387 habitant·es : "
        "écart à l'optimum au plus 0,0 %.",
        "Lieux choisis, dans l'ordre :",
        "  1. Anglet (64024 ; 43.48500, -1.51950) : +91\xa0343 habitant·es",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--radius-km", "-3", "--new", "2"], "Le rayon doit être"),
        (["--radius-km", "10", "--new", "-1"], "--new doit être"),
        (["--radius-km", "10", "--new", "1", "--time-limit", "0"], "--time-limit doit être"),
        (["--radius-km", "10", "--new", "1", "--territory", "99999"], "Aucun territoire"),
        (["--radius-km", "10", "--new", "1", "--candidates", "/nulle/part.csv"], "illisible"),
    ],
)
def test_plan_errors_are_clear(args, message):
    with pytest.raises(CommandError, match=message):
        run("plan", *args)


def test_candidates_file_needs_its_columns(tmp_path):
    candidates = write(tmp_path, "candidats.csv", "name,latitude,longitude\nx,0,0\n")
    with pytest.raises(CommandError, match=r"colonne\(s\) absente\(s\) : id"):
        run("plan", "--radius-km", "10", "--new", "1", "--candidates", candidates)
