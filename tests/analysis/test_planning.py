"""Location planning: maximal covering (greedy, exact) and p-median."""

import itertools
import math

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from maillage.analysis import (
    Points,
    coverage,
    coverage_sets,
    exact_max_coverage,
    greedy_max_coverage,
    merge_points,
    plan,
)


def on_a_line(xs_km, population=None):
    """Points on the x axis of the EPSG:3035 plane (exact Euclidean arithmetic)."""
    xs = np.asarray(xs_km, dtype=float) * 1000
    return Points.from_metric(xs, np.zeros_like(xs), population)


@pytest.fixture
def trap():
    """The textbook instance where greedy is not optimal, laid out on a line, r = 5 km.

    Points e(-7) a(-4) b(-2.5) c(2.5) d(4) f(7), one inhabitant each. Candidates S0(0) covers
    {a, b, c, d}, S1(-3) covers {e, a, b}, S2(3) covers {c, d, f}. Greedy takes S0 then S1: 5;
    the optimum S1 + S2 covers all 6.
    """
    population = on_a_line([-7, -4, -2.5, 2.5, 4, 7])
    candidates = on_a_line([0, -3, 3])
    return population, candidates


def test_coverage_sets_of_the_trap(trap):
    population, candidates = trap
    sets = coverage_sets(population, candidates, radius_km=5)
    assert sets.toarray().astype(int).tolist() == [
        [0, 1, 1, 1, 1, 0],
        [1, 1, 1, 0, 0, 0],
        [0, 0, 0, 1, 1, 1],
    ]


def test_greedy_on_the_trap_reports_its_gap(trap):
    population, candidates = trap
    res = plan(population, candidates, radius_km=5, n_new=2, method="greedy")
    assert res.chosen.tolist() == [0, 1]
    assert res.gains.tolist() == [4.0, 1.0]
    assert (res.covered_before, res.covered_after, res.population_total) == (0.0, 5.0, 6.0)
    # Bound after the first pick: 4 + (1 + 1) = 6.
    assert res.bound == 6.0
    assert res.upper_bound == 6.0
    assert res.gap == pytest.approx(1 / 6)
    assert res.status == "feasible"


def test_exact_on_the_trap_is_optimal(trap):
    population, candidates = trap
    res = plan(population, candidates, radius_km=5, n_new=2, method="exact")
    assert sorted(res.chosen.tolist()) == [1, 2]
    assert res.gains.tolist() == [3.0, 3.0]
    assert (res.covered_after, res.bound, res.gap, res.status) == (6.0, 6.0, 0.0, "optimal")


def test_existing_sites_are_taken_into_account(trap):
    """An existing site at -7 covers e, a, b; one new site should then cover c, d, f."""
    population, candidates = trap
    res = plan(population, candidates, 5, 1, existing_sites=on_a_line([-7]), method="greedy")
    assert res.covered_before == 3.0
    assert res.chosen.tolist() == [2]
    assert res.gains.tolist() == [3.0]
    assert res.covered_after == 6.0
    assert res.status == "optimal"
    assert res.mean_distance_before_km == pytest.approx((0 + 3 + 4.5 + 9.5 + 11 + 14) / 6)


def test_sites_adding_nobody_are_not_proposed(trap):
    """A fourth candidate far away covers nobody: asking for 4 sites returns at most 3."""
    population, _ = trap
    candidates = on_a_line([0, -3, 3, 100])
    greedy = plan(population, candidates, radius_km=5, n_new=4, method="greedy")
    assert greedy.chosen.tolist() == [0, 1, 2]
    assert greedy.gains.tolist() == [4.0, 1.0, 1.0]
    exact = plan(population, candidates, radius_km=5, n_new=4, method="exact")
    assert exact.covered_after == 6.0
    assert 3 not in exact.chosen.tolist()


def test_to_dict(trap):
    population, candidates = trap
    out = plan(population, candidates, radius_km=5, n_new=2).to_dict()
    assert out["population_covered_after"] == 5.0
    assert out["upper_bound"] == 6.0
    assert out["chosen"] == [{"index": 0, "gain": 4.0}, {"index": 1, "gain": 1.0}]
    assert out["mean_distance_km_before"] is None  # no existing site: infinite


def test_greedy_and_exact_on_arrays():
    sets = sp.csr_array(
        np.array([[1, 1, 1, 1, 0, 0], [1, 1, 0, 0, 1, 0], [0, 0, 1, 1, 0, 1]], dtype=bool)
    )
    w = np.ones(6)
    greedy = greedy_max_coverage(sets, w, 2, lp_bound=False)
    assert (greedy.value, greedy.upper_bound, greedy.status) == (5.0, 6.0, "feasible")
    exact = exact_max_coverage(sets, w, 2)
    assert (exact.value, exact.upper_bound, exact.status) == (6.0, 6.0, "optimal")
    assert exact.gap == 0.0


def test_lp_bound_can_tighten_the_greedy_bound():
    """Three sets pairwise overlapping: LP relaxation gives 3·(1/2)·… below the greedy bound."""
    sets = sp.csr_array(np.array([[1, 1, 0], [0, 1, 1], [1, 0, 1]], dtype=bool))
    w = np.ones(3)
    without = greedy_max_coverage(sets, w, 1, lp_bound=False)
    with_lp = greedy_max_coverage(sets, w, 1, lp_bound=True)
    assert without.value == with_lp.value == 2.0
    assert with_lp.upper_bound <= without.upper_bound
    assert with_lp.upper_bound == pytest.approx(2.0)
    assert with_lp.status == "optimal"


def test_merge_points_merges_identical_columns():
    sets = sp.csr_array(np.array([[1, 1, 0, 1, 0], [0, 0, 1, 1, 0]], dtype=bool))
    groups, w = merge_points(sets, np.array([1.0, 2.0, 4.0, 8.0, 16.0]))
    # Points 0 and 1 share {0}; point 2 {1}; point 3 {0, 1}; point 4 is covered by nobody.
    assert groups.toarray().astype(int).tolist() == [[1, 0], [0, 1], [1, 1]]
    assert w.tolist() == [3.0, 4.0, 8.0]


def test_empty_inputs():
    pop = on_a_line([0, 1], [5, 5])
    nothing = plan(pop, Points.empty("metric"), radius_km=5, n_new=3)
    assert nothing.chosen.tolist() == []
    assert (nothing.covered_after, nothing.bound, nothing.gap) == (0.0, 0.0, 0.0)
    none_asked = plan(pop, on_a_line([0]), radius_km=5, n_new=0, method="exact")
    assert none_asked.chosen.tolist() == []
    assert none_asked.status == "optimal"
    nobody = plan(Points.empty("metric"), on_a_line([0]), radius_km=5, n_new=1)
    assert (nobody.population_total, nobody.covered_after, nobody.gap) == (0.0, 0.0, 0.0)
    for method in ("greedy", "exact"):
        res = plan(Points.empty(), Points.empty(), 5, 2, method=method, objective="distance")
        assert res.chosen.tolist() == []
    empty_sets = sp.csr_array((0, 0), dtype=bool)
    assert greedy_max_coverage(empty_sets, np.empty(0), 3).value == 0.0
    assert exact_max_coverage(empty_sets, np.empty(0), 3).status == "optimal"


def test_invalid_arguments():
    pop = on_a_line([0])
    with pytest.raises(ValueError, match="method"):
        plan(pop, pop, 1, 1, method="magic")
    with pytest.raises(ValueError, match="objective"):
        plan(pop, pop, 1, 1, objective="fun")
    with pytest.raises(ValueError, match="n_new"):
        plan(pop, pop, 1, -1)
    with pytest.raises(ValueError, match="radius_km"):
        plan(pop, pop, -1, 1)


# --- p-median ---------------------------------------------------------------------------------


def test_p_median_hand_checked():
    """Two clusters; two sites must go one to each, at the heavier point of each cluster."""
    population = on_a_line([0, 1, 10, 11], [10, 1, 1, 10])
    candidates = on_a_line([0, 1, 10, 11, 5])
    for method in ("exact", "greedy"):
        res = plan(population, candidates, 3, 2, method=method, objective="distance")
        assert sorted(res.chosen.tolist()) == [0, 3], method
        # 2 people at 1 km out of 22.
        assert res.mean_distance_after_km == pytest.approx(2 / 22), method
        assert res.bound == pytest.approx(2 / 22, abs=1e-9), method
        assert res.status == "optimal", method
        assert res.to_dict()["lower_bound_mean_distance_km"] == pytest.approx(2 / 22)


def test_p_median_with_a_tiny_k_still_proves_the_optimum():
    """k = 1 lists only the nearest candidate; exact runs enlarge the lists until proven."""
    population = on_a_line([0, 1, 2, 10, 11, 12, 30], [1, 5, 1, 1, 5, 1, 2])
    candidates = on_a_line([0, 1, 2, 10, 11, 12, 30, 20])
    res = plan(population, candidates, 3, 2, method="exact", objective="distance", k_nearest=1)
    best = _brute_force_median(population, candidates, None, 2)
    assert res.mean_distance_after_km == pytest.approx(best)
    assert res.status == "optimal"


# --- properties --------------------------------------------------------------------------------


def _brute_force_coverage(population, candidates, existing, radius_km, n_new):
    best = coverage(population, existing, radius_km).population_covered
    for size in range(1, min(n_new, len(candidates)) + 1):
        for combo in itertools.combinations(range(len(candidates)), size):
            sites = Points.concat([existing, candidates.subset(list(combo))])
            best = max(best, coverage(population, sites, radius_km).population_covered)
    return best


def _brute_force_median(population, candidates, existing, n_new):
    existing = existing if existing is not None else Points.empty(candidates.crs)
    best = math.inf
    for size in range(min(n_new, len(candidates)) + 1):
        for combo in itertools.combinations(range(len(candidates)), size):
            sites = Points.concat([existing, candidates.subset(list(combo))])
            res = coverage(population, sites, 1.0)
            best = min(best, res.distance_km.mean_km)
    return best


def _latlon(rows, with_population=True):
    if not rows:
        return Points.empty()
    cols = list(zip(*rows, strict=True))
    return Points.from_latlon(cols[0], cols[1], cols[2] if with_population else None)


instance = st.fixed_dictionaries(
    {
        "points": st.lists(
            st.tuples(st.floats(43.0, 43.3), st.floats(-0.6, -0.2), st.integers(0, 100)),
            max_size=14,
        ),
        "candidates": st.lists(st.tuples(st.floats(43.0, 43.3), st.floats(-0.6, -0.2)), max_size=6),
        "existing": st.lists(st.tuples(st.floats(43.0, 43.3), st.floats(-0.6, -0.2)), max_size=2),
        "radius_km": st.floats(1, 20),
        "n_new": st.integers(0, 3),
    }
)


@settings(max_examples=40, deadline=None)
@given(case=instance)
def test_exact_equals_brute_force_and_bounds_hold(case):
    population = _latlon(case["points"])
    candidates = _latlon(case["candidates"], with_population=False)
    existing = _latlon(case["existing"], with_population=False)
    r, n_new = case["radius_km"], case["n_new"]
    best = _brute_force_coverage(population, candidates, existing, r, n_new)
    exact = plan(population, candidates, r, n_new, existing, method="exact")
    greedy = plan(population, candidates, r, n_new, existing, method="greedy")
    assert exact.covered_after == pytest.approx(best)
    assert exact.status == "optimal"
    assert exact.gap == pytest.approx(0.0, abs=1e-9)
    new_exact = exact.covered_after - exact.covered_before
    new_greedy = greedy.covered_after - greedy.covered_before
    assert new_greedy >= (1 - 1 / math.e) * new_exact - 1e-9
    assert greedy.covered_after <= greedy.bound + 1e-9
    assert exact.covered_after <= greedy.bound + 1e-9
    for res in (exact, greedy):
        assert len(res.chosen) <= n_new
        assert len(set(res.chosen.tolist())) == len(res.chosen)
        assert (res.gains > 0).all()


@settings(max_examples=40, deadline=None)
@given(case=instance)
def test_plan_reports_what_coverage_computes(case):
    population = _latlon(case["points"])
    candidates = _latlon(case["candidates"], with_population=False)
    existing = _latlon(case["existing"], with_population=False)
    r, n_new = case["radius_km"], case["n_new"]
    for method in ("greedy", "exact"):
        res = plan(population, candidates, r, n_new, existing, method=method)
        sites = Points.concat([existing, candidates.subset(res.chosen)])
        assert res.covered_before == coverage(population, existing, r).population_covered
        assert res.covered_after == coverage(population, sites, r).population_covered
        assert res.covered_before + res.gains.sum() == pytest.approx(res.covered_after)
        assert res.population_total == population.total_population


@settings(max_examples=25, deadline=None)
@given(case=instance, k=st.sampled_from([None, 1, 2]))
def test_p_median_exact_equals_brute_force(case, k):
    population = _latlon(case["points"])
    candidates = _latlon(case["candidates"], with_population=False)
    existing = _latlon(case["existing"], with_population=False)
    n_new = case["n_new"]
    options = {"objective": "distance", "k_nearest": k}
    exact = plan(population, candidates, 5, n_new, existing, method="exact", **options)
    greedy = plan(population, candidates, 5, n_new, existing, method="greedy", **options)
    if population.total_population == 0 or (
        len(existing) == 0 and (n_new == 0 or not len(candidates))
    ):
        return
    best = _brute_force_median(population, candidates, existing, n_new)
    assert exact.mean_distance_after_km == pytest.approx(best, rel=1e-9, abs=1e-9)
    assert exact.status == "optimal"
    assert greedy.mean_distance_after_km >= best - 1e-9
    assert greedy.bound <= best + 1e-9
    sites = Points.concat([existing, candidates.subset(exact.chosen)])
    assert exact.covered_after == coverage(population, sites, 5).population_covered


# --- merging and the greedy's bound at speed (issue 14) ----------------------------------------


def _merge_by_brute_force(sets, weights):
    """Groups of equal columns (numbered by first point), their weights, their sets."""
    dense = sets.toarray()
    keys: dict[bytes, int] = {}
    firsts, group_w = [], []
    for i in range(dense.shape[1]):
        if weights[i] <= 0 or not dense[:, i].any():
            continue
        key = dense[:, i].tobytes()
        if key not in keys:
            keys[key] = len(firsts)
            firsts.append(i)
            group_w.append(0.0)
        group_w[keys[key]] += weights[i]
    return dense[:, firsts].T, np.array(group_w)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    m=st.integers(1, 12),
    n=st.integers(1, 80),
    chunk=st.sampled_from([3, 50, 4_000_000]),
)
def test_merge_points_equals_brute_force(seed, m, n, chunk):
    from maillage.analysis import covering

    rng = np.random.default_rng(seed)
    base = rng.random((m, max(1, n // 3))) < 0.4
    dense = base[:, rng.integers(0, base.shape[1], n)]  # repeated columns make groups
    weights = rng.integers(0, 4, n).astype(float)
    saved = covering._CHUNK_NNZ
    covering._CHUNK_NNZ = chunk  # many chunks: the sums must not depend on the chunking
    try:
        groups, gw = merge_points(sp.csr_array(dense), weights)
    finally:
        covering._CHUNK_NNZ = saved
    expected_groups, expected_w = _merge_by_brute_force(sp.csr_array(dense), weights)
    np.testing.assert_array_equal(groups.toarray(), expected_groups.reshape(-1, m))
    np.testing.assert_array_equal(gw, expected_w.reshape(-1))


def test_grouping_falls_back_to_the_three_key_sort_when_two_keys_share_h1():
    """A forced h1 collision between different sets: the runs still split exactly by key."""
    from maillage.analysis.covering import _group_equal_keys

    kept = np.arange(6)
    counts = np.array([2, 1, 2, 1, 2, 3])
    h1 = np.array([5.0, 5.0, 5.0, 5.0, 7.0, 5.0])  # points 0-3 and 5 collide on h1
    h2 = np.array([1.0, 2.0, 1.0, 2.0, 1.0, 1.0])
    ks, new = _group_equal_keys(kept, counts, h1, h2)
    groups = np.split(ks, np.flatnonzero(new)[1:])
    assert sorted(sorted(g.tolist()) for g in groups) == [[0, 2], [1, 3], [4], [5]]


def test_the_greedy_bound_stays_valid_within_its_iteration_budget(monkeypatch):
    """With one subgradient step or many, the bound is ≥ the exact optimum and ≥ the answer."""
    from maillage.analysis import covering

    rng = np.random.default_rng(11)
    sets = sp.csr_array(rng.random((14, 300)) < 0.12)
    weights = rng.integers(1, 50, 300).astype(float)
    optimum = exact_max_coverage(sets, weights, 3).value
    bounds = []
    for steps in (1, 20, 300):
        monkeypatch.setattr(covering, "_LAGRANGIAN_MIN_STEPS", steps)
        monkeypatch.setattr(covering, "_LAGRANGIAN_WORK", 0.0)
        sol = greedy_max_coverage(sets, weights, 3, lp_bound=True)
        assert sol.upper_bound >= optimum - 1e-9
        assert sol.upper_bound >= sol.value
        bounds.append(sol.upper_bound)
    assert bounds[-1] <= bounds[0]  # more steps never loosen it
