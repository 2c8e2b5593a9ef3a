"""Open places as arrays for the numeric core (`maillage.analysis`), and the version of that data.

Only open places serve the population: places in project and closed places are left out of
every coverage and planning analysis.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from django.db.models import Count, Max

from maillage.analysis import Points

from .kinds import PlaceStatus
from .models import Place, PlaceKindLink
from .selectors import PlaceFilters, filter_places


@dataclass(frozen=True, eq=False)
class PlaceArrays:
    """Places as sites: ``points`` (ids are the place ids), their names and their kinds."""

    points: Points
    names: np.ndarray
    kinds: tuple[tuple[str, ...], ...]


def open_place_arrays(kinds: Sequence[str] = ()) -> PlaceArrays:
    """The open places (of any of `kinds` when given), in id order; two queries.

    Every open place of France is read, whatever territory is analysed: the nearest place of a
    commune may lie outside its territory, and a few thousand places read in milliseconds.
    """
    places = filter_places(PlaceFilters(kinds=tuple(kinds), statuses=(PlaceStatus.OPEN,)))
    rows = list(places.order_by("id").values_list("id", "name", "latitude", "longitude"))
    place_kinds: dict[int, list[str]] = defaultdict(list)
    for place_id, kind in (
        PlaceKindLink.objects.filter(place__in=places.order_by().values("pk"))
        .order_by("kind")
        .values_list("place_id", "kind")
    ):
        place_kinds[place_id].append(kind)
    ids = np.array([row[0] for row in rows], dtype=np.int64)
    points = Points.from_latlon(
        np.array([row[2] for row in rows], dtype=np.float64),
        np.array([row[3] for row in rows], dtype=np.float64),
        ids=ids,
    )
    return PlaceArrays(
        points,
        np.array([row[1] for row in rows], dtype=str),
        tuple(tuple(place_kinds[row[0]]) for row in rows),
    )


def places_version() -> str:
    """A fingerprint of the places: changes when one is created, edited or deleted. One query.

    Every write goes through `places.services` or the imports, which set `updated_at`; a
    deletion lowers the count, a creation raises the largest id.
    """
    figures = Place.objects.aggregate(count=Count("id"), last_id=Max("id"), last=Max("updated_at"))
    last = figures["last"].isoformat() if figures["last"] else ""
    return f"{figures['count']}:{figures['last_id']}:{last}"
