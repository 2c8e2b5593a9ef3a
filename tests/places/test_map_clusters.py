"""GET /api/v1/places.clusters: the places of a map view, grouped when zoomed out."""

import numpy as np
import pytest
from django.core.cache import cache
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from maillage.common.actors import SYSTEM
from maillage.places import clusters
from maillage.places.selectors import PlaceFilters
from maillage.places.services import delete_place, update_place
from tests.places.factories import make_place

pytestmark = pytest.mark.django_db

URL = "/api/v1/places.clusters"
PAU_BBOX = "-0.45,43.28,-0.36,43.34"
FRANCE_BBOX = "-5.5,41,10,51.5"


@pytest.fixture(autouse=True)
def fresh_caches():
    """Answers and arrays are kept per data version: every test starts without them."""
    cache.clear()
    clusters.forget_arrays()
    yield
    clusters.forget_arrays()


@pytest.fixture
def places():
    """Three places around Pau (10 km apart at most), one in Paris, one in La Réunion."""
    return {
        "pau": make_place(name="Fablab de Pau", kinds=["fablab", "makerspace"]),
        "lescar": make_place(
            name="Coworking Lescar",
            kinds=["coworking"],
            insee_code="64348",
            latitude=43.3333,
            longitude=-0.4347,
        ),
        "billere": make_place(
            name="Repair café Billère",
            kinds=["repair_cafe"],
            insee_code="",
            latitude=43.3031,
            longitude=-0.3965,
            status="project",
        ),
        "paris": make_place(
            name="Coworking Paris",
            kinds=["coworking"],
            insee_code="",
            latitude=48.8566,
            longitude=2.3522,
        ),
        "reunion": make_place(
            name="Tiers-lieu Saint-Denis",
            kinds=["cultural"],
            insee_code="",
            latitude=-20.8821,
            longitude=55.4504,
        ),
    }


def _get(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return response.json()


def test_zoomed_out_groups_nearby_places_with_their_count_per_kind(client, places):
    answer = _get(client, bbox=FRANCE_BBOX, zoom=5)
    assert answer["count"] == 4  # La Réunion is outside the rectangle
    assert len(answer["clusters"]) == 1
    lat, lon, count, per_kind = answer["clusters"][0]
    assert count == 3
    kinds = answer["kinds"]
    assert {kinds[index]: n for index, n in enumerate(per_kind) if n} == {
        "fablab": 1,
        "makerspace": 1,
        "coworking": 1,
        "repair_cafe": 1,
    }
    # The mean position of the three places around Pau.
    assert lat == pytest.approx((43.2951 + 43.3333 + 43.3031) / 3, abs=1e-5)
    assert lon == pytest.approx((-0.3708 - 0.4347 - 0.3965) / 3, abs=1e-5)
    # Paris is alone in its cell: a point, with what a marker and its popup need.
    [paris] = answer["points"]
    assert paris == [
        places["paris"].pk,
        48.8566,
        2.3522,
        "Coworking Paris",
        places["paris"].slug,
        [kinds.index("coworking")],
        answer["statuses"].index("open"),
        places["paris"].city,
    ]


def test_zoomed_in_every_place_is_a_point(client, places):
    answer = _get(client, bbox=PAU_BBOX, zoom=14)
    assert answer["clusters"] == []
    assert sorted(point[3] for point in answer["points"]) == [
        "Coworking Lescar",
        "Fablab de Pau",
        "Repair café Billère",
    ]
    billere = next(point for point in answer["points"] if point[3] == "Repair café Billère")
    assert answer["statuses"][billere[6]] == "project"


def test_zoom_decides_between_groups_and_points(client, places):
    """The same rectangle: one group of three at zoom 7; at zoom 8 Lescar's cell (64 px, about
    20 km there) is apart; at zoom 12 (1.3 km) each place is alone, a point."""
    assert [c[2] for c in _get(client, bbox=PAU_BBOX, zoom=7)["clusters"]] == [3]
    at_8 = _get(client, bbox=PAU_BBOX, zoom=8)
    assert [c[2] for c in at_8["clusters"]] == [2]
    assert [point[3] for point in at_8["points"]] == ["Coworking Lescar"]
    at_12 = _get(client, bbox=PAU_BBOX, zoom=12)
    assert at_12["clusters"] == []
    assert len(at_12["points"]) == 3


def test_bbox_selects_the_places_of_the_view(client, places):
    paris = _get(client, bbox="2.2,48.8,2.5,48.9", zoom=10)
    assert paris["count"] == 1
    assert [point[3] for point in paris["points"]] == ["Coworking Paris"]
    reunion = _get(client, bbox="55.2,-21.4,55.85,-20.85", zoom=9)
    assert [point[3] for point in reunion["points"]] == ["Tiers-lieu Saint-Denis"]
    empty = _get(client, bbox="5,45,5.1,45.1", zoom=12)
    assert (empty["count"], empty["clusters"], empty["points"], empty["bounds"]) == (
        0,
        [],
        [],
        None,
    )


def test_without_bbox_the_whole_world_at_a_low_zoom_gives_the_bounds(client, places):
    answer = _get(client, zoom=0)
    assert answer["count"] == 5
    assert answer["bounds"] == [-20.8821, -0.4347, 48.8566, 55.4504]


def test_kind_status_and_territory_filters(client, places):
    coworkings = _get(client, bbox=FRANCE_BBOX, zoom=14 - 9, kind="coworking")
    assert coworkings["count"] == 2
    assert sorted(point[3] for point in coworkings["points"]) == [
        "Coworking Lescar",
        "Coworking Paris",
    ]
    several = _get(client, bbox=PAU_BBOX, zoom=14, kind="coworking,repair_cafe")
    assert sorted(point[3] for point in several["points"]) == [
        "Coworking Lescar",
        "Repair café Billère",
    ]
    open_only = _get(client, bbox=PAU_BBOX, zoom=14, status="open")
    assert sorted(point[3] for point in open_only["points"]) == [
        "Coworking Lescar",
        "Fablab de Pau",
    ]
    pau = _get(client, zoom=3, territory="commune:64445")
    assert [point[3] for point in pau["points"]] == ["Fablab de Pau"]


def test_filters_the_arrays_do_not_hold_are_read_in_sql(client, places):
    answer = _get(client, bbox=PAU_BBOX, zoom=14, q="fablab")
    assert [point[3] for point in answer["points"]] == ["Fablab de Pau"]
    near = _get(client, bbox=FRANCE_BBOX, zoom=5, near="48.85,2.35", radius_km="20")
    assert [point[3] for point in near["points"]] == ["Coworking Paris"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"bbox": "1,2,3", "zoom": "5"}, "bbox"),
        ({"bbox": "10,45,5,46", "zoom": "5"}, "bbox"),  # west after east
        ({"bbox": "a,b,c,d", "zoom": "5"}, "bbox"),
        ({"bbox": "-180,-85,180,85", "zoom": "12"}, "bbox"),  # the world at street zoom
        ({"bbox": FRANCE_BBOX}, "zoom"),
        ({"bbox": FRANCE_BBOX, "zoom": "21"}, "zoom"),
        ({"bbox": FRANCE_BBOX, "zoom": "near"}, "zoom"),
        ({"bbox": FRANCE_BBOX, "zoom": "5", "kind": "bakery"}, "kind"),
    ],
)
def test_bad_parameters_answer_422_naming_the_field(client, params, field):
    response = client.get(URL, params)
    assert response.status_code == 422
    body = response.json()
    assert body["detail"]
    [error] = body["errors"]
    assert error["field"] == field
    assert len(error["message"]) > 20


def test_too_large_a_view_says_what_to_do(client):
    response = client.get(URL, {"bbox": "-180,-85,180,85", "zoom": "12"})
    message = response.json()["errors"][0]["message"]
    assert "zoom 12" in message
    assert "4096" in message


def test_etag_answers_304_until_a_place_changes(client, places):
    params = {"bbox": FRANCE_BBOX, "zoom": 5}
    first = client.get(URL, params)
    etag = first["ETag"]
    assert "max-age" in first["Cache-Control"]
    again = client.get(URL, params, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    # Another view or filter is another answer.
    assert client.get(URL, {**params, "zoom": 6})["ETag"] != etag
    assert client.get(URL, {**params, "kind": "fablab"})["ETag"] != etag

    update_place(actor=SYSTEM, place=places["paris"], changes={"name": "Coworking Paris 11e"})
    edited = client.get(URL, params, headers={"If-None-Match": etag})
    assert edited.status_code == 200
    assert edited["ETag"] != etag
    assert edited.json()["points"][0][3] == "Coworking Paris 11e"

    delete_place(actor=SYSTEM, place=places["paris"])
    deleted = client.get(URL, params, headers={"If-None-Match": edited["ETag"]})
    assert deleted.status_code == 200
    assert deleted.json()["count"] == 3


def test_a_small_pan_inside_the_same_cells_is_the_same_answer(client, places):
    """The rectangle is widened to whole cells: a pan of a few pixels asks the same cells,
    so the answer (and its cache entry and ETag) is the same."""
    a = client.get(URL, {"bbox": "-5.5,41,10,51.5", "zoom": 5})
    b = client.get(URL, {"bbox": "-5.49,41.01,10.01,51.49", "zoom": 5})
    assert a["ETag"] == b["ETag"]
    assert a.content == b.content


def test_open_now_is_neither_tagged_nor_cached(client, places):
    response = client.get(URL, {"bbox": PAU_BBOX, "zoom": 14, "open_now": "1"})
    assert response.status_code == 200
    assert not response.has_header("ETag")


def test_query_counts(client, places, django_assert_max_num_queries):
    params = {"bbox": FRANCE_BBOX, "zoom": 5}
    # First answer: the version, the places, their kinds (and the cache's own queries).
    with django_assert_max_num_queries(3):
        client.get(URL, params)
    # Another view: the version only, the arrays are kept in the process.
    with django_assert_max_num_queries(1):
        client.get(URL, {**params, "zoom": 7})
    # A conditional request: the version only.
    etag = client.get(URL, params)["ETag"]
    with django_assert_max_num_queries(1):
        assert client.get(URL, params, headers={"If-None-Match": etag}).status_code == 304
    # A territory filter is read from the arrays; a text search adds one query.
    with django_assert_max_num_queries(2):
        client.get(URL, {**params, "territory": "departement:64"})
    with django_assert_max_num_queries(3):
        client.get(URL, {**params, "q": "coworking"})


def test_arrays_are_shared_through_the_cache(places, django_assert_max_num_queries):
    """Another worker (an empty process memo) reads the arrays from Django's cache."""
    version = clusters.data_version()
    clusters.map_arrays(version)
    clusters.forget_arrays()
    with django_assert_max_num_queries(0):
        arrays = clusters.map_arrays(version)
    assert len(arrays) == 5


def test_compact(client, places):
    """Points and groups are lists, not objects: 50,000 places stay under 200 KB gzipped."""
    body = client.get(URL, {"bbox": FRANCE_BBOX, "zoom": 5}).content
    assert b": " not in body
    assert b'"name"' not in body


# --- The grouping itself, against a brute-force count ---------------------------------------

coordinates = st.tuples(
    st.floats(min_value=-60, max_value=60, allow_nan=False),
    st.floats(min_value=-179, max_value=179, allow_nan=False),
)


def _arrays(points: list[tuple[float, float]], kinds: list[int]) -> clusters.MapArrays:
    latitudes = np.array([p[0] for p in points], dtype=np.float64)
    longitudes = np.array([p[1] for p in points], dtype=np.float64)
    x, y = clusters.mercator(latitudes, longitudes)
    n = len(points)
    return clusters.MapArrays(
        version="test",
        ids=np.arange(1, n + 1, dtype=np.int64),
        latitudes=latitudes,
        longitudes=longitudes,
        x=x,
        y=y,
        kinds=np.array([1 << kind for kind in kinds], dtype=np.uint32),
        statuses=np.zeros(n, dtype=np.int8),
        communes=np.array([""] * n, dtype="U5"),
        epcis=np.array([""] * n, dtype="U9"),
        departements=np.array([""] * n, dtype="U3"),
        regions=np.array([""] * n, dtype="U3"),
        names=tuple(f"p{i}" for i in range(n)),
        slugs=tuple(f"p{i}" for i in range(n)),
        cities=("",) * n,
    )


@given(
    points=st.lists(coordinates, min_size=0, max_size=60),
    zoom=st.integers(min_value=0, max_value=3),
    data=st.data(),
)
def test_every_place_of_the_view_is_counted_once(points, zoom, data):
    kinds = [data.draw(st.integers(0, len(clusters.KINDS) - 1)) for _ in points]
    arrays = _arrays(points, kinds)
    view = clusters.view_for(None, zoom)
    answer = clusters.clusters(arrays, PlaceFilters(), view)
    grouped = sum(cluster[2] for cluster in answer["clusters"])
    assert grouped + len(answer["points"]) == answer["count"] == len(points)
    assert all(cluster[2] >= 2 for cluster in answer["clusters"])
    # Per kind, groups and points together count each place of that kind once.
    for index in range(len(clusters.KINDS)):
        in_groups = sum(cluster[3][index] for cluster in answer["clusters"])
        in_points = sum(index in point[5] for point in answer["points"])
        assert in_groups + in_points == kinds.count(index)
    # Each group's position is inside its cell.
    cells = view.cells
    for lat, lon, _count, _kinds in answer["clusters"]:
        x, y = clusters.mercator(np.array([lat]), np.array([lon]))
        assert 0 <= x[0] * cells < cells
        assert 0 <= y[0] * cells < cells


numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-200, max_value=200),
    st.integers(min_value=-1000, max_value=1000),
)


@given(
    bbox=st.one_of(
        st.none(),
        st.lists(numbers, min_size=3, max_size=5).map(lambda values: ",".join(map(str, values))),
        st.text(max_size=20),
    ),
    zoom=st.one_of(st.integers(min_value=-3, max_value=25), st.text(max_size=4)),
)
# The test client keeps nothing between requests but cookies, which this API does not set.
@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_query_answers_200_or_a_clear_422(client, bbox, zoom):
    """Whatever the bbox and zoom, never a server error: a view, or 422 naming the field."""
    params = {"zoom": zoom} if bbox is None else {"zoom": zoom, "bbox": bbox}
    response = client.get(URL, params)
    assert response.status_code in {200, 422}
    if response.status_code == 422:
        assert {error["field"] for error in response.json()["errors"]} <= {"bbox", "zoom"}
