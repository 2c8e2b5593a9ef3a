"""Half-open, timezone-aware time ranges, and the time zone of a French territory.

A range is `[start, end)`: it contains its start and not its end, so a booking from 9:00 to
10:00 and another from 10:00 to 11:00 touch without overlapping, and a day splits into
ranges that cover it exactly once. Both ends must carry a time zone: comparing a naive
datetime with an aware one is a bug that Python only reports at the first comparison, far from
where the naive value came from.

>>> from datetime import datetime, timedelta
>>> from zoneinfo import ZoneInfo
>>> paris = ZoneInfo("Europe/Paris")
>>> nine = datetime(2026, 12, 1, 9, tzinfo=paris)
>>> morning = TimeRange(nine, nine + timedelta(hours=3))
>>> noon = TimeRange(morning.end, morning.end + timedelta(hours=2))
>>> morning.overlaps(noon), morning.contains(morning.start), morning.contains(morning.end)
(False, True, False)
>>> morning.duration
datetime.timedelta(seconds=10800)
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Self
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")

# Overseas départements and collectivities keep their own legal time (décret n° 2008-1185 and
# the statutes of each collectivity). Keys are the codes of the shipped territory file
# (maillage/territories/data/territories.csv.gz): the five overseas départements have
# département codes 971–974 and 976 with région codes 01–04 and 06; the collectivities use the
# same three-digit code as département and région (975, 977, 978, 986, 987, 988).
OVERSEAS_ZONES = {
    "971": "America/Guadeloupe",
    "972": "America/Martinique",
    "973": "America/Cayenne",
    "974": "Indian/Reunion",
    "975": "America/Miquelon",
    "976": "Indian/Mayotte",
    "977": "America/St_Barthelemy",
    "978": "America/Marigot",
    "986": "Pacific/Wallis",
    "987": "Pacific/Tahiti",
    "988": "Pacific/Noumea",
}
OVERSEAS_REGIONS = {"01": "971", "02": "972", "03": "973", "04": "974", "06": "976"}


def territory_timezone(*, departement_code: str = "", region_code: str = "") -> ZoneInfo:
    """The IANA time zone of a place in this département (or, failing that, this région).

    Both codes are needed because they collide: région 01 is Guadeloupe, département 01 is Ain.
    Anything else, blank codes included, is metropolitan France.

    >>> territory_timezone(departement_code="974")
    zoneinfo.ZoneInfo(key='Indian/Reunion')
    >>> territory_timezone(region_code="01"), territory_timezone(departement_code="01")
    (zoneinfo.ZoneInfo(key='America/Guadeloupe'), zoneinfo.ZoneInfo(key='Europe/Paris'))
    >>> territory_timezone(region_code="988")
    zoneinfo.ZoneInfo(key='Pacific/Noumea')
    """
    code = departement_code or OVERSEAS_REGIONS.get(region_code, region_code)
    zone = OVERSEAS_ZONES.get(code)
    return ZoneInfo(zone) if zone else PARIS


def _utc(name: str, moment: datetime) -> datetime:
    """`moment` in UTC, refusing naive values.

    Every comparison goes through UTC because Python compares two datetimes of the same zone
    on their wall clock, ignoring `fold`: in the hour repeated when clocks go back, 02:30
    before and 02:30 after the change would otherwise be "equal".
    """
    if not isinstance(moment, datetime):
        raise TypeError(f"{name} must be a datetime, not {type(moment).__name__}")
    if moment.utcoffset() is None:
        raise ValueError(f"{name} must carry a time zone: {moment!r} is naive")
    return moment.astimezone(UTC)


@dataclass(frozen=True, slots=True, eq=False)
class TimeRange:
    """The instants from `start` (included) to `end` (excluded); empty ranges are refused.

    Comparisons are on instants, whatever the zones of the two ends: 10:00 in Paris and 13:00
    in La Réunion are the same instant in winter, so ranges written in either zone are equal.

    >>> from datetime import datetime
    >>> TimeRange(datetime(2026, 1, 1, 10), datetime(2026, 1, 1, 11))
    Traceback (most recent call last):
      ...
    ValueError: start must carry a time zone: datetime.datetime(2026, 1, 1, 10, 0) is naive
    """

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        start, end = _utc("start", self.start), _utc("end", self.end)
        if end <= start:
            raise ValueError(f"end ({self.end.isoformat()}) must be after start ({self.start})")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TimeRange):
            return NotImplemented
        return self._bounds == other._bounds

    def __hash__(self) -> int:
        return hash(self._bounds)

    @property
    def _bounds(self) -> tuple[datetime, datetime]:
        return self.start.astimezone(UTC), self.end.astimezone(UTC)

    @property
    def duration(self) -> timedelta:
        """Elapsed time, counted on instants (a night when clocks change lasts 7 or 9 hours)."""
        start, end = self._bounds
        return end - start

    def overlaps(self, other: Self) -> bool:
        """True when some instant belongs to both; ranges that only touch do not overlap.

        >>> from datetime import UTC, datetime
        >>> a = TimeRange(datetime(2026, 1, 1, 8, tzinfo=UTC), datetime(2026, 1, 1, 10, tzinfo=UTC))
        >>> b = TimeRange(datetime(2026, 1, 1, 9, tzinfo=UTC), datetime(2026, 1, 1, 11, tzinfo=UTC))
        >>> a.overlaps(b), b.overlaps(a)
        (True, True)
        """
        start, end = self._bounds
        other_start, other_end = other._bounds
        return start < other_end and other_start < end

    def contains(self, item: datetime | Self) -> bool:
        """Whether an instant lies in the range, or a whole range lies within it.

        >>> from datetime import UTC, datetime, timedelta
        >>> day = TimeRange(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC))
        >>> day.contains(day), day.contains(day.end - timedelta(microseconds=1))
        (True, True)
        """
        start, end = self._bounds
        if isinstance(item, TimeRange):
            item_start, item_end = item._bounds
            return start <= item_start and item_end <= end
        return start <= _utc("moment", item) < end

    def intersection(self, other: Self) -> Self | None:
        """The instants common to both ranges, or None when they do not overlap.

        >>> from datetime import UTC, datetime
        >>> a = TimeRange(datetime(2026, 1, 1, 8, tzinfo=UTC), datetime(2026, 1, 1, 10, tzinfo=UTC))
        >>> b = TimeRange(datetime(2026, 1, 1, 9, tzinfo=UTC), datetime(2026, 1, 1, 11, tzinfo=UTC))
        >>> a.intersection(b) == TimeRange(b.start, a.end)
        True
        >>> a.intersection(TimeRange(a.end, b.end)) is None
        True
        """
        if not self.overlaps(other):
            return None
        start = self.start if self._bounds[0] >= other._bounds[0] else other.start
        end = self.end if self._bounds[1] <= other._bounds[1] else other.end
        return type(self)(start, end)
