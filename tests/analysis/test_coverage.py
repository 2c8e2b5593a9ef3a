"""Coverage, distance distribution, kinds and white zones."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from maillage.analysis import (
    Points,
    coverage,
    coverage_by_radius,
    haversine_km,
    kind_masks,
    weighted_quantile,
    white_zones,
)


@pytest.fixture
def town():
    """Four inhabited points and one empty one on the EPSG:3035 plane, two sites 30 km apart.

    Distances to the nearest site: P0 0 km, P1 5 km (3-4-5), P2 12 km, P3 10 km (6-8-10, to S1),
    P4 30 km but nobody lives there.
    """
    population = Points.from_metric(
        [0, 3000, 0, 24000, 60000],
        [0, 4000, 12000, 8000, 0],
        population=[100, 50, 30, 20, 0],
        ids=["P0", "P1", "P2", "P3", "P4"],
    )
    sites = Points.from_metric([0, 30000], [0, 0])
    kinds = [["fablab"], ("coworking", "fablab")]
    return population, sites, kinds


def test_hand_checked_instance(town):
    """Covered: P0, P1 and P3 (exactly 10 km: the radius is inclusive)."""
    population, sites, kinds = town
    res = coverage(population, sites, radius_km=10, site_kinds=kinds)
    assert res.population_total == 200.0
    assert res.population_covered == 170.0
    assert res.share_covered == 0.85
    assert res.nearest_site.tolist() == [0, 0, 0, 1, 1]
    assert res.nearest_distance_km.tolist() == [0.0, 5.0, 12.0, 10.0, 30.0]
    assert res.covered.tolist() == [True, True, False, True, False]
    # mean = (0·100 + 5·50 + 12·30 + 10·20) / 200; cumulative weights 100, 150, 170, 200.
    assert res.distance_km.mean_km == 4.05
    assert res.distance_km.median_km == 0.0
    assert res.distance_km.p90_km == 12.0


def test_per_kind(town):
    population, sites, kinds = town
    res = coverage(population, sites, radius_km=10, site_kinds=kinds)
    assert sorted(res.by_kind) == ["coworking", "fablab"]
    cow = res.by_kind["coworking"]
    assert cow.population_covered == 20.0
    assert cow.share_covered == 0.1
    assert cow.nearest_site.tolist() == [1, 1, 1, 1, 1]  # indexes the full list of sites
    assert cow.distance_km.median_km == 30.0
    fab = res.by_kind["fablab"]
    assert fab.population_covered == res.population_covered
    assert fab.by_kind == {}


def test_to_dict_has_the_cli_json_shape(town):
    population, sites, kinds = town
    out = coverage(population, sites, radius_km=10, site_kinds=kinds).to_dict()
    assert out["radius_km"] == 10.0
    assert out["population_total"] == 200.0
    assert out["population_covered"] == 170.0
    assert out["share_covered"] == 0.85
    assert out["distance_km"] == {"mean": 4.05, "median": 0.0, "p90": 12.0}
    assert out["by_kind"]["coworking"]["population_covered"] == 20.0
    assert "radius_km" not in out["by_kind"]["coworking"]


def test_white_zones_aggregate_uncovered_population(town):
    population, sites, _ = town
    res = coverage(population, sites, radius_km=10)
    zones = white_zones(res, ["A", "A", "B", "C", "B"])
    assert zones.records() == [
        {"code": "B", "population_uncovered": 30.0, "population_total": 30.0}
    ]
    res5 = coverage(population, sites, radius_km=4)
    zones5 = white_zones(res5, ["A", "A", "B", "C", "B"])
    assert [z["code"] for z in zones5.records()] == ["A", "B", "C"]
    assert zones5.population_uncovered.tolist() == [50.0, 30.0, 20.0]
    assert zones5.population_total.tolist() == [150.0, 30.0, 20.0]
    assert len(zones5.records(limit=2)) == 2


def test_white_zones_per_point_with_byte_ids():
    pop = Points.from_metric([0, 50000], [0, 0], [3, 4], ids=np.array([b"c1", b"c2"]))
    res = coverage(pop, Points.from_metric([0], [0]), radius_km=1)
    assert white_zones(res, pop.ids).records() == [
        {"code": "c2", "population_uncovered": 4.0, "population_total": 4.0}
    ]


def test_white_zones_empty_when_all_covered(town):
    population, sites, _ = town
    zones = white_zones(coverage(population, sites, radius_km=100), population.ids)
    assert len(zones) == 0
    assert zones.records() == []
    with pytest.raises(ValueError, match="shape"):
        white_zones(coverage(population, sites, radius_km=1), ["x"])


def test_latlon_example_on_the_equator():
    """0.2° of longitude on the equator is 22.239 km."""
    pop = Points.from_latlon([0.0, 0.0], [0.0, 0.2], population=[10, 30])
    res = coverage(pop, Points.from_latlon([0.0], [0.0]), radius_km=10)
    assert res.population_covered == 10.0
    np.testing.assert_allclose(res.nearest_distance_km, [0.0, 22.23902], atol=1e-5)


def test_metric_population_with_latlon_sites_uses_the_sphere():
    """A grid cell is unprojected and measured on the sphere against lat/lon sites."""
    pop = Points.from_metric([3962799.45], [2999718.85], [7])  # 50°N 5°E
    site = Points.from_latlon([50.0], [5.1])
    res = coverage(pop, site, radius_km=10)
    assert res.population_covered == 7.0
    assert res.nearest_distance_km[0] == pytest.approx(float(haversine_km(50, 5, 50, 5.1)))


def test_empty_inputs():
    pts = Points.from_latlon([0.0], [0.0], [5])
    no_sites = coverage(pts, Points.empty(), radius_km=10)
    assert no_sites.population_covered == 0.0
    assert no_sites.share_covered == 0.0
    assert no_sites.nearest_site.tolist() == [-1]
    assert no_sites.distance_km.mean_km == math.inf
    assert no_sites.to_dict()["distance_km"] == {"mean": None, "median": None, "p90": None}
    nobody = coverage(Points.empty(), pts, radius_km=10)
    assert nobody.population_total == 0.0
    assert math.isnan(nobody.share_covered)
    assert math.isnan(nobody.distance_km.mean_km)
    assert nobody.to_dict()["share_covered"] is None
    both = coverage(Points.empty(), Points.empty(), radius_km=0, site_kinds=[])
    assert both.population_covered == 0.0
    assert both.by_kind == {}


def test_invalid_radius_and_kinds():
    pts = Points.from_latlon([0.0], [0.0])
    with pytest.raises(ValueError, match="radius_km"):
        coverage(pts, pts, radius_km=-1)
    with pytest.raises(ValueError, match="radius_km"):
        coverage(pts, pts, radius_km=math.nan)
    with pytest.raises(ValueError, match="site_kinds"):
        coverage(pts, pts, radius_km=1, site_kinds=["a", "b"])


def test_kind_masks_accepts_a_mapping():
    masks = kind_masks({"fablab": [0, 2], "repair_cafe": [False, True, False]}, 3)
    assert masks["fablab"].tolist() == [True, False, True]
    assert masks["repair_cafe"].tolist() == [False, True, False]


def test_weighted_quantile_definition():
    assert weighted_quantile([3.0, 1.0, 2.0], [2, 1, 1], 0.5) == 2.0
    assert weighted_quantile([1.0, 2.0], [1, 1], 0.5) == 1.0  # no interpolation
    assert weighted_quantile([1.0, 2.0], [1, 1], 0.51) == 2.0
    assert weighted_quantile([5.0, 7.0], [0, 1], 0.1) == 7.0  # zero weights ignored
    assert math.isnan(weighted_quantile([], [], 0.5))


def test_coverage_by_radius_equals_coverage_at_each_radius(town):
    population, sites, kinds = town
    many = coverage_by_radius(population, sites, [4, 10, 12], site_kinds=kinds)
    for r, res in many.items():
        one = coverage(population, sites, r, site_kinds=kinds)
        assert res.population_covered == one.population_covered
        assert res.by_kind["coworking"].population_covered == (
            one.by_kind["coworking"].population_covered
        )
    assert [res.population_covered for res in many.values()] == [100.0, 170.0, 200.0]


# --- properties --------------------------------------------------------------------------------

coords = st.lists(
    st.tuples(st.floats(43.0, 43.5), st.floats(-0.8, -0.2), st.integers(0, 1000)),
    min_size=0,
    max_size=25,
)
site_coords = st.lists(st.tuples(st.floats(43.0, 43.5), st.floats(-0.8, -0.2)), max_size=6)


def _points(rows):
    if not rows:
        return Points.empty()
    lat, lon, pop = zip(*rows, strict=True)
    return Points.from_latlon(lat, lon, pop)


def _sites(rows):
    if not rows:
        return Points.empty()
    lat, lon = zip(*rows, strict=True)
    return Points.from_latlon(lat, lon)


@settings(max_examples=60, deadline=None)
@given(rows=coords, sites=site_coords, r1=st.floats(0, 40), r2=st.floats(0, 40))
def test_coverage_never_decreases_when_the_radius_grows(rows, sites, r1, r2):
    small, large = sorted((r1, r2))
    pop, s = _points(rows), _sites(sites)
    assert coverage(pop, s, small).population_covered <= coverage(pop, s, large).population_covered


@settings(max_examples=60, deadline=None)
@given(rows=coords, sites=site_coords, extra=site_coords, r=st.floats(0, 40))
def test_coverage_never_decreases_when_a_site_is_added(rows, sites, extra, r):
    pop = _points(rows)
    before = coverage(pop, _sites(sites), r)
    after = coverage(pop, _sites(sites + extra), r)
    assert after.population_covered >= before.population_covered
    assert (after.covered >= before.covered).all()
    assert (after.nearest_distance_km <= before.nearest_distance_km).all()


@settings(max_examples=60, deadline=None)
@given(rows=coords, sites=site_coords, r=st.floats(0.1, 40))
def test_coverage_matches_brute_force_haversine(rows, sites, r):
    """Nearest distances equal haversine to a millimetre; coverage agrees away from the edge."""
    pop, s = _points(rows), _sites(sites)
    res = coverage(pop, s, r)
    if not len(pop) or not len(s):
        return
    d = haversine_km(pop.coords[:, :1], pop.coords[:, 1:], s.coords[:, 0], s.coords[:, 1])
    np.testing.assert_allclose(res.nearest_distance_km, d.min(axis=1), atol=1e-6)
    clear = np.abs(d.min(axis=1) - r) > 1e-6
    assert (res.covered[clear] == (d.min(axis=1) <= r)[clear]).all()


# --- quantiles without a full sort -------------------------------------------------------------


def _quantile_by_full_sort(values, weights, q):
    """The definition, literally: sort everything, accumulate, take the first value reaching q."""
    v, w = np.asarray(values, dtype=float), np.asarray(weights, dtype=float)
    v, w = v[w > 0], w[w > 0]
    if v.size == 0:
        return math.nan
    order = np.argsort(v, kind="stable")
    cum = np.cumsum(w[order])
    return float(v[order[min(int(np.searchsorted(cum, q * cum[-1])), v.size - 1)]])


# Half-integer weights (inhabitants of grid cells, counts) make every partial sum exact, so the
# histogram's bin-by-bin sums and the full sort's running sums must agree to the bit. Values are
# drawn from a few distinct numbers too, so ties and bins holding one repeated value occur.
quantile_values = st.one_of(
    st.floats(0, 500, allow_nan=False),
    st.sampled_from([0.0, 1.5, 2.0, 2.0000000001, 30.0]),
)
quantile_rows = st.lists(
    st.tuples(quantile_values, st.integers(0, 2000).map(lambda k: k / 2)), min_size=0, max_size=400
)


@settings(max_examples=200, deadline=None)
@given(rows=quantile_rows, q=st.sampled_from([0.0, 0.1, 0.5, 0.9, 0.99, 1.0]) | st.floats(0, 1))
def test_weighted_quantiles_match_a_full_sort(rows, q):
    from maillage.analysis.coverage import weighted_quantiles

    values = np.array([v for v, _ in rows], dtype=float)
    weights = np.array([w for _, w in rows], dtype=float)
    expected = _quantile_by_full_sort(values, weights, q)
    keep = weights > 0
    # sort_below=0: the histogram path even for a handful of values.
    got = weighted_quantiles(values[keep], weights[keep], [q, 0.5], sort_below=0)
    if math.isnan(expected):
        assert math.isnan(got[0])
    else:
        assert got[0] == expected
        assert got[1] == _quantile_by_full_sort(values, weights, 0.5)
    assert weighted_quantile(values, weights, q) == expected or math.isnan(expected)


def test_weighted_quantiles_on_large_random_inputs_match_a_full_sort():
    """Millions-of-cells shape: long-tailed distances, integer and fractional populations."""
    from maillage.analysis.coverage import weighted_quantiles

    rng = np.random.default_rng(7)
    for n, weights in (
        (200_000, rng.integers(1, 300, 200_000).astype(float)),
        (50_000, np.round(rng.exponential(20.0, 50_000) * 2) / 2 + 0.5),
    ):
        values = rng.lognormal(1.5, 1.0, n)
        values[:100] = values[100]  # a tie inside one bin
        for q in (0.0, 0.25, 0.5, 0.9, 0.999, 1.0):
            got = weighted_quantiles(values, weights, [q])[0]
            assert got == _quantile_by_full_sort(values, weights, q)


def test_distance_summary_with_an_unreachable_point_keeps_the_sort_path():
    from maillage.analysis.coverage import DistanceSummary, weighted_quantiles

    d = np.concatenate([np.linspace(0, 10, 5000), [np.inf]])
    w = np.ones(d.size)
    summary = DistanceSummary.from_distances(d, w)
    assert summary.mean_km == math.inf
    assert summary.median_km == _quantile_by_full_sort(d, w, 0.5)
    assert weighted_quantiles(d, w, [1.0], sort_below=0)[0] == math.inf


def test_weighted_quantiles_on_degenerate_spans_fall_back_to_the_sort():
    from maillage.analysis.coverage import weighted_quantiles

    cases = [
        ([0.0, 5e-324], [0.5, 0.5], 0.5),  # subnormal span: n_bins / span overflows
        ([1e308, -1e308], [1.0, 1.0], 0.9),  # span overflows
        ([2.0, 2.0, 2.0], [1.0, 2.0, 3.0], 0.5),  # no span at all
    ]
    for values, weights, q in cases:
        got = weighted_quantiles(np.array(values), np.array(weights), [q], sort_below=0)[0]
        assert got == _quantile_by_full_sort(values, weights, q)
