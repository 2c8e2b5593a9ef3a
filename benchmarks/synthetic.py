"""Deterministic synthetic data for the analysis benchmarks: France-like population and sites.

Population grid cells sit on INSEE's 200 m EPSG:3035 lattice inside a coarse outline of
metropolitan France: dense clusters around the largest urban areas (more cells and more people
per cell near the centre), small towns, and a rural spread. Nothing here is real data; only the
city coordinates and rough urban-area sizes are public knowledge.
"""

from __future__ import annotations

import numpy as np

from maillage.analysis import laea_to_latlon, latlon_to_laea

# (latitude, longitude, urban area population in millions)
CITIES = [
    (48.8566, 2.3522, 12.4), (45.7640, 4.8357, 2.3), (43.2965, 5.3698, 1.9),
    (43.6047, 1.4442, 1.4), (50.6292, 3.0573, 1.5), (44.8378, -0.5792, 1.4),
    (43.7102, 7.2620, 1.0), (47.2184, -1.5536, 1.0), (48.5734, 7.7521, 0.85),
    (48.1173, -1.6778, 0.75), (45.1885, 5.7245, 0.7), (49.4432, 1.0999, 0.66),
    (43.1242, 5.9280, 0.6), (43.6108, 3.8767, 0.8), (50.3700, 2.9000, 0.5),
    (43.9493, 4.8055, 0.5), (45.4397, 4.3872, 0.5), (47.3941, 0.6848, 0.5),
    (45.7772, 3.0870, 0.5), (47.9029, 1.9093, 0.45), (48.6921, 6.1844, 0.45),
    (49.1829, -0.3707, 0.45), (47.4784, -0.5632, 0.43), (49.1193, 6.1757, 0.4),
    (47.3220, 5.0415, 0.4), (48.3904, -4.4861, 0.32), (48.0061, 0.1996, 0.35),
    (49.2583, 4.0317, 0.33), (45.8336, 1.2611, 0.3), (43.2951, -0.3708, 0.24),
    (42.6887, 2.8948, 0.33), (43.4929, -1.4748, 0.3), (46.5802, 0.3404, 0.26),
    (49.8940, 2.2958, 0.3), (47.2378, 6.0241, 0.25), (46.1603, -1.1511, 0.2),
    (41.9192, 8.7386, 0.1), (42.6977, 9.4508, 0.1), (45.6500, 0.1560, 0.18),
    (44.2030, 0.6160, 0.11), (46.3230, -0.4588, 0.15), (43.8900, -0.4998, 0.06),
]  # fmt: skip

# A coarse outline of metropolitan France (longitude, latitude), Corsica left to the bbox.
OUTLINE = np.array(
    [
        (-1.8, 43.4), (-1.2, 46.2), (-2.5, 47.3), (-4.7, 48.0), (-4.6, 48.7), (-1.6, 48.7),
        (-1.9, 49.7), (1.4, 50.1), (2.5, 51.1), (4.2, 49.9), (6.2, 49.5), (8.2, 49.0),
        (7.6, 47.6), (6.0, 46.2), (7.0, 45.9), (7.7, 43.8), (6.0, 43.0), (3.1, 43.1),
        (3.0, 42.4), (-1.8, 43.4),
    ]
)  # fmt: skip
BBOX = (41.3, 51.1, -5.2, 9.6)  # lat min, lat max, lon min, lon max

# A region for the planning instance: roughly Nouvelle-Aquitaine.
REGION_BBOX = (42.8, 47.2, -1.8, 2.6)


def inside(lon: np.ndarray, lat: np.ndarray, polygon: np.ndarray = OUTLINE) -> np.ndarray:
    """Even-odd ray casting, vectorised over points."""
    result = np.zeros(lon.shape, dtype=bool)
    x0, y0 = polygon[:-1, 0], polygon[:-1, 1]
    x1, y1 = polygon[1:, 0], polygon[1:, 1]
    for a, b, c, d in zip(x0, y0, x1, y1, strict=True):
        crosses = (b > lat) != (d > lat)
        with np.errstate(divide="ignore", invalid="ignore"):
            x_at = a + (lat - b) * (c - a) / (d - b)
        result ^= crosses & (lon < x_at)
    return result


def _in_france(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    corsica = (lat > 41.3) & (lat < 43.05) & (lon > 8.5) & (lon < 9.6)
    return inside(lon, lat) | corsica


def france_like_cells(
    n_cells: int,
    seed: int = 2024,
    bbox: tuple[float, float, float, float] | None = None,
    total_population: float | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``n_cells`` distinct inhabited 200 m cells: (x_m, y_m) centres in EPSG:3035, population.

    With ``bbox`` (lat min, lat max, lon min, lon max), only cells inside it are kept; with
    ``total_population`` the populations are scaled to sum to it.
    """
    rng = np.random.default_rng(seed)
    cities = np.array(CITIES)
    if bbox is not None:
        keep = (
            (cities[:, 0] >= bbox[0]) & (cities[:, 0] <= bbox[1])
            & (cities[:, 1] >= bbox[2]) & (cities[:, 1] <= bbox[3])
        )  # fmt: skip
        cities = cities[keep]
    cx, cy = latlon_to_laea(cities[:, 0], cities[:, 1])
    weights = cities[:, 2] ** 0.8
    xs, ys, pops = [], [], []
    seen = np.empty(0, dtype=np.int64)
    have = 0
    batch = max(10_000, n_cells // 2)
    while have < n_cells:
        # 45 % urban clusters, 20 % small towns, 35 % rural spread.
        n_urban, n_town = int(batch * 0.45), int(batch * 0.20)
        n_rural = batch - n_urban - n_town
        city = rng.choice(cities.shape[0], size=n_urban, p=weights / weights.sum())
        sigma = 4000 + 9000 * np.sqrt(cities[city, 2])
        r = np.abs(rng.normal(0, 1, n_urban)) * sigma
        angle = rng.uniform(0, 2 * np.pi, n_urban)
        ux, uy = cx[city] + r * np.cos(angle), cy[city] + r * np.sin(angle)
        upop = rng.lognormal(3.0, 0.9, n_urban) * np.exp(-r / (2 * sigma)) * 2
        lat_box = bbox or BBOX
        lat_t = rng.uniform(lat_box[0], lat_box[1], n_town * 3)
        lon_t = rng.uniform(lat_box[2], lat_box[3], n_town * 3)
        town_x, town_y = latlon_to_laea(lat_t, lon_t)
        town = rng.integers(0, town_x.size, n_town)
        tx = town_x[town] + rng.normal(0, 900, n_town)
        ty = town_y[town] + rng.normal(0, 900, n_town)
        tpop = rng.lognormal(2.0, 0.8, n_town)
        lat_r = rng.uniform(lat_box[0], lat_box[1], n_rural)
        lon_r = rng.uniform(lat_box[2], lat_box[3], n_rural)
        rx, ry = latlon_to_laea(lat_r, lon_r)
        rpop = rng.lognormal(0.8, 0.9, n_rural)
        x = np.concatenate([ux, tx, rx])
        y = np.concatenate([uy, ty, ry])
        pop = np.concatenate([upop, tpop, rpop])
        # Snap to the lattice: south-west corner multiple of 200 m, centre +100 m.
        col = np.floor(x / 200).astype(np.int64)
        row = np.floor(y / 200).astype(np.int64)
        x, y = col * 200 + 100.0, row * 200 + 100.0
        lat, lon = laea_to_latlon(x, y)
        ok = _in_france(lat, lon)
        if bbox is not None:
            ok &= (lat >= bbox[0]) & (lat <= bbox[1]) & (lon >= bbox[2]) & (lon <= bbox[3])
        key = row * 100_000 + col
        _, first = np.unique(key, return_index=True)
        fresh = np.zeros(key.size, dtype=bool)
        fresh[first] = True
        fresh &= ok
        fresh &= ~np.isin(key, seen)
        take = np.flatnonzero(fresh)[: n_cells - have]
        seen = np.concatenate([seen, key[take]])
        xs.append(x[take])
        ys.append(y[take])
        pops.append(np.round(pop[take], 1) + 0.5)
        have += take.size
    population = np.concatenate(pops)
    if total_population is not None:
        population *= total_population / population.sum()
    return np.concatenate(xs), np.concatenate(ys), population


def sites_from_cells(
    x_m: np.ndarray, y_m: np.ndarray, population: np.ndarray, n_sites: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Site (latitude, longitude): 70 % drawn with population weights, 30 % uniformly among cells,
    jittered within a few hundred metres."""
    rng = np.random.default_rng(seed)
    n_w = int(n_sites * 0.7)
    p = population / population.sum()
    pick = np.concatenate([rng.choice(x_m.size, n_w, p=p), rng.choice(x_m.size, n_sites - n_w)])
    x = x_m[pick] + rng.uniform(-300, 300, n_sites)
    y = y_m[pick] + rng.uniform(-300, 300, n_sites)
    return laea_to_latlon(x, y)


def site_kinds(n_sites: int, seed: int) -> list[tuple[str, ...]]:
    """One to two kinds per site among coworking, fablab, repair_cafe."""
    rng = np.random.default_rng(seed)
    kinds = np.array(["coworking", "fablab", "repair_cafe"])
    first = rng.choice(3, n_sites, p=[0.5, 0.3, 0.2])
    second = rng.choice(3, n_sites)
    both = rng.random(n_sites) < 0.25
    return [
        (kinds[a], kinds[b]) if two and a != b else (kinds[a],)
        for a, b, two in zip(first, second, both, strict=True)
    ]
