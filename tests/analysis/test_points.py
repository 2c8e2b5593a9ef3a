"""Points: construction, validation, immutability, subsets and concatenation."""

import numpy as np
import pytest

from maillage.analysis import Points, common_space


def test_from_latlon_defaults_population_to_one():
    pts = Points.from_latlon([43.3, 45.0], [-0.37, 1.0])
    assert pts.crs == "latlon"
    assert pts.population.tolist() == [1.0, 1.0]
    assert pts.ids is None
    assert len(pts) == 2


def test_from_metric_keeps_easting_then_northing():
    pts = Points.from_metric([4250700.0], [2042900.0], population=[12.5], ids=["c"])
    assert pts.crs == "metric"
    assert pts.coords.tolist() == [[4250700.0, 2042900.0]]
    assert pts.ids.tolist() == ["c"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"latitude": [91.0], "longitude": [0.0]}, "latitudes"),
        ({"latitude": [np.nan], "longitude": [0.0]}, "finite"),
        ({"latitude": [0.0], "longitude": [0.0], "population": [-1.0]}, "non-negative"),
        ({"latitude": [0.0, 1.0], "longitude": [0.0, 1.0], "population": [1.0]}, "population"),
        ({"latitude": [0.0], "longitude": [0.0, 1.0]}, "length"),
        ({"latitude": [0.0], "longitude": [0.0], "ids": ["a", "b"]}, "ids"),
    ],
)
def test_invalid_points_are_rejected(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Points.from_latlon(**kwargs)


def test_unknown_crs_is_rejected():
    with pytest.raises(ValueError, match="crs"):
        Points(np.zeros((1, 2)), np.ones(1), None, "lambert93")


def test_arrays_are_read_only_and_inputs_untouched():
    lat = np.array([1.0, 2.0])
    pts = Points.from_latlon(lat, [0.0, 0.0])
    with pytest.raises(ValueError, match="read-only"):
        pts.population[0] = 5
    lat[0] = 3.0  # the caller's array stays writeable
    assert pts.coords[0, 0] == 1.0


def test_empty_points():
    pts = Points.empty()
    assert len(pts) == 0
    assert pts.coords.shape == (0, 2)
    assert pts.total_population == 0.0
    assert pts.unit_xyz.shape == (0, 3)


def test_subset_by_mask_and_by_index():
    pts = Points.from_latlon([1, 2, 3], [4, 5, 6], [10, 20, 30], ids=["a", "b", "c"])
    assert pts.subset([True, False, True]).ids.tolist() == ["a", "c"]
    assert pts.subset([2, 0]).population.tolist() == [30.0, 10.0]
    assert len(pts.subset([])) == 0


def test_concat_keeps_the_system_and_ignores_empty_parts():
    a = Points.from_metric([0.0], [0.0], ids=["a"])
    b = Points.from_metric([1.0], [1.0], ids=["b"])
    both = Points.concat([Points.empty(), a, b])
    assert both.crs == "metric"
    assert both.coords.tolist() == [[0.0, 0.0], [1.0, 1.0]]
    mixed = Points.concat([a, Points.from_latlon([45.0], [5.0])])
    assert mixed.crs == "latlon"
    assert mixed.ids is None  # one part has no ids
    np.testing.assert_allclose(mixed.coords[1], [45.0, 5.0])


def test_common_space():
    metric = Points.from_metric([0.0], [0.0])
    latlon = Points.from_latlon([45.0], [5.0])
    assert common_space(metric, metric).kind == "plane"
    assert common_space(metric, latlon).kind == "sphere"
    assert common_space(latlon).kind == "sphere"


def test_subset_carries_the_cached_conversions_over():
    """A subset of metric points reuses the parent's unprojection instead of computing it."""
    from maillage.analysis import points as points_module

    pts = Points.from_metric([3_700_000, 3_750_000, 3_800_000], [2_800_000, 2_850_000, 2_900_000])
    full = pts.latlon
    pts.unit_xyz  # noqa: B018 - computed, so cached
    calls = []
    real = points_module.laea_to_latlon
    points_module.laea_to_latlon = lambda *a: calls.append(a) or real(*a)
    try:
        sub = pts.subset([2, 0])
        np.testing.assert_array_equal(sub.latlon, full[[2, 0]])
        np.testing.assert_array_equal(sub.unit_xyz, pts.unit_xyz[[2, 0]])
        mask = pts.subset(np.array([False, True, False]))
        np.testing.assert_array_equal(mask.latlon, full[[1]])
    finally:
        points_module.laea_to_latlon = real
    assert calls == []
    # Nothing cached on the parent: the subset converts on its own, with the same answer.
    fresh = Points.from_metric([3_700_000, 3_800_000], [2_800_000, 2_900_000]).subset([1])
    np.testing.assert_array_equal(fresh.latlon, full[[2]])
    assert not sub.latlon.flags.writeable


def test_large_sets_are_queried_in_spatial_order_with_identical_answers(monkeypatch):
    """The Morton-ordered query gives, point by point, the same nearest site and distance."""
    from maillage.analysis import points as points_module
    from maillage.analysis.points import common_space, nearest

    rng = np.random.default_rng(3)
    pop = Points.from_latlon(rng.uniform(42, 51, 3000), rng.uniform(-4.5, 8, 3000))
    sites = Points.from_latlon(rng.uniform(42, 51, 40), rng.uniform(-4.5, 8, 40))
    space = common_space(pop, sites)
    plain_idx, plain_d = nearest(space, pop, sites)
    monkeypatch.setattr(points_module, "_SPATIAL_ORDER_MIN", 1)
    idx, d = nearest(space, pop, sites)
    np.testing.assert_array_equal(idx, plain_idx)
    np.testing.assert_array_equal(d, plain_d)
    order = pop.spatial_order
    assert sorted(order.tolist()) == list(range(3000))
    # Spatial order: consecutive points are much closer than in the input's random order.
    step = np.abs(np.diff(pop.coords[order], axis=0)).sum(axis=1).mean()
    assert step < 0.2 * np.abs(np.diff(pop.coords, axis=0)).sum(axis=1).mean()
    metric = Points.from_metric(rng.uniform(3.2e6, 4.2e6, 500), rng.uniform(2.1e6, 3.1e6, 500))
    assert sorted(metric.spatial_order.tolist()) == list(range(500))
    assert Points.empty().spatial_order.size == 0
