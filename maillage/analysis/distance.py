"""Distances on the sphere and on the EPSG:3035 plane, and the LAEA Europe projection.

Two metrics are used by the analysis core:

* latitude/longitude (WGS84 or ETRS89 degrees): the great-circle distance on the sphere of radius
  ``EARTH_RADIUS_KM`` (the IUGG mean Earth radius R1 = 6371.0088 km);
* projected metric coordinates (EPSG:3035, ETRS89 / LAEA Europe, metres): the Euclidean distance.

Radius queries on latitude/longitude run on 3-D unit vectors, where the straight-line (chord)
distance ``c`` and the great-circle distance ``d`` are in one-to-one correspondence::

    c = 2 sin(d / 2R)        d = 2R asin(c / 2)

so a k-d tree over unit vectors answers "within d km on the sphere" exactly (up to floating point),
with none of the distortion of a tree built on raw degrees.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

EARTH_RADIUS_KM = 6371.0088  # IUGG mean radius R1 = (2a + b) / 3 of the GRS80 ellipsoid

# ETRS89 / LAEA Europe (EPSG:3035): GRS80 ellipsoid, natural origin 52°N 10°E,
# false easting 4 321 000 m, false northing 3 210 000 m (EPSG Guidance Note 7-2, method 9820).
LAEA_A_M = 6378137.0
LAEA_INVERSE_FLATTENING = 298.257222101
LAEA_LAT0_DEG = 52.0
LAEA_LON0_DEG = 10.0
LAEA_FALSE_EASTING_M = 4321000.0
LAEA_FALSE_NORTHING_M = 3210000.0


def haversine_km(lat1: ArrayLike, lon1: ArrayLike, lat2: ArrayLike, lon2: ArrayLike) -> np.ndarray:
    """Great-circle distance in km between points given in degrees (arrays broadcast).

    Haversine formula on the sphere of radius R = ``EARTH_RADIUS_KM``::

        a = sin²(Δφ/2) + cos φ1 cos φ2 sin²(Δλ/2)
        d = 2R asin(√a)

    Reference: R. W. Sinnott, "Virtues of the haversine", Sky and Telescope 68(2), 1984.

    >>> round(float(haversine_km(0.0, 0.0, 0.0, 1.0)), 4)
    111.1951
    """
    phi1 = np.radians(np.asarray(lat1, dtype=np.float64))
    phi2 = np.radians(np.asarray(lat2, dtype=np.float64))
    dphi = phi2 - phi1
    dlambda = np.radians(np.asarray(lon2, dtype=np.float64) - np.asarray(lon1, dtype=np.float64))
    a = np.sin(dphi / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def euclidean_km(x1_m: ArrayLike, y1_m: ArrayLike, x2_m: ArrayLike, y2_m: ArrayLike) -> np.ndarray:
    """Euclidean distance in km between projected points given in metres (arrays broadcast).

    >>> float(euclidean_km(0, 0, 3000, 4000))
    5.0
    """
    dx = np.asarray(x2_m, dtype=np.float64) - np.asarray(x1_m, dtype=np.float64)
    dy = np.asarray(y2_m, dtype=np.float64) - np.asarray(y1_m, dtype=np.float64)
    return np.hypot(dx, dy) / 1000.0


def unit_vectors(lat: ArrayLike, lon: ArrayLike) -> np.ndarray:
    """(n, 3) Cartesian coordinates on the unit sphere of points given in degrees.

    ``(cos φ cos λ, cos φ sin λ, sin φ)``; Euclidean distances between these vectors are chords.

    >>> unit_vectors([0.0, 90.0], [0.0, 0.0]).round(12).tolist()
    [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]
    """
    phi = np.radians(np.asarray(lat, dtype=np.float64)).reshape(-1)
    lam = np.radians(np.asarray(lon, dtype=np.float64)).reshape(-1)
    xyz = np.empty((phi.size, 3), dtype=np.float64)
    cos_phi = np.cos(phi)
    xyz[:, 0] = cos_phi * np.cos(lam)
    xyz[:, 1] = cos_phi * np.sin(lam)
    xyz[:, 2] = np.sin(phi)
    return xyz


def chord_from_km(distance_km: ArrayLike) -> np.ndarray:
    """Chord length on the unit sphere for a great-circle distance in km: ``2 sin(d / 2R)``.

    Distances beyond half the circumference map to the diameter, 2.

    >>> float(chord_from_km(np.pi * EARTH_RADIUS_KM))
    2.0
    """
    angle = np.minimum(np.asarray(distance_km, dtype=np.float64) / EARTH_RADIUS_KM, np.pi)
    return 2.0 * np.sin(angle / 2.0)


def km_from_chord(chord: ArrayLike) -> np.ndarray:
    """Great-circle distance in km for a chord length on the unit sphere: ``2R asin(c / 2)``.

    Infinite chords (no neighbour found) stay infinite.

    >>> round(float(km_from_chord(chord_from_km(42.0))), 9)
    42.0
    """
    c = np.asarray(chord, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        d = 2.0 * EARTH_RADIUS_KM * np.arcsin(np.minimum(c / 2.0, 1.0))
    return np.where(np.isinf(c), np.inf, d)


# --- ETRS89 / LAEA Europe --------------------------------------------------------------------
# Lambert azimuthal equal-area on the ellipsoid, EPSG Guidance Note 7-2 (2019), §3.2.4 (method
# EPSG:9820): forward formulas with the authalic latitude β, inverse with the series expansion of
# the geodetic latitude in β' (truncated after e⁶: error well below a millimetre).


def _laea_constants() -> dict[str, float]:
    f = 1.0 / LAEA_INVERSE_FLATTENING
    e2 = 2 * f - f * f
    e = np.sqrt(e2)
    phi0 = np.radians(LAEA_LAT0_DEG)

    def q(phi: float) -> float:
        s = np.sin(phi)
        return (1 - e2) * (s / (1 - e2 * s * s) - np.log((1 - e * s) / (1 + e * s)) / (2 * e))

    q_p = q(np.pi / 2)
    q_0 = q(phi0)
    beta0 = np.arcsin(q_0 / q_p)
    r_q = LAEA_A_M * np.sqrt(q_p / 2)
    d = LAEA_A_M * (np.cos(phi0) / np.sqrt(1 - e2 * np.sin(phi0) ** 2)) / (r_q * np.cos(beta0))
    return {"e2": e2, "e": e, "q_p": q_p, "beta0": beta0, "r_q": r_q, "d": d}


_LAEA = _laea_constants()


def latlon_to_laea(lat: ArrayLike, lon: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Project ETRS89 latitude/longitude (degrees) to EPSG:3035 (easting ``x_m``, northing ``y_m``).

    EPSG Guidance Note 7-2, Lambert Azimuthal Equal Area (EPSG:9820)::

        q = (1 − e²)[sin φ / (1 − e² sin² φ) − 1/(2e) ln((1 − e sin φ)/(1 + e sin φ))]
        β = asin(q / q_p)        B = R_q √(2 / (1 + sin β0 sin β + cos β0 cos β cos(λ − λ0)))
        E = FE + B D cos β sin(λ − λ0)
        N = FN + (B / D)(cos β0 sin β − sin β0 cos β cos(λ − λ0))

    Guidance Note example: 50°N 5°E → E = 3 962 799.45 m, N = 2 999 718.85 m.

    >>> x, y = latlon_to_laea(50.0, 5.0)
    >>> round(float(x), 2), round(float(y), 2)
    (3962799.45, 2999718.85)
    """
    k = _LAEA
    phi = np.radians(np.asarray(lat, dtype=np.float64))
    dlam = np.radians(np.asarray(lon, dtype=np.float64) - LAEA_LON0_DEG)
    e, e2 = k["e"], k["e2"]
    s = np.sin(phi)
    q = (1 - e2) * (s / (1 - e2 * s * s) - np.log((1 - e * s) / (1 + e * s)) / (2 * e))
    beta = np.arcsin(np.clip(q / k["q_p"], -1.0, 1.0))
    sb0, cb0 = np.sin(k["beta0"]), np.cos(k["beta0"])
    b = k["r_q"] * np.sqrt(2 / (1 + sb0 * np.sin(beta) + cb0 * np.cos(beta) * np.cos(dlam)))
    x = LAEA_FALSE_EASTING_M + b * k["d"] * np.cos(beta) * np.sin(dlam)
    y = LAEA_FALSE_NORTHING_M + (b / k["d"]) * (
        cb0 * np.sin(beta) - sb0 * np.cos(beta) * np.cos(dlam)
    )
    return x, y


def laea_to_latlon(x_m: ArrayLike, y_m: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Unproject EPSG:3035 ``(x_m, y_m)`` (easting, northing, metres) to ETRS89 degrees.

    EPSG Guidance Note 7-2, inverse of method 9820::

        ρ = √(((E − FE)/D)² + (D (N − FN))²)      C = 2 asin(ρ / 2R_q)
        β' = asin(cos C sin β0 + D (N − FN) sin C cos β0 / ρ)
        φ = β' + (e²/3 + 31e⁴/180 + 517e⁶/5040) sin 2β' + (23e⁴/360 + 251e⁶/3780) sin 4β'
              + (761e⁶/45360) sin 6β'
        λ = λ0 + atan2((E − FE) sin C, D ρ cos β0 cos C − D² (N − FN) sin β0 sin C)

    ETRS89 and WGS84 differ by well under a metre in France, far below the 200 m grid step.

    >>> lat, lon = laea_to_latlon(4321000.0, 3210000.0)
    >>> float(lat), float(lon)
    (52.0, 10.0)
    """
    k = _LAEA
    de = np.asarray(x_m, dtype=np.float64) - LAEA_FALSE_EASTING_M
    dn = np.asarray(y_m, dtype=np.float64) - LAEA_FALSE_NORTHING_M
    d = k["d"]
    rho = np.hypot(de / d, d * dn)
    c = 2 * np.arcsin(np.clip(rho / (2 * k["r_q"]), -1.0, 1.0))
    sb0, cb0 = np.sin(k["beta0"]), np.cos(k["beta0"])
    safe_rho = np.where(rho == 0, 1.0, rho)
    beta = np.arcsin(np.clip(np.cos(c) * sb0 + d * dn * np.sin(c) * cb0 / safe_rho, -1.0, 1.0))
    beta = np.where(rho == 0, k["beta0"], beta)
    e2 = k["e2"]
    e4, e6 = e2 * e2, e2 * e2 * e2
    phi = (
        beta
        + (e2 / 3 + 31 * e4 / 180 + 517 * e6 / 5040) * np.sin(2 * beta)
        + (23 * e4 / 360 + 251 * e6 / 3780) * np.sin(4 * beta)
        + (761 * e6 / 45360) * np.sin(6 * beta)
    )
    lam = np.arctan2(de * np.sin(c), d * rho * cb0 * np.cos(c) - d * d * dn * sb0 * np.sin(c))
    lat = np.degrees(phi)
    lon = LAEA_LON0_DEG + np.degrees(lam)
    lat = np.where(rho == 0, LAEA_LAT0_DEG, lat)
    return lat, lon
