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
