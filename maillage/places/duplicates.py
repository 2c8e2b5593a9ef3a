"""The rule that says two places look like the same one, shared by federation's harvest
(which proposes them to an admin, `federation.DuplicateCandidate`) and the imports (an OSM
extract's objects that look like a place of another source are reported).

Two places look alike when they have the same SIRET (wherever they are), or the same name
(compared folded: case, accents and spacing aside) within DUPLICATE_RADIUS_KM of each other.
A website is not a criterion: networks and franchises share one across many places.

`DuplicateIndex` reads the candidate places once (one query, id, name, SIRET, position), then
answers `matches(...)` in memory, so an import or harvest of thousands of places costs one
query, not one per place.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from maillage.common.geo import haversine_km
from maillage.common.text import fold

from .models import Place

DUPLICATE_RADIUS_KM = 0.1


class DuplicateReason(StrEnum):
    """Why two places look alike (the codes of `federation.DuplicateCandidate.Reason`)."""

    SIRET = "siret"
    NAME_NEARBY = "name_nearby"


@dataclass(frozen=True)
class DuplicateMatch:
    place_id: int
    name: str
    reason: DuplicateReason
    distance_m: float


class DuplicateIndex:
    """Places by SIRET and by folded name; `places` is a queryset of the candidates."""

    def __init__(self, places: Iterable[tuple[int, str, str, float, float]]) -> None:
        self._by_siret: dict[str, list[tuple[int, str, str, float, float]]] = {}
        self._by_name: dict[str, list[tuple[int, str, str, float, float]]] = {}
        for row in places:
            if row[2]:
                self._by_siret.setdefault(row[2], []).append(row)
            self._by_name.setdefault(fold(row[1]), []).append(row)

    @classmethod
    def of(cls, places) -> "DuplicateIndex":
        """The index of a queryset of places (read now, in one query)."""
        return cls(places.order_by().values_list("id", "name", "siret", "latitude", "longitude"))

    def matches(
        self, *, name: str, siret: str, latitude: float, longitude: float
    ) -> list[DuplicateMatch]:
        """The indexed places that look like this one: same SIRET first, then same name
        within DUPLICATE_RADIUS_KM; each place once, with its distance in metres."""
        found: dict[int, DuplicateMatch] = {}
        for place_id, other, _siret, lat, lon in self._by_siret.get(siret or "-", []):
            distance = haversine_km(latitude, longitude, lat, lon) * 1000
            found[place_id] = DuplicateMatch(place_id, other, DuplicateReason.SIRET, distance)
        for place_id, other, _siret, lat, lon in self._by_name.get(fold(name), []):
            distance = haversine_km(latitude, longitude, lat, lon) * 1000
            if distance <= DUPLICATE_RADIUS_KM * 1000 and place_id not in found:
                found[place_id] = DuplicateMatch(
                    place_id, other, DuplicateReason.NAME_NEARBY, distance
                )
        return list(found.values())


def duplicate_index(*, excluding_source: str = "", excluding_prefix: str = "") -> DuplicateIndex:
    """The index of every place but those of `excluding_source` and of sources starting with
    `excluding_prefix` (a source is never its own duplicate)."""
    places = Place.objects.all()
    if excluding_source:
        places = places.exclude(source=excluding_source)
    if excluding_prefix:
        places = places.exclude(source__startswith=excluding_prefix)
    return DuplicateIndex.of(places)
