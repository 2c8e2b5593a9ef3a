"""Communes as arrays for the numeric core (`maillage.analysis`), and the version of that data.

The analyses weigh each commune by its legal population at its centre (see docs/data.md for how
centres were obtained). Reads only: the pages, the API, the commands and the background tasks
of the planning app build their inputs here.
"""

import numpy as np
from django.db.models import Count, Max, Sum

from maillage.analysis import CommuneTable, Points

from .models import Territory
from .selectors import communes_in

_COLUMNS = (
    "code",
    "name",
    "population",
    "latitude",
    "longitude",
    "departement_code",
    "region_code",
    "epci_code",
    "location_precision",
)


def _communes(territory: Territory | None):
    if territory is None:
        return Territory.objects.filter(level=Territory.Level.COMMUNE)
    return communes_in(territory)


def commune_table(territory: Territory | None = None) -> CommuneTable:
    """The communes of `territory` (every commune when None) in INSEE code order; one query.

    Communes without coordinates are left out: the shipped file locates every commune (at worst
    approximately, see `location_precision`), so only hand-made territories can lack them.
    """
    communes = _communes(territory)
    rows = list(
        communes.exclude(latitude=None)
        .exclude(longitude=None)
        .order_by("code")
        .values_list(*_COLUMNS)
    )
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(_COLUMNS)
    code, name, population, latitude, longitude, departement, region, epci, precision = columns
    points = Points.from_latlon(
        np.array(latitude, dtype=np.float64),
        np.array(longitude, dtype=np.float64),
        np.array(population, dtype=np.float64),
        ids=np.array(code, dtype=str),
    )
    return CommuneTable(
        points,
        *(np.array(values, dtype=str) for values in (name, departement, region, epci, precision)),
    )


def territories_version(territory: Territory | None = None) -> str:
    """A fingerprint of the data of the communes of `territory` (all of them when None): changes
    when `load_territories` changes what the analyses use (a commune added or removed, a
    population or a centre updated). One query, over the territory's communes only.

    Territories carry no timestamp; sums of the columns change with any single update. The
    float sums are rounded: PostgreSQL may add them up in another order from one query to the
    next.
    """
    figures = _communes(territory).aggregate(
        count=Count("id"),
        last_id=Max("id"),
        population=Sum("population"),
        latitude=Sum("latitude"),
        longitude=Sum("longitude"),
    )
    return ":".join(
        f"{value:.4f}" if isinstance(value, float) else str(value)
        for _, value in sorted(figures.items())
    )
