"""Distances: haversine, chords on the unit sphere, the LAEA Europe projection."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial import cKDTree

from maillage.analysis import (
    EARTH_RADIUS_KM,
    Points,
    chord_from_km,
    euclidean_km,
    haversine_km,
    km_from_chord,
    laea_to_latlon,
    latlon_to_laea,
    pairwise_distance_km,
    unit_vectors,
)

latitudes = st.floats(-80, 80, allow_nan=False)
longitudes = st.floats(-180, 180, allow_nan=False)


def destination(lat, lon, bearing_deg, distance_km):
    """Point reached from (lat, lon) along a great circle (spherical direct problem)."""
    phi, lam, theta = np.radians(lat), np.radians(lon), np.radians(bearing_deg)
    delta = distance_km / EARTH_RADIUS_KM
    phi2 = np.arcsin(np.sin(phi) * np.cos(delta) + np.cos(phi) * np.sin(delta) * np.cos(theta))
    lam2 = lam + np.arctan2(
        np.sin(theta) * np.sin(delta) * np.cos(phi), np.cos(delta) - np.sin(phi) * np.sin(phi2)
    )
    return np.degrees(phi2), np.degrees(lam2)


def test_haversine_known_values():
    """One degree of longitude on the equator is 2πR/360; Paris–Pau is about 653 km."""
    assert haversine_km(0, 0, 0, 1) == pytest.approx(2 * math.pi * EARTH_RADIUS_KM / 360)
    assert haversine_km(48.8566, 2.3522, 43.2951, -0.3708) == pytest.approx(652.99, abs=0.01)
    assert haversine_km(10, 20, 10, 20) == 0.0
    assert haversine_km(0, 0, 0, 180) == pytest.approx(math.pi * EARTH_RADIUS_KM)


def test_haversine_broadcasts():
    d = haversine_km(0.0, 0.0, np.array([0.0, 0.0]), np.array([1.0, 2.0]))
    assert d.shape == (2,)
    assert d[1] == pytest.approx(2 * d[0])


def test_euclidean_km_is_in_km_from_metres():
    assert float(euclidean_km(0, 0, 3000, 4000)) == 5.0


def test_chord_conversion_round_trip_and_limits():
    d = np.array([0.0, 0.001, 1.0, 50.0, 1000.0, math.pi * EARTH_RADIUS_KM])
    np.testing.assert_allclose(km_from_chord(chord_from_km(d)), d, rtol=1e-12, atol=1e-9)
    assert float(chord_from_km(1e9)) == 2.0
    assert float(km_from_chord(np.inf)) == math.inf


@settings(max_examples=200, deadline=None)
@given(
    lat=latitudes,
    lon=longitudes,
    bearing=st.floats(0, 360),
    distance_km=st.floats(0, 50),
)
def test_chord_distance_within_a_metre_of_haversine(lat, lon, bearing, distance_km):
    """Distances measured in the unit-vector tree agree with haversine to 1 m up to 50 km."""
    lat2, lon2 = destination(lat, lon, bearing, distance_km)
    xyz = unit_vectors([lat, lat2], [lon, lon2])
    tree_km = float(km_from_chord(np.linalg.norm(xyz[0] - xyz[1])))
    assert abs(tree_km - float(haversine_km(lat, lon, lat2, lon2))) < 1e-3
    assert abs(tree_km - distance_km) < 1e-3


@settings(max_examples=30, deadline=None)
@given(
    lat=st.floats(41, 51),
    lon=st.floats(-5, 9),
    radius_km=st.floats(0.5, 50),
    seed=st.integers(0, 2**32 - 1),
)
def test_ball_query_matches_brute_force_haversine(lat, lon, radius_km, seed):
    """A radius query on unit vectors gives the haversine answer, except within 1 m of the edge."""
    rng = np.random.default_rng(seed)
    pts_lat = lat + rng.uniform(-0.7, 0.7, 300)
    pts_lon = lon + rng.uniform(-1.0, 1.0, 300)
    tree = cKDTree(unit_vectors(pts_lat, pts_lon))
    found = set(
        tree.query_ball_point(unit_vectors([lat], [lon])[0], float(chord_from_km(radius_km)))
    )
    d = haversine_km(lat, lon, pts_lat, pts_lon)
    sure_in = set(np.flatnonzero(d <= radius_km - 1e-3).tolist())
    sure_out = set(np.flatnonzero(d > radius_km + 1e-3).tolist())
    assert sure_in <= found
    assert not (found & sure_out)


def test_pairwise_distance_uses_the_right_metric():
    a = Points.from_latlon([0.0], [0.0])
    b = Points.from_latlon([0.0, 0.0], [1.0, 0.0])
    np.testing.assert_allclose(pairwise_distance_km(a, b), [[111.19508, 0.0]], atol=1e-5)
    m = Points.from_metric([0.0], [0.0])
    n = Points.from_metric([3000.0], [4000.0])
    assert pairwise_distance_km(m, n).tolist() == [[5.0]]


def test_laea_guidance_note_example():
    """EPSG Guidance Note 7-2 example for ETRS89 / LAEA Europe: 50°N 5°E."""
    x, y = latlon_to_laea(50.0, 5.0)
    assert float(x) == pytest.approx(3962799.45, abs=0.01)
    assert float(y) == pytest.approx(2999718.85, abs=0.01)
    lat, lon = laea_to_latlon(3962799.45, 2999718.85)
    # The example's coordinates are rounded to the centimetre (about 1e-7 degree).
    assert float(lat) == pytest.approx(50.0, abs=1e-7)
    assert float(lon) == pytest.approx(5.0, abs=1e-7)


def test_laea_false_origin():
    """The natural origin 52°N 10°E maps to the false easting and northing, and back."""
    x, y = latlon_to_laea(52.0, 10.0)
    assert (float(x), float(y)) == pytest.approx((4321000.0, 3210000.0), abs=1e-6)
    lat, lon = laea_to_latlon(4321000.0, 3210000.0)
    assert (float(lat), float(lon)) == (52.0, 10.0)


@settings(max_examples=100, deadline=None)
@given(lat=st.floats(35, 72), lon=st.floats(-25, 45))
def test_laea_round_trip_is_submillimetric(lat, lon):
    x, y = latlon_to_laea(lat, lon)
    lat2, lon2 = laea_to_latlon(x, y)
    # 1e-8 degree is about 1 mm.
    assert abs(float(lat2) - lat) < 1e-8
    assert abs(float(lon2) - lon) < 1e-8


def test_laea_agrees_with_proj():
    """Reference values computed once with PROJ (pyproj, EPSG:4258 → EPSG:3035)."""
    lats = np.array([43.2951, 48.8566, 41.9, 51.05, 45.76])
    lons = np.array([-0.3708, 2.3522, 8.74, 2.37, 4.84])
    proj_x = [3480163.074, 3760771.865, 4216063.138, 3787078.69, 3919383.519]
    proj_y = [2301193.939, 2889484.802, 2089406.33, 3132198.047, 2530287.98]
    x, y = latlon_to_laea(lats, lons)
    np.testing.assert_allclose(x, proj_x, atol=2e-3)
    np.testing.assert_allclose(y, proj_y, atol=2e-3)


def test_metric_points_convert_to_latlon():
    """A grid cell centre converts through the inverse projection."""
    pts = Points.from_metric([3962799.45], [2999718.85])
    np.testing.assert_allclose(pts.latlon, [[50.0, 5.0]], atol=1e-8)
    np.testing.assert_allclose(np.linalg.norm(pts.unit_xyz, axis=1), [1.0])
