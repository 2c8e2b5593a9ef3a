"""Reads of the observatory: the figures of an area (territory, network, place) for a period,
its children, its time series, with the secrecy the reader is owed.

Every read is a fixed number of queries whatever the number of places or indicators: the
stored tables (`PlaceValue`, `AggregateValue`) are read by area and period, never recomputed.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.http import Http404
from django.utils.translation import gettext as _

from maillage.common.text import has_control_characters
from maillage.members.models import MembershipStatus
from maillage.organisations.models import CommutingDeclaration
from maillage.places.models import Network, Place
from maillage.stats.charts import HIDDEN, Point
from maillage.territories.models import Territory
from maillage.territories.selectors import outline_url

from . import catalogue, rules
from .models import AggregateValue, PlaceValue
from .periods import Period

MAX_CODE_CHARS = 220  # the longest place slug
LEVELS = ("france", "region", "departement", "epci", "commune", "place", "network")
TERRITORY_LEVELS = ("france", "region", "departement", "epci", "commune")
PLACE_FIELD = {
    "region": "region_code",
    "departement": "departement_code",
    "epci": "epci_code",
    "commune": "insee_code",
}
CHILD_LEVEL = {
    "france": "region",
    "region": "departement",
    "departement": "epci",
    "epci": "commune",
    "commune": "place",
    "network": "place",
}
PARENT_FIELD = {"departement": "region_code", "epci": "departement_code"}


@dataclass(frozen=True)
class Area:
    """A territory, a network or a place, as the observatory names it."""

    level: str
    code: str
    name: str
    latitude: float | None = None
    longitude: float | None = None
    parent: tuple[str, str] | None = None
    obj: object = None


@dataclass
class Figures:
    level: str
    code: str
    name: str
    places: int
    values: dict[str, float | None]
    latitude: float | None = None
    longitude: float | None = None
    children: list["Figures"] = field(default_factory=list)
    # The indicators whose value statistical secrecy hides from this reader (their value is
    # None, as when there is no data: the map tells the two apart). Not part of the API.
    hidden: frozenset[str] = frozenset()
    # Where a map fetches this territory's outline (GeoJSON), "" without one. Not in the API.
    outline_url: str = ""

    def as_dict(self, *, with_children: bool = True) -> dict:
        found = {
            "level": self.level,
            "code": self.code,
            "places": self.places,
            "values": self.values,
        }
        if with_children:
            found["children"] = [child.as_dict(with_children=False) for child in self.children]
        return found


def codes() -> list[str]:
    return [indicator.code for indicator in catalogue.published()]


def _empty_values() -> dict[str, float | None]:
    return dict.fromkeys(codes())


def resolve_area(level: str, code: str, *, user=None) -> Area:
    """The area a level and code name; Http404 when there is none (or, for a place, when
    `user` may not see its figures: a single place's figures are never public)."""
    if has_control_characters(code) or len(code) > MAX_CODE_CHARS:
        # PostgreSQL refuses a NUL in text: such a code names nothing.
        raise Http404(_("Territoire introuvable."))
    if level == "france":
        if code.upper() != "FR":
            raise Http404(_("Territoire introuvable : la France a le code « FR »."))
        return Area("france", "FR", _("France"), 46.6, 2.4)
    if level == "network":
        network = Network.objects.filter(slug=code).first()
        if network is None:
            raise Http404(_("Réseau introuvable."))
        return Area("network", network.slug, network.name, obj=network)
    if level == "place":
        lookup = Q(slug=code) | (Q(pk=int(code)) if code.isdigit() else Q(pk__in=[]))
        place = rules.places_with_figures(user).filter(lookup).first()
        if place is None:
            raise Http404(_("Lieu introuvable, ou ses chiffres ne vous sont pas ouverts."))
        return Area(
            "place",
            place.slug,
            place.name,
            place.latitude,
            place.longitude,
            parent=("commune", place.insee_code) if place.insee_code else None,
            obj=place,
        )
    if level not in PLACE_FIELD:
        raise Http404(_("Niveau inconnu : %(level)s.") % {"level": level})
    territory = Territory.objects.filter(level=level, code=code).first()
    if territory is None:
        raise Http404(_("Territoire introuvable."))
    if level == "region":
        parent = ("france", "FR")
    elif level == "departement":
        parent = ("region", territory.region_code) if territory.region_code else None
    elif level == "epci":
        parent = ("departement", territory.departement_code) if territory.departement_code else None
    else:
        parent = ("epci", territory.epci_code) if territory.epci_code else None
    return Area(
        level, code, territory.name, territory.latitude, territory.longitude, parent, territory
    )


def sees_undisguised(user, area: Area) -> bool:
    if area.level == "place":
        return True  # resolve_area already checked the right
    if area.level == "network":
        return rules.can_see_network_undisguised(user, area.obj)
    return rules.can_see_territory_undisguised(user)


def _aggregate_values(level: str, area_codes: Sequence[str], period: str, undisguised: bool):
    """{code: (places, {indicator: value}, hidden indicators)} for the areas of `level`, one
    query."""
    found: dict[str, tuple[int, dict, set[str]]] = {}
    rows = AggregateValue.objects.filter(
        level=level, code__in=list(area_codes), period=period
    ).values_list("code", "indicator", "places", "value", "hidden")
    for area_code, indicator, places, value, hidden in rows:
        count, values, secret = found.get(area_code, (0, _empty_values(), set()))
        if indicator in values:
            masked = hidden and not undisguised
            values[indicator] = None if masked else value
            if masked:
                secret.add(indicator)
        found[area_code] = (max(count, places), values, secret)
    return found


def _place_values(place_ids: Sequence[int], period: str) -> dict[int, dict]:
    found: dict[int, dict] = defaultdict(_empty_values)
    for place_id, indicator, value in PlaceValue.objects.filter(
        place_id__in=list(place_ids), period=period
    ).values_list("place_id", "indicator", "value"):
        if indicator in found[place_id]:
            found[place_id][indicator] = value
    return found


def _child_areas(area: Area, user) -> tuple[str, list[Area]]:
    """The level and the areas below `area` that have places (one query)."""
    child_level = CHILD_LEVEL.get(area.level)
    if child_level is None:
        return "", []
    if child_level == "place":
        places = rules.places_with_figures(user)
        if area.level == "network":
            places = places.filter(networks=area.obj)
        else:
            places = places.filter(insee_code=area.code)
        return "place", [
            Area("place", p.slug, p.name, p.latitude, p.longitude, obj=p)
            for p in places.order_by("name").only("pk", "slug", "name", "latitude", "longitude")
        ]
    field_name = PLACE_FIELD[child_level]
    places = Place.objects.exclude(**{field_name: ""})
    if area.level != "france":
        places = places.filter(**{PLACE_FIELD[area.level]: area.code})
    territories = Territory.objects.filter(
        level=child_level, code__in=places.values(field_name)
    ).order_by("name")
    return child_level, [
        Area(child_level, t.code, t.name, t.latitude, t.longitude, obj=t) for t in territories
    ]


def area_figures(area: Area, period: Period, *, user) -> Figures:
    """The figures of `area` for `period` and those of its children, as `user` may see them:
    undisguised for the people who hold the right (see rules.py), otherwise what the public
    sees (None where statistical secrecy hides a value). Five queries at most."""
    undisguised = sees_undisguised(user, area)
    if area.level == "place":
        values = _place_values([area.obj.pk], period.key)[area.obj.pk]
        places = 1 if any(value is not None for value in values.values()) else 0
        return Figures("place", area.code, area.name, places, values, area.latitude, area.longitude)
    places, values, secret = _aggregate_values(
        area.level, [area.code], period.key, undisguised
    ).get(area.code, (0, _empty_values(), set()))
    figures = Figures(
        area.level,
        area.code,
        area.name,
        places,
        values,
        area.latitude,
        area.longitude,
        hidden=frozenset(secret),
    )
    child_level, children = _child_areas(area, user)
    if child_level == "place":
        found = _place_values([child.obj.pk for child in children], period.key)
        for child in children:
            child_values = found[child.obj.pk]
            figures.children.append(
                Figures(
                    "place",
                    child.code,
                    child.name,
                    1 if any(v is not None for v in child_values.values()) else 0,
                    child_values,
                    child.latitude,
                    child.longitude,
                )
            )
    elif children:
        child_undisguised = undisguised and area.level != "network"
        found = _aggregate_values(
            child_level, [child.code for child in children], period.key, child_undisguised
        )
        for child in children:
            count, child_values, secret = found.get(child.code, (0, _empty_values(), set()))
            figures.children.append(
                Figures(
                    child_level,
                    child.code,
                    child.name,
                    count,
                    child_values,
                    child.latitude,
                    child.longitude,
                    hidden=frozenset(secret),
                    outline_url=outline_url(child.obj) if isinstance(child.obj, Territory) else "",
                )
            )
    return figures


def parent_figures(area: Area, period: Period, *, user) -> Figures | None:
    """The figures of the territory above `area` (for the comparison), or None."""
    if area.parent is None:
        return None
    try:
        parent = resolve_area(*area.parent, user=user)
    except Http404:
        return None
    undisguised = sees_undisguised(user, parent)
    places, values, secret = _aggregate_values(
        parent.level, [parent.code], period.key, undisguised
    ).get(parent.code, (0, _empty_values(), set()))
    return Figures(parent.level, parent.code, parent.name, places, values, hidden=frozenset(secret))


def series(
    area: Area, months: Sequence[Period], indicator_codes: Sequence[str], *, user
) -> dict[str, list[Point]]:
    """Monthly values of `indicator_codes` for `area` over `months`, one query: a value,
    `HIDDEN` where statistical secrecy hides it from `user`, None where there is no data (a
    place's own figures are never hidden)."""
    keys = [month.key for month in months]
    index = {key: position for position, key in enumerate(keys)}
    found: dict[str, list[Point]] = {code: [None] * len(keys) for code in indicator_codes}
    if area.level == "place":
        rows = PlaceValue.objects.filter(
            place=area.obj, period__in=keys, indicator__in=list(indicator_codes)
        ).values_list("indicator", "period", "value")
        for indicator, period, value in rows:
            found[indicator][index[period]] = value
        return found
    undisguised = sees_undisguised(user, area)
    rows = AggregateValue.objects.filter(
        level=area.level, code=area.code, period__in=keys, indicator__in=list(indicator_codes)
    ).values_list("indicator", "period", "value", "hidden")
    for indicator, period, value, hidden in rows:
        found[indicator][index[period]] = value if (undisguised or not hidden) else HIDDEN
    return found


def home_communes(place: Place, *, user) -> list[dict]:
    """The communes where the active members of `place` who declared one live, with how many
    members each, largest first (for the people who run the place only; one query)."""
    if not rules.can_see_home_communes(user, place):
        return []
    rows = (
        CommutingDeclaration.objects.filter(
            user__memberships__place=place, user__memberships__status=MembershipStatus.ACTIVE
        )
        .values("home_commune__code", "home_commune__name")
        .annotate(members=Count("user", distinct=True))
        .order_by("-members", "home_commune__name")
    )
    return [
        {
            "code": row["home_commune__code"],
            "name": row["home_commune__name"],
            "members": row["members"],
        }
        for row in rows
    ]


def networks_with_figures() -> list[Network]:
    return list(Network.objects.filter(places__isnull=False).distinct().order_by("name"))
