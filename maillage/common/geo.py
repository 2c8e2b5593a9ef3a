"""Small geographic helpers for the Django side (the numeric core lives in maillage.analysis)."""

import math

EARTH_RADIUS_KM = 6371.0088  # IUGG mean Earth radius

# Bounding boxes (min_lat, max_lat, min_lon, max_lon) of French territory, overseas included.
# Generous by a few kilometres so coastal places and islands are not rejected.
FRANCE_BOXES: dict[str, tuple[float, float, float, float]] = {
    "metropole": (41.2, 51.2, -5.3, 9.7),
    "guadeloupe": (15.8, 16.6, -61.9, -60.9),
    "martinique": (14.3, 14.95, -61.3, -60.75),
    "guyane": (2.0, 6.0, -54.7, -51.5),
    "reunion": (-21.45, -20.8, 55.15, 55.9),
    "mayotte": (-13.1, -12.55, 44.9, 45.35),
    "saint_pierre_et_miquelon": (46.7, 47.2, -56.5, -56.0),
    "saint_barthelemy_saint_martin": (17.8, 18.2, -63.2, -62.7),
    "wallis_et_futuna": (-14.5, -13.1, -178.3, -176.0),
    "polynesie": (-28.0, -7.8, -155.0, -134.0),
    "nouvelle_caledonie": (-23.0, -19.5, 163.5, 168.2),
}


def is_in_france(latitude: float, longitude: float) -> bool:
    """True when the point lies in metropolitan or overseas France (by bounding box)."""
    return any(
        min_lat <= latitude <= max_lat and min_lon <= longitude <= max_lon
        for min_lat, max_lat, min_lon, max_lon in FRANCE_BOXES.values()
    )


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km on the sphere of radius EARTH_RADIUS_KM."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(latitude: float, longitude: float, radius_km: float) -> tuple[float, ...]:
    """(min_lat, max_lat, min_lon, max_lon) enclosing the circle; a cheap index pre-filter."""
    dlat = math.degrees(radius_km / EARTH_RADIUS_KM)
    cos_lat = max(math.cos(math.radians(latitude)), 1e-6)
    dlon = min(180.0, math.degrees(radius_km / (EARTH_RADIUS_KM * cos_lat)))
    return latitude - dlat, latitude + dlat, longitude - dlon, longitude + dlon
