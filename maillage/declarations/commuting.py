"""Commuting avoided at each place and month, from members' commuting declarations and their
check-ins (issue 11 §1, « Trajets évités »).

A member who declared a home commune, an employer's commune and a usual mode of transport
(`organisations.CommutingDeclaration`, with `teleworks`) avoids, on each desk-day at a place,
the round trip home → employer and makes the round trip home → place instead; the arithmetic,
the detour coefficient and the ADEME emission factors are `maillage.stats.commuting`'s.

- **Desk-days** are counted as the check-ins count them (`checkins.selectors.FULL_DESK_DAY`):
  a day with four hours or more at the place is one, a shorter day is a half — a conservative
  reading (a half-day may still have meant a trip to the employer in the afternoon).
- **Distances** run between the centres of the two communes and the place's own coordinates;
  a declaration whose communes have no coordinates, or a place without coordinates, counts no
  kilometre (`people_without_coordinates` says how many were left out).
- **Assumptions** are the instance's: `settings.OBSERVATORY_DETOUR_COEFFICIENT` (default
  `stats.commuting.DETOUR_COEFFICIENT`) and `settings.OBSERVATORY_EMISSION_FACTORS` (a mapping
  mode → kg CO₂e per km that overrides the default factors one by one). `method_note()` states
  them in words, shown beside the figure.

One grouped query per time zone of the places asked for (a day is the place's day), never a
query per place.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import (
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from maillage.checkins.models import CheckIn
from maillage.checkins.selectors import FULL_DESK_DAY
from maillage.organisations.models import CommutingDeclaration, TransportMode
from maillage.places.models import Place
from maillage.stats import commuting as core


@dataclass(frozen=True)
class Assumptions:
    """The instance's detour coefficient and emission factors (kg CO₂e per passenger-km)."""

    detour: float
    factors: dict[str, float]


def assumptions() -> Assumptions:
    """The assumptions in force, read from the settings at call time."""
    detour = float(getattr(settings, "OBSERVATORY_DETOUR_COEFFICIENT", core.DETOUR_COEFFICIENT))
    factors = dict(core.EMISSION_FACTORS_KG_PER_KM)
    overrides = getattr(settings, "OBSERVATORY_EMISSION_FACTORS", {})
    factors.update({mode: float(value) for mode, value in overrides.items()})
    return Assumptions(detour=detour, factors=factors)


@dataclass
class CommutingMonth:
    """What the declared commuters of one place avoided in one month."""

    place_id: int
    month: date
    desk_days: float = 0.0
    km_avoided: float = 0.0
    kg_co2e_avoided: float = 0.0
    people: set[int] = field(default_factory=set)

    @property
    def commuters(self) -> int:
        return len(self.people)


@dataclass
class CommutingResult:
    months: list[CommutingMonth]
    people_without_coordinates: int
    assumptions: Assumptions


def _month(day: date) -> date:
    return day.replace(day=1)


Trip = tuple[tuple[float, float], tuple[float, float], str]


def _declarations() -> tuple[dict[int, Trip], set[int]]:
    """user id → (home, employer, mode) for every usable declaration; and the unusable ids."""
    rows = CommutingDeclaration.objects.filter(
        teleworks=True, employer_commune__isnull=False
    ).values_list(
        "user_id",
        "home_commune__latitude",
        "home_commune__longitude",
        "employer_commune__latitude",
        "employer_commune__longitude",
        "transport_mode",
    )
    usable: dict[int, Trip] = {}
    unusable: set[int] = set()
    for user_id, home_lat, home_lon, emp_lat, emp_lon, mode in rows:
        if None in (home_lat, home_lon, emp_lat, emp_lon):
            unusable.add(user_id)
            continue
        usable[user_id] = ((home_lat, home_lon), (emp_lat, emp_lon), mode or TransportMode.OTHER)
    return usable, unusable


def _person_days(places: list[Place], start: date, end: date, user_ids: Iterable[int]):
    """(place id, user id, day, time present) for the declarants' check-ins, one query per
    time zone of `places`."""
    by_zone: dict[str, list[Place]] = defaultdict(list)
    for place in places:
        by_zone[str(place.timezone)].append(place)
    present = ExpressionWrapper(
        Coalesce("checked_out_at", Value(timezone.now(), output_field=DateTimeField()))
        - F("checked_in_at"),
        output_field=DurationField(),
    )
    user_ids = list(user_ids)
    for zone_places in by_zone.values():
        zone = zone_places[0].timezone
        low = datetime.combine(start, time.min, tzinfo=zone)
        high = datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone)
        yield from (
            CheckIn.objects.filter(
                place__in=[place.pk for place in zone_places],
                user_id__in=user_ids,
                checked_in_at__gte=low,
                checked_in_at__lt=high,
            )
            .annotate(day=TruncDate("checked_in_at", tzinfo=zone))
            .order_by()
            .values("place_id", "user_id", "day")
            .annotate(present=Sum(present))
            .values_list("place_id", "user_id", "day", "present")
            .iterator(chunk_size=5000)
        )


def commuting_avoided(*, places: Iterable[Place], start: date, end: date) -> CommutingResult:
    """The commuting avoided at each of `places` in each month from `start` to `end` (both
    days included): desk-days of declared commuters, km and kg CO₂e avoided (net: a place
    farther from home than the employer counts negative, see `stats.commuting`)."""
    rules = assumptions()
    places = list(places)
    where = {place.pk: (place.latitude, place.longitude) for place in places}
    declarations, unusable = _declarations()
    trips: dict[tuple[int, int], tuple[float, float]] = {}
    months: dict[tuple[int, date], CommutingMonth] = {}
    if declarations:
        for place_id, user_id, day, present in _person_days(places, start, end, declarations):
            position = where[place_id]
            if None in position:
                continue
            trip = trips.get((place_id, user_id))
            if trip is None:
                home, employer, mode = declarations[user_id]
                trip = core.avoided_trip(
                    home, employer, position, mode, rules.factors, detour=rules.detour
                )
                trips[place_id, user_id] = trip
            weight = 1.0 if present is not None and present >= FULL_DESK_DAY else 0.5
            month = months.get((place_id, _month(day)))
            if month is None:
                month = months[place_id, _month(day)] = CommutingMonth(place_id, _month(day))
            month.desk_days += weight
            month.km_avoided += weight * trip[0]
            month.kg_co2e_avoided += weight * trip[1]
            month.people.add(user_id)
    ordered = sorted(months.values(), key=lambda month: (month.place_id, month.month))
    return CommutingResult(
        months=ordered, people_without_coordinates=len(unusable), assumptions=rules
    )


def method_note(rules: Assumptions | None = None) -> str:
    """The method and the assumptions in force, in one paragraph shown beside the figure."""
    rules = rules or assumptions()
    factors = ", ".join(
        f"{label} {rules.factors.get(code, 0.0):.4g}".replace(".", ",")
        for code, label in TransportMode.choices
    )
    return _(
        "Chaque jour de présence d'une personne qui télétravaille ici pour un employeur situé "
        "ailleurs évite l'aller-retour domicile → employeur et ajoute l'aller-retour domicile "
        "→ lieu (une demi-journée compte pour moitié). Distances à vol d'oiseau entre les "
        "centres des communes et le lieu, multipliées par un coefficient de détour de "
        "%(detour)s ; même mode de transport pour les deux trajets. Facteurs d'émission "
        "(kg CO₂e par km et par personne, ADEME Base Carbone) : %(factors)s."
    ) % {"detour": f"{rules.detour:g}".replace(".", ","), "factors": factors}
