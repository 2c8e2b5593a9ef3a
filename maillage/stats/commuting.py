"""Commuting avoided by working at a place: distances, the detour coefficient, CO₂ per mode.

For a member who declared a home commune, an employer's commune and a usual mode of transport,
each desk-day at the place replaces the round trip home → employer → home by the round trip
home → place → home::

    km_avoided   = 2 · detour · (d(home, employer) − d(home, place))
    kg_avoided   = km_avoided · factor[mode]

with ``d`` the great-circle distance (haversine on the sphere of the IUGG mean radius
6371.0088 km, as in `maillage.analysis.distance`) between the communes' centres, turned into a
road distance by the **detour coefficient** ``DETOUR_COEFFICIENT`` = 1.3. The ratio of road to
crow-flies distance measured in France is about 1.2 to 1.4 for trips of a few to a few tens
of kilometres (shorter trips detour more); 1.3 is the value commonly used for home–work trips
(it is not taken from one named publication: an instance may set its own, every function takes
``detour=``). The same mode is assumed for both trips (the declaration gives one mode: how the
member would usually travel to the employer).

**Sign.** The figure is *net* and may be negative: when the place is farther from home than the
employer, working there adds kilometres, and clamping at 0 would overstate the total avoided.
Sums over members and days therefore stay honest; a page may show the negative days apart.

**Emission factors** (``EMISSION_FACTORS_KG_PER_KM``, kg CO₂e per passenger-km, use only:
combustion and upstream energy, vehicle manufacture excluded) are those ADEME publishes from its
Base Carbone in its « Mon Impact Transport » / « Impact CO2 » comparator (values of the 2022
release of api.monimpacttransport.fr). The Base Carbone element identifiers could not be
confirmed from here: each factor below gives the published label and year instead. An instance
may pass its own ``factors`` mapping.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

EARTH_RADIUS_KM = 6371.0088  # IUGG mean radius R1, as maillage.analysis.distance
DETOUR_COEFFICIENT = 1.3  # road km per crow-flies km (see the module docstring)

LatLon = tuple[float, float]

EMISSION_FACTORS_KG_PER_KM: dict[str, float] = {
    # « Voiture (thermique) », one occupant, ADEME Base Carbone via Mon Impact Transport, 2022.
    "car": 0.193,
    # The same car shared by two (the driver and one passenger): 0.193 / 2 per person.
    "carpool": 0.0965,
    # « Moto » (thermique, > 250 cm³), ADEME Base Carbone via Mon Impact Transport, 2022.
    "motorbike": 0.168,
    # « Bus (thermique) », per passenger-km, ADEME Base Carbone via Mon Impact Transport, 2022.
    "bus": 0.103,
    # « TER » (regional train), per passenger-km, ADEME Base Carbone via Mon Impact Transport, 2022.
    "train": 0.0248,
    # « Tramway », per passenger-km, ADEME Base Carbone via Mon Impact Transport, 2022
    # (« Métro »: 0.0025; the two are one code here).
    "tram": 0.0022,
    # « Vélo ou marche »: no emission in use, ADEME Mon Impact Transport, 2022.
    "bike": 0.0,
    # « Vélo (ou trottinette) à assistance électrique », ADEME Mon Impact Transport, 2022.
    "e_bike": 0.002,
    # « Vélo ou marche », ADEME Mon Impact Transport, 2022.
    "walk": 0.0,
    # Unknown mode: no CO₂ is claimed (the kilometres are still counted).
    "other": 0.0,
}


def great_circle_km(a: LatLon, b: LatLon) -> float:
    """Haversine distance in km between two (latitude, longitude) points in degrees.

    >>> round(great_circle_km((0.0, 0.0), (0.0, 1.0)), 4)
    111.1951
    """
    phi1, phi2 = math.radians(a[0]), math.radians(b[0])
    dphi = phi2 - phi1
    dlambda = math.radians(b[1] - a[1])
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, max(0.0, h))))


def road_km(a: LatLon, b: LatLon, *, detour: float = DETOUR_COEFFICIENT) -> float:
    """The estimated road distance: great-circle distance × detour coefficient."""
    return detour * great_circle_km(a, b)


def avoided_trip(
    home: LatLon,
    employer: LatLon,
    place: LatLon,
    mode: str,
    factors: Mapping[str, float] = EMISSION_FACTORS_KG_PER_KM,
    *,
    detour: float = DETOUR_COEFFICIENT,
) -> tuple[float, float]:
    """(km avoided, kg CO₂e avoided) for one desk-day at the place, net (may be negative).

    A mode missing from ``factors`` raises KeyError (the caller maps an empty mode to "other").
    """
    if detour <= 0:
        raise ValueError("the detour coefficient must be positive")
    factor = factors[mode]
    km = 2 * (road_km(home, employer, detour=detour) - road_km(home, place, detour=detour))
    return km, km * factor
