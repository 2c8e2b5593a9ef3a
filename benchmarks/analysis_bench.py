"""Benchmarks of the analysis core, side by side with the usual tools (issue 3, section 5).

    python -m benchmarks.analysis_bench [--quick] [--only B0,B1,B3a,B3b,B5] [--data-dir DIR]

Every measurement runs in a fresh subprocess so that its peak memory (``ru_maxrss``) is its own;
the tables give wall time, peak resident memory, the increase over the resident memory after
loading the inputs, and a quality figure. Data are synthetic, France-like and deterministic
(:mod:`benchmarks.synthetic`); ``--data-dir`` keeps them between runs.

B0  reading a Filosofi-like 200 m grid CSV (all 31 columns of the INSEE file).
B1  coverage of 2.3 M grid cells by 5,000 sites at 5/10/20/30 km: ours vs cKDTree on degrees,
    cKDTree on unit vectors queried once per radius, scikit-learn BallTree(haversine).
B3a maximal covering, 20,000 points × 1,000 candidates, R = 10 km: ours (greedy, exact) vs
    spopt MCLP solved by CBC (its documented solver), end to end from coordinates.
B3b maximal covering at France scale, 2.3 M cells × 5,000 candidates: greedy only.
B5  p-median, 2,000 points × 200 candidates: ours (exact, greedy) vs spopt PMedian (CBC).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import synthetic
from maillage.analysis import (
    EARTH_RADIUS_KM,
    Points,
    chord_from_km,
    coverage,
    coverage_by_radius,
    haversine_km,
    laea_to_latlon,
    plan,
    read_filosofi_csv,
    unit_vectors,
)

RADII_KM = [5.0, 10.0, 20.0, 30.0]
SIZES: dict[str, dict[str, Any]] = {
    "full": {
        "b0_rows": 2_300_000,
        "cells": 2_300_000,
        "sites": 5_000,
        "b3a_points": 20_000,
        "b3a_candidates": 1_000,
        "b3a_n": [5, 20, 50],
        "b3a_spopt_n": [5],  # spopt's run time is mostly model building, the same for every N
        "b3b_candidates": 5_000,
        "b3b_n": [10, 100, 500],
        "b3b_radii": [10.0, 20.0],
        "b5_points": 2_000,
        "b5_candidates": 200,
        "b5_n": [5, 20],
        "timeout_s": 1800,
    },
    "quick": {
        "b0_rows": 200_000,
        "cells": 200_000,
        "sites": 1_000,
        "b3a_points": 4_000,
        "b3a_candidates": 300,
        "b3a_n": [5, 20],
        "b3a_spopt_n": [5, 20],
        "b3b_candidates": 1_000,
        "b3b_n": [10, 100],
        "b3b_radii": [10.0, 20.0],
        "b5_points": 500,
        "b5_candidates": 60,
        "b5_n": [5, 20],
        "timeout_s": 600,
    },
}
SEED = 2024

# --- measurement helpers -------------------------------------------------------------------------


def _rss_mb() -> float:
    with Path("/proc/self/statm").open() as f:
        resident_pages = int(f.read().split()[1])
    return resident_pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_mb() -> float:
    """Peak resident memory of this process (VmHWM: unlike ru_maxrss, not inherited at fork)."""
    with Path("/proc/self/status").open() as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


class Clock:
    """Wall time of a block: ``with Clock() as c: ...; c.s``."""

    def __enter__(self) -> Clock:
        self.t0 = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.s = time.perf_counter() - self.t0


# --- data --------------------------------------------------------------------------------------


def prepare_data(data_dir: Path, size: dict[str, Any], only: set[str]) -> None:
    """Generate (once) the synthetic inputs into ``data_dir``."""
    data_dir.mkdir(parents=True, exist_ok=True)
    cells = data_dir / "cells.npz"
    if (only & {"B1", "B3b"}) and not cells.exists():
        print(f"generating {size['cells']:,} France-like cells …", flush=True)
        x, y, pop = synthetic.france_like_cells(size["cells"], SEED, total_population=66e6)
        lat, lon = laea_to_latlon(x, y)
        s_lat, s_lon = synthetic.sites_from_cells(x, y, pop, size["sites"], SEED + 1)
        c_lat, c_lon = synthetic.sites_from_cells(x, y, pop, size["b3b_candidates"], SEED + 2)
        np.savez(
            cells, x=x, y=y, pop=pop, lat=lat, lon=lon, s_lat=s_lat, s_lon=s_lon,
            c_lat=c_lat, c_lon=c_lon,
        )  # fmt: skip
        kinds = synthetic.site_kinds(size["sites"], SEED + 3)
        (data_dir / "kinds.json").write_text(json.dumps(kinds))
    for name, n_points, n_cand in (
        ("b3a", size["b3a_points"], size["b3a_candidates"]),
        ("b5", size["b5_points"], size["b5_candidates"]),
    ):
        path = data_dir / f"{name}.npz"
        if name.upper() in {o.upper() for o in only} and not path.exists():
            x, y, pop = synthetic.france_like_cells(n_points, SEED + 10, synthetic.REGION_BBOX)
            lat, lon = laea_to_latlon(x, y)
            rng = np.random.default_rng(SEED + 11)
            pick = rng.choice(n_points, n_cand, replace=False)  # candidates at inhabited places
            np.savez(path, lat=lat, lon=lon, pop=pop, c_lat=lat[pick], c_lon=lon[pick])
    grid_csv = data_dir / "filosofi.csv"
    if "B0" in only and not grid_csv.exists():
        print(f"writing a {size['b0_rows']:,}-row Filosofi-like CSV …", flush=True)
        write_filosofi_like_csv(grid_csv, size["b0_rows"])


FILOSOFI_COLUMNS = (
    "idcar_200m,idcar_1km,idcar_nat,i_est_200,i_est_1km,lcog_geo,ind,men,men_pauv,men_1ind,"
    "men_5ind,men_prop,men_fmp,ind_snv,men_surf,men_coll,men_mais,log_av45,log_45_70,"
    "log_70_90,log_ap90,log_inc,log_soc,ind_0_3,ind_4_5,ind_6_10,ind_11_17,ind_18_24,"
    "ind_25_39,ind_40_54,ind_55_64,ind_65_79,ind_80p,ind_inc"
)


def write_filosofi_like_csv(path: Path, n_rows: int) -> None:
    """A file shaped like INSEE's ``carreaux_200m_met.csv`` (values are synthetic)."""
    x, y, pop = synthetic.france_like_cells(n_rows, SEED + 20)
    rng = np.random.default_rng(SEED + 21)
    col = ((x - 100) // 200 * 200).astype(np.int64)
    row = ((y - 100) // 200 * 200).astype(np.int64)
    men = np.round(pop / 2.2, 1)
    tail = ",".join(["1.5"] * 26)
    with path.open("w") as f:
        f.write(FILOSOFI_COLUMNS + "\n")
        for start in range(0, n_rows, 200_000):
            stop = min(n_rows, start + 200_000)
            lines = [
                f"CRS3035RES200mN{r}E{c},CRS3035RES1000mN{r // 1000 * 1000}E{c // 1000 * 1000},"
                f"CRS3035RES200mN{r}E{c}{i},0,0,{64000 + i % 999},{p:.1f},{m},{tail}"
                for r, c, p, m, i in zip(
                    row[start:stop].tolist(),
                    col[start:stop].tolist(),
                    pop[start:stop].tolist(),
                    men[start:stop].tolist(),
                    rng.integers(0, 10_000, stop - start).tolist(),
                    strict=True,
                )
            ]
            f.write("\n".join(lines) + "\n")


# --- workers (run in subprocesses) ---------------------------------------------------------------


def worker_b0(data_dir: Path, params: dict[str, Any]) -> dict[str, Any]:
    path = data_dir / "filosofi.csv"
    base = _rss_mb()
    with Clock() as c:
        pts = read_filosofi_csv(path)
    return {
        "time_s": c.s,
        "rows": len(pts),
        "population": pts.total_population,
        "file_mb": path.stat().st_size / 2**20,
        "base_mb": base,
    }


def _b1_inputs(data_dir: Path) -> dict[str, np.ndarray]:
    d = np.load(data_dir / "cells.npz")
    return {k: d[k] for k in ("x", "y", "pop", "lat", "lon", "s_lat", "s_lon")}


def worker_b1(data_dir: Path, params: dict[str, Any]) -> dict[str, Any]:
    method = params["method"]
    d = _b1_inputs(data_dir)
    base = _rss_mb()
    pop = d["pop"]
    total = float(pop.sum())
    out: dict[str, Any] = {"base_mb": base}
    with Clock() as c:
        if method in ("ours", "ours_2threads", "ours_from_grid"):
            workers = -1 if method == "ours_2threads" else 1
            if method == "ours_from_grid":
                population = Points.from_metric(d["x"], d["y"], pop)
            else:
                population = Points.from_latlon(d["lat"], d["lon"], pop)
            sites = Points.from_latlon(d["s_lat"], d["s_lon"])
            res = coverage_by_radius(population, sites, RADII_KM, workers=workers)
            shares = [res[r].share_covered for r in RADII_KM]
        elif method == "ckdtree_degrees":
            from scipy.spatial import cKDTree

            tree = cKDTree(np.column_stack([d["s_lat"], d["s_lon"]]))
            q = np.column_stack([d["lat"], d["lon"]])
            km_per_degree = math.pi * EARTH_RADIUS_KM / 180
            shares = []
            for r in RADII_KM:
                dist, _ = tree.query(q, k=1, distance_upper_bound=r / km_per_degree)
                shares.append(float(pop[np.isfinite(dist)].sum()) / total)
        elif method == "ckdtree_3d_per_radius":
            from scipy.spatial import cKDTree

            tree = cKDTree(unit_vectors(d["s_lat"], d["s_lon"]))
            q = unit_vectors(d["lat"], d["lon"])
            shares = []
            for r in RADII_KM:
                dist, _ = tree.query(q, k=1, distance_upper_bound=float(chord_from_km(r)))
                shares.append(float(pop[np.isfinite(dist)].sum()) / total)
        elif method == "balltree_haversine":
            from sklearn.neighbors import BallTree

            tree = BallTree(
                np.radians(np.column_stack([d["s_lat"], d["s_lon"]])), metric="haversine"
            )
            dist, _ = tree.query(np.radians(np.column_stack([d["lat"], d["lon"]])), k=1)
            dist_km = dist[:, 0] * EARTH_RADIUS_KM
            shares = [float(pop[dist_km <= r].sum()) / total for r in RADII_KM]
        else:
            raise ValueError(method)
    out.update(time_s=c.s, shares=shares)
    return out


def worker_b1_kinds(data_dir: Path, params: dict[str, Any]) -> dict[str, Any]:
    """Coverage per kind: three kinds and all sites, four radii, one nearest search per kind."""
    d = _b1_inputs(data_dir)
    kinds = json.loads((data_dir / "kinds.json").read_text())
    population = Points.from_latlon(d["lat"], d["lon"], d["pop"])
    population.unit_xyz  # noqa: B018 - conversion cached, as in the product
    sites = Points.from_latlon(d["s_lat"], d["s_lon"])
    base = _rss_mb()
    with Clock() as c:
        res = coverage_by_radius(
            population, sites, RADII_KM, site_kinds=kinds, workers=params["workers"]
        )
    return {"time_s": c.s, "n_kinds": len(res[RADII_KM[0]].by_kind), "base_mb": base}


def _latlon_points(d: Any, population: bool = True) -> Points:
    if population:
        return Points.from_latlon(d["lat"], d["lon"], d["pop"])
    return Points.from_latlon(d["c_lat"], d["c_lon"])


def _dense_km(pop: Points, cand: Points) -> np.ndarray:
    """The dense population × candidate distance matrix spopt needs (haversine, km)."""
    return haversine_km(pop.coords[:, :1], pop.coords[:, 1:], cand.coords[:, 0], cand.coords[:, 1])


def worker_b3a(data_dir: Path, params: dict[str, Any]) -> dict[str, Any]:
    method, radius_km = params["method"], params["radius_km"]
    d = np.load(data_dir / "b3a.npz")
    pop, cand = _latlon_points(d), _latlon_points(d, population=False)
    base = _rss_mb()
    rows = []
    for n_new in params["n"]:
        with Clock() as c:
            if method in ("greedy", "exact"):
                res = plan(pop, cand, radius_km, n_new, method=method, time_limit_s=600, workers=1)
                chosen, bound = res.chosen, res.bound
            else:
                import pulp
                from spopt.locate import MCLP

                cost = _dense_km(pop, cand)
                model = MCLP.from_cost_matrix(cost, d["pop"], radius_km, n_new)
                model.solve(pulp.PULP_CBC_CMD(msg=False))
                chosen = np.array([j for j, v in enumerate(model.fac_vars) if v.value() > 0.5])
                bound = math.nan
        covered = coverage(pop, cand.subset(chosen), radius_km).population_covered
        rows.append({"n": n_new, "time_s": c.s, "covered": covered, "bound": bound})
    return {"rows": rows, "base_mb": base, "total": pop.total_population}


def worker_b3b(data_dir: Path, params: dict[str, Any]) -> dict[str, Any]:
    d = np.load(data_dir / "cells.npz")
    pop = Points.from_metric(d["x"], d["y"], d["pop"])
    cand = Points.from_latlon(d["c_lat"], d["c_lon"])
    base = _rss_mb()
    rows = []
    for n_new in params["n"]:
        pop_fresh = Points.from_metric(d["x"], d["y"], d["pop"])  # no cached conversion
        with Clock() as c:
            res = plan(pop_fresh, cand, params["radius_km"], n_new, method="greedy")
        rows.append(
            {
                "n": n_new,
                "time_s": c.s,
                "covered": res.covered_after,
                "bound": res.bound,
                "gap": res.gap,
                "gain_gap": res.gain_gap,
                "status": res.status,
            }
        )
    return {"rows": rows, "base_mb": base, "total": pop.total_population}


def worker_b5(data_dir: Path, params: dict[str, Any]) -> dict[str, Any]:
    method = params["method"]
    d = np.load(data_dir / "b5.npz")
    pop, cand = _latlon_points(d), _latlon_points(d, population=False)
    base = _rss_mb()
    rows = []
    for n_new in params["n"]:
        with Clock() as c:
            if method in ("greedy", "exact"):
                res = plan(
                    pop, cand, 10, n_new, method=method, objective="distance", time_limit_s=600,
                    workers=1,
                )  # fmt: skip
                chosen, bound, status = res.chosen, res.bound, res.status
            else:
                import pulp
                from spopt.locate import PMedian

                cost = _dense_km(pop, cand)
                model = PMedian.from_cost_matrix(cost, d["pop"], n_new)
                model.solve(pulp.PULP_CBC_CMD(msg=False))
                chosen = np.array([j for j, v in enumerate(model.fac_vars) if v.value() > 0.5])
                bound, status = math.nan, "optimal"
        mean_km = coverage(pop, cand.subset(chosen), 10).distance_km.mean_km
        rows.append(
            {"n": n_new, "time_s": c.s, "mean_km": mean_km, "bound": bound, "status": status}
        )
    return {"rows": rows, "base_mb": base}


WORKERS: dict[str, Callable[[Path, dict[str, Any]], dict[str, Any]]] = {
    "B0": worker_b0,
    "B1": worker_b1,
    "B1kinds": worker_b1_kinds,
    "B3a": worker_b3a,
    "B3b": worker_b3b,
    "B5": worker_b5,
}


def run_worker(name: str, data_dir: Path, params: dict[str, Any], timeout_s: float) -> dict:
    """Run one measurement in a subprocess; returns its result with ``peak_mb`` added."""
    cmd = [
        sys.executable, "-m", "benchmarks.analysis_bench", "--worker", name,
        "--data-dir", str(data_dir), "--params", json.dumps(params),
    ]  # fmt: skip
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired:
        return {"error": f"timeout after {timeout_s:.0f} s", "wall_s": timeout_s}
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr else "failed"}
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["wall_s"] = time.perf_counter() - t0
    return out


# --- tables ---------------------------------------------------------------------------------


def table(title: str, header: list[str], rows: list[list[Any]], note: str = "") -> None:
    cells = [[_fmt(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(header)]
    print(f"\n{title}")
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for r in cells:
        print("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)))
    if note:
        print(note)


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        if math.isnan(v):
            return "—"
        if abs(v) >= 1e5:
            return f"{v:,.0f}"
        return f"{v:.3f}" if abs(v) < 100 else f"{v:.1f}"
    return str(v)


def _mem(res: dict) -> tuple[float, float]:
    return res.get("peak_mb", math.nan), res.get("peak_mb", math.nan) - res.get("base_mb", 0)


def bench_b0(data_dir: Path, size: dict) -> None:
    r = run_worker("B0", data_dir, {}, size["timeout_s"])
    if "error" in r:
        print(f"\nB0 failed: {r['error']}")
        return
    peak, extra = _mem(r)
    table(
        "B0  read a Filosofi-like 200 m grid CSV (31 columns, idcar_200m + ind parsed)",
        ["rows", "file MB", "time s", "rows/s", "peak MB", "+MB over base"],
        [[r["rows"], r["file_mb"], r["time_s"], r["rows"] / r["time_s"], peak, extra]],
    )


def bench_b1(data_dir: Path, size: dict) -> None:
    methods = [
        ("ours (1 thread)", "ours"),
        ("ours (2 threads)", "ours_2threads"),
        ("ours from EPSG:3035 cells", "ours_from_grid"),
        ("cKDTree on degrees", "ckdtree_degrees"),
        ("cKDTree 3-D, one query/radius", "ckdtree_3d_per_radius"),
        ("BallTree haversine", "balltree_haversine"),
    ]
    results = {m: run_worker("B1", data_dir, {"method": m}, size["timeout_s"]) for _, m in methods}
    reference = results["balltree_haversine"].get("shares")
    rows = []
    for label, m in methods:
        r = results[m]
        if "error" in r:
            rows.append([label, r["error"], "", "", "", ""])
            continue
        peak, extra = _mem(r)
        shares = " / ".join(f"{100 * s:.2f}" for s in r["shares"])
        diff = (
            max(abs(a - b) for a, b in zip(r["shares"], reference, strict=True)) * 100
            if reference
            else math.nan
        )
        rows.append([label, r["time_s"], peak, extra, shares, diff])
    table(
        f"B1  coverage of {size['cells']:,} cells by {size['sites']:,} sites, radii "
        f"{'/'.join(str(int(r)) for r in RADII_KM)} km (all four radii)",
        ["method", "time s", "peak MB", "+MB", "share covered % (5/10/20/30)", "max |Δ| pt"],
        rows,
        "Δ: against BallTree haversine (exact great-circle). Ours searches the nearest site once"
        " and thresholds it at every radius.",
    )
    for workers, label in ((1, "1 thread"), (-1, "2 threads")):
        r = run_worker("B1kinds", data_dir, {"workers": workers}, size["timeout_s"])
        if "error" in r:
            print(f"    per kind ({label}): {r['error']}")
            continue
        peak, extra = _mem(r)
        per_kind = r["time_s"] / (r["n_kinds"] + 1)
        print(
            f"    per kind ({label}): {r['n_kinds']} kinds + all sites, four radii each, "
            f"{r['time_s']:.2f} s = {per_kind:.2f} s per kind (cells already converted); "
            f"peak {peak:.0f} MB (+{extra:.0f})"
        )


def bench_b3a(data_dir: Path, size: dict) -> None:
    radius = 10.0
    spopt_n = size["b3a_n"] if size.get("spopt_all") else size["b3a_spopt_n"]
    res = {
        m: run_worker("B3a", data_dir, {"radius_km": radius, "n": size["b3a_n"], "method": m},
                      size["timeout_s"])
        for m in ("greedy", "exact")
    }  # fmt: skip
    res["spopt"] = run_worker(
        "B3a", data_dir, {"radius_km": radius, "n": spopt_n, "method": "spopt"}, size["timeout_s"]
    )
    spopt_rows = {row["n"]: row for row in res["spopt"].get("rows", [])}
    rows = []
    for i, n_new in enumerate(size["b3a_n"]):
        sp = spopt_rows.get(n_new)
        exact_row = res["exact"]["rows"][i] if "rows" in res["exact"] else None
        # Reference optimum: spopt's when it ran, else our exact one (proven by HiGHS).
        ref = sp or exact_row
        for m in ("greedy", "exact", "spopt"):
            r = res[m]
            if "error" in r:
                rows.append([n_new, m, r["error"], "", "", "", "", ""])
                continue
            row = r["rows"][i] if m != "spopt" else sp
            if row is None:
                rows.append([n_new, m, "not run (--spopt-all)", "", "", "", "", ""])
                continue
            peak, _ = _mem(r)
            vs = (row["covered"] - ref["covered"]) / ref["covered"] * 100 if ref else math.nan
            speed = sp["time_s"] / row["time_s"] if sp else math.nan
            bound = row["bound"]
            gap = (
                (bound - row["covered"]) / bound * 100
                if bound and math.isfinite(bound)
                else math.nan
            )
            rows.append([n_new, m, row["time_s"], peak, row["covered"], vs, gap, speed])
    table(
        f"B3a maximal covering, {size['b3a_points']:,} points × {size['b3a_candidates']:,} "
        f"candidates, R = {radius:g} km (end to end from coordinates)",
        ["N", "method", "time s", "peak MB", "covered", "vs optimum %", "gap %", "spopt time ×"],
        rows,
        "spopt: MCLP.from_cost_matrix + PULP_CBC_CMD, dense haversine cost matrix included. "
        "Optimum: spopt's where it ran, otherwise our exact (HiGHS status optimal).\n"
        "gap % = (upper bound − covered) / upper bound, reported with our answers.",
    )


def bench_b3b(data_dir: Path, size: dict) -> None:
    rows = []
    for radius_km in size["b3b_radii"]:
        r = run_worker(
            "B3b", data_dir, {"radius_km": radius_km, "n": size["b3b_n"]}, size["timeout_s"]
        )
        if "error" in r:
            rows.append([radius_km, "", r["error"], "", "", "", "", ""])
            continue
        peak, _ = _mem(r)
        for row in r["rows"]:
            rows.append(
                [
                    radius_km,
                    row["n"],
                    row["time_s"],
                    peak,
                    100 * row["covered"] / r["total"],
                    100 * row["gap"],
                    100 * row["gain_gap"],
                    row["status"],
                ]
            )
    n_cells, n_cand = size["cells"], size["b3b_candidates"]
    dense_gb = n_cells * n_cand * 8 / 1e9
    table(
        f"B3b maximal covering at France scale: {n_cells:,} cells (EPSG:3035) × {n_cand:,} "
        "lat/lon candidates, greedy, end to end",
        ["R km", "N", "time s", "peak MB", "covered %", "gap %", "gap on new %", "status"],
        rows,
        f"spopt not run: its MCLP needs the dense {n_cells:,} × {n_cand:,} cost matrix "
        f"({dense_gb:.0f} GB in float64) and one PuLP constraint term per pair; peak MB is "
        "the maximum over the N of one radius.",
    )


def bench_b5(data_dir: Path, size: dict) -> None:
    params = {"n": size["b5_n"]}
    res = {
        m: run_worker("B5", data_dir, {**params, "method": m}, size["timeout_s"])
        for m in ("exact", "greedy", "spopt")
    }
    rows = []
    for i, n_new in enumerate(size["b5_n"]):
        sp = res["spopt"]["rows"][i] if "rows" in res["spopt"] else None
        for m in ("exact", "greedy", "spopt"):
            r = res[m]
            if "error" in r:
                rows.append([n_new, m, r["error"], "", "", "", "", ""])
                continue
            row = r["rows"][i]
            peak, _ = _mem(r)
            vs = (row["mean_km"] - sp["mean_km"]) / sp["mean_km"] * 100 if sp else math.nan
            speed = sp["time_s"] / row["time_s"] if sp else math.nan
            rows.append([n_new, m, row["time_s"], peak, row["mean_km"], vs, row["status"], speed])
    table(
        f"B5  p-median, {size['b5_points']:,} points × {size['b5_candidates']:,} candidates",
        ["N", "method", "time s", "peak MB", "mean km", "vs spopt %", "status", "spopt time ×"],
        rows,
        "Mean = population-weighted mean distance to the nearest chosen site (recomputed the "
        "same way for every method).",
    )


BENCHES = {"B0": bench_b0, "B1": bench_b1, "B3a": bench_b3a, "B3b": bench_b3b, "B5": bench_b5}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (about a minute)")
    parser.add_argument("--only", default="B0,B1,B3a,B3b,B5", help="comma-separated benches")
    parser.add_argument("--data-dir", type=Path, help="where to keep the generated data")
    parser.add_argument(
        "--spopt-all", action="store_true", help="B3a: run spopt for every N (slow at full size)"
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--params", default="{}", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        out = WORKERS[args.worker](args.data_dir, json.loads(args.params))
        out["peak_mb"] = _peak_mb()
        print(json.dumps(out))
        return
    size = {**SIZES["quick" if args.quick else "full"], "spopt_all": args.spopt_all}
    only = [b.strip() for b in args.only.split(",") if b.strip()]
    unknown = set(only) - set(BENCHES)
    if unknown:
        parser.error(f"unknown benches: {', '.join(sorted(unknown))}")
    with tempfile.TemporaryDirectory(prefix="maillage-bench-") as tmp:
        default = Path(tmp) / ("quick" if args.quick else "full")
        data_dir = args.data_dir or default
        if args.data_dir:
            data_dir = args.data_dir / ("quick" if args.quick else "full")
        prepare_data(data_dir, size, set(only))
        print(
            f"Maillage analysis benchmarks ({'quick' if args.quick else 'full'} sizes), "
            f"python {sys.version.split()[0]}, {os.cpu_count()} CPU",
            flush=True,
        )
        for name in only:
            BENCHES[name](data_dir, size)
            sys.stdout.flush()


if __name__ == "__main__":
    main()
