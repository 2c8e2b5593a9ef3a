"""Reads about places. Every list runs a constant number of queries whatever the page size."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import NotSupportedError
from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    Lookup,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from maillage.common.geo import bounding_box, haversine_km
from maillage.common.text import fold
from maillage.common.timeranges import territory_timezone
from maillage.territories.models import Territory
from maillage.territories.selectors import PLACE_FIELD_FOR_LEVEL

from .fields import CODE_LIST_FIELDS, Kind, View, fields_for, names_for
from .hours import is_open_at
from .kinds import PlaceKind, PlaceStatus
from .models import Label, Network, OsmRecord, Place, PlaceChange, PlaceKindLink
from .rules import can_edit_place, networks_where, places_where
from .search import text_search, words_of

# Paging deeper than this is a crawl, better served by the CSV and GeoJSON exports; beyond
# 2**63 an offset overflows the database's integers (a 500 before this bound).
MAX_OFFSET = 1_000_000


class ListHoldsCode(Lookup):
    """`list_field holds code`: a JSON list column has the string `code` among its elements.

    Django's `JSONField__contains` is not supported on SQLite, and matching `"code"` in the JSON
    text would depend on how each database writes it: SQLite walks the list with `json_each`,
    PostgreSQL tests containment of a one-element array; both compare whole elements, exactly.
    """

    lookup_name = "holds_code"
    prepare_rhs = False

    def _sides(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return lhs, (*lhs_params, self.rhs)

    def as_sql(self, compiler, connection):
        raise NotSupportedError(f"holds_code is not implemented on {connection.vendor}.")

    def as_sqlite(self, compiler, connection):
        lhs, params = self._sides(compiler, connection)
        # `lhs` is the column's SQL from the compiler; the code is a parameter.
        sql = f"EXISTS (SELECT 1 FROM json_each({lhs}) WHERE json_each.value = %s)"  # noqa: S608
        return sql, params

    def as_postgresql(self, compiler, connection):
        lhs, params = self._sides(compiler, connection)
        return f"{lhs} @> jsonb_build_array(%s::text)", params


@dataclass(frozen=True)
class PlaceFilters:
    """What a visitor can filter the directory on. Empty values mean "no filter"."""

    q: str = ""
    kinds: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    territory: Territory | None = None
    open_now: bool = False
    bbox: tuple[float, float, float, float] | None = None  # min_lon, min_lat, max_lon, max_lat
    near: tuple[float, float] | None = None  # latitude, longitude
    radius_km: float | None = None
    updated_since: datetime | None = None
    # Codes of the closed lists (fields.CODE_LIST_FIELDS): a place holding at least one of each.
    mobility: tuple[str, ...] = ()
    audiences: tuple[str, ...] = ()
    specific_support: tuple[str, ...] = ()
    fees: tuple[str, ...] = ()
    access_modes: tuple[str, ...] = ()
    support_modes: tuple[str, ...] = ()
    source: str = ""
    moment: datetime | None = None  # "now" for open_now; fixed in tests


@dataclass
class PlacePage:
    count: int
    items: list[dict] = field(default_factory=list)


def filter_places(filters: PlaceFilters) -> QuerySet[Place]:
    """The SQL part of the filters (everything but distance and opening hours)."""
    places = text_search(Place.objects.all(), filters.q)
    if filters.kinds:
        places = places.filter(
            Exists(PlaceKindLink.objects.filter(place=OuterRef("pk"), kind__in=filters.kinds))
        )
    for service in filters.services:
        places = places.filter(
            Exists(
                Place.services.through.objects.filter(
                    place=OuterRef("pk"), label__folded=fold(service)
                )
            )
        )
    if filters.statuses:
        places = places.filter(status__in=filters.statuses)
    for list_field in CODE_LIST_FIELDS:
        if codes := getattr(filters, list_field):
            any_code = Q()
            for code in codes:
                any_code |= Q(ListHoldsCode(F(list_field), code))
            places = places.filter(any_code)
    if filters.territory is not None:
        place_field = PLACE_FIELD_FOR_LEVEL[filters.territory.level]
        places = places.filter(**{place_field: filters.territory.code})
    if filters.bbox is not None:
        min_lon, min_lat, max_lon, max_lat = filters.bbox
        places = places.filter(
            latitude__gte=min_lat,
            latitude__lte=max_lat,
            longitude__gte=min_lon,
            longitude__lte=max_lon,
        )
    if filters.near is not None and filters.radius_km is not None:
        min_lat, max_lat, min_lon, max_lon = bounding_box(*filters.near, filters.radius_km)
        places = places.filter(
            latitude__gte=min_lat,
            latitude__lte=max_lat,
            longitude__gte=min_lon,
            longitude__lte=max_lon,
        )
    if filters.updated_since is not None:
        places = places.filter(updated_at__gte=filters.updated_since)
    if filters.source:
        places = places.filter(source=filters.source)
    return places


def _order(filters: PlaceFilters) -> tuple[str, ...]:
    """By relevance when there is a text query (`search.text_search`), by name otherwise."""
    return ("relevance", "name", "id") if words_of(filters.q) else ("name", "id")


def _needs_python_pass(filters: PlaceFilters) -> bool:
    return filters.open_now or filters.near is not None


def _ranked_ids(filters: PlaceFilters, places: QuerySet[Place]) -> list[tuple[int, float | None]]:
    """(id, distance_km) in display order, for the filters SQL cannot express."""
    moment = filters.moment or timezone.now()
    ranked = []
    rows = places.order_by(*_order(filters)).values_list(
        "id", "latitude", "longitude", "opening_hours", "departement_code", "region_code"
    )
    for place_id, latitude, longitude, hours, departement_code, region_code in rows:
        # Each place is open or not in its own zone: 10:00 in Paris is 13:00 in La Réunion.
        zone = territory_timezone(departement_code=departement_code, region_code=region_code)
        if filters.open_now and not is_open_at(hours, moment, zone=zone):
            continue
        distance = None
        if filters.near is not None:
            distance = haversine_km(*filters.near, latitude, longitude)
            if filters.radius_km is not None and distance > filters.radius_km:
                continue
        ranked.append((place_id, distance))
    if filters.near is not None:
        ranked.sort(key=lambda pair: pair[1])
    return ranked


def matching_place_ids(filters: PlaceFilters) -> list[int]:
    """The ids of every place passing `filters` (one query; opening hours and distance in
    Python, as `search_places` does). The map's clusters use it for the filters its arrays do
    not hold (text, services, opening hours, distance, date, source)."""
    places = filter_places(filters)
    if _needs_python_pass(filters):
        return [place_id for place_id, _ in _ranked_ids(filters, places)]
    return list(places.order_by("id").values_list("id", flat=True))


# The columns of a directory row (places.fields); `kinds` come from `attach_relations`.
LIST_FIELDS = names_for(View.LIST, columns=True)


def attach_relations(
    rows: list[dict], *, with_labels: bool = True, matching: QuerySet[Place] | None = None
) -> list[dict]:
    """Add `kinds` (and `services`, `equipment`) lists to rows: one query each, not one per row.

    `matching`, a queryset of exactly the rows' places (a page of it included), selects the
    relations by a subquery, or not at all when it is every place, instead of sending the
    rows' ids as parameters: 5,000 of them, three times, for the map.
    """
    if not rows:
        return rows
    if matching is None:
        place_filter = Q(place_id__in=[row["id"] for row in rows])
    elif matching.query.has_filters() or matching.query.is_sliced:
        place_filter = Q(place_id__in=matching.values("pk"))
    else:
        place_filter = Q()
    kinds: dict[int, list[str]] = defaultdict(list)
    for place_id, kind in (
        PlaceKindLink.objects.filter(place_filter).order_by("id").values_list("place_id", "kind")
    ):
        kinds[place_id].append(kind)
    for row in rows:
        row["kinds"] = kinds[row["id"]]
    if not with_labels:
        return rows
    for relation in ("services", "equipment"):
        labels: dict[int, list[str]] = defaultdict(list)
        for place_id, label in (
            getattr(Place, relation)
            .through.objects.filter(place_filter)
            .order_by("label__folded")
            .values_list("place_id", "label__name")
        ):
            labels[place_id].append(label)
        for row in rows:
            row[relation] = labels[row["id"]]
    return rows


def search_places(
    filters: PlaceFilters,
    *,
    limit: int | None = None,
    offset: int = 0,
    fields: Iterable[str] = LIST_FIELDS,
    with_labels: bool = True,
) -> PlacePage:
    """Places matching `filters` as dicts, sorted by relevance with a text query, by name
    without (by distance with `near`, whatever the query).

    `limit=None` returns every match (exports, GeoJSON); callers facing clients clamp it.
    """
    places = filter_places(filters)
    fields = tuple(fields)
    end = None if limit is None else offset + limit
    distances: dict[int, float | None] = {}
    matching = None  # the queryset of the rows' places, when SQL can select them
    if _needs_python_pass(filters):
        ranked = _ranked_ids(filters, places)
        page_ids = ranked[offset:end]
        distances = dict(page_ids)
        by_id = {row["id"]: row for row in Place.objects.filter(pk__in=distances).values(*fields)}
        rows = [by_id[place_id] for place_id, _ in page_ids if place_id in by_id]
        count = len(ranked)
    else:
        matching = places.order_by(*_order(filters))[offset:end]
        rows = list(matching.values(*fields))
        # A short last page tells the total without a COUNT query.
        exhausted = limit is None or len(rows) < limit
        count = offset + len(rows) if exhausted and (rows or offset == 0) else places.count()
    if matching is not None and end is not None and words_of(filters.q):
        # A ranked page as a subquery would search and rank again for each relation: the
        # page's ids (at most `limit`) are the cheaper filter.
        matching = None
    attach_relations(rows, with_labels=with_labels, matching=matching)
    if filters.near is not None:
        for row in rows:
            row["distance_km"] = round(distances[row["id"]], 3)
    return PlacePage(count=count, items=rows)


def get_place(*, place_id: int | None = None, slug: str | None = None) -> Place:
    """A place for reading (every place is public). Raises Place.DoesNotExist."""
    lookup = Q(pk=place_id) if place_id is not None else Q(slug=slug)
    return (
        Place.objects.select_related("commune")
        .defer("commune__outline")
        .prefetch_related("kind_links", "services", "equipment")
        .get(lookup)
    )


def osm_record_of(place: Place) -> OsmRecord | None:
    """The OSM record linked to a place (imported from it, or linked by an administrator),
    the first by id if several are; one query."""
    return OsmRecord.objects.filter(place=place).order_by("osm_id").first()


def get_place_for_edit(*, user, place_id: int | None = None, slug: str | None = None) -> Place:
    """A place the user may edit; any other answers DoesNotExist (404), never 403."""
    place = get_place(place_id=place_id, slug=slug)
    if not can_edit_place(user, place):
        raise Place.DoesNotExist
    return place


def places_run_by(user) -> QuerySet[Place]:
    """The places `user` runs through a role or a network ("Mes lieux"), by name; an instance
    administrator's right on every place does not make every place theirs.
    """
    return places_where(user, can="view", instance_wide=False).order_by("name", "id")


def editable_ids(user, places: QuerySet[Place]) -> set[int]:
    """Which of `places` `user` may edit, in one query (for the edit links of a list)."""
    return set(
        places_where(user, can="edit")
        .filter(pk__in=places.values("pk"))
        .values_list("pk", flat=True)
    )


def kind_counts(places: QuerySet[Place]) -> dict[str, int]:
    """Number of places of each kind among `places` (one grouped query)."""
    return dict(
        PlaceKindLink.objects.filter(place__in=places)
        .order_by()
        .values_list("kind")
        .annotate(total=Count("pk"))
    )


def open_places_by_kind(territory: Territory) -> tuple[int, dict[str, int]]:
    """The open places inside `territory`, in all and per kind (one query): the places the
    coverage analysis counts, those planned or closed left out as it leaves them out."""
    places = filter_places(PlaceFilters(territory=territory)).filter(status=PlaceStatus.OPEN)
    # One row per (place, kind) link: the places counted once, each kind's links apart.
    counts = places.order_by().aggregate(
        total=Count("pk", distinct=True),
        **{kind: Count("kind_links", filter=Q(kind_links__kind=kind)) for kind in PlaceKind.values},
    )
    total = counts.pop("total")
    return total, {kind: n for kind, n in counts.items() if n}


def popular_labels(category: str, *, limit: int = 30) -> list[str]:
    """The most used service or equipment labels, for filter suggestions."""
    from django.db.models import Count

    relation = "places_offering" if category == Label.Category.SERVICE else "places_equipped"
    return list(
        Label.objects.filter(category=category)
        .annotate(uses=Count(relation))
        .filter(uses__gt=0)
        .order_by("-uses", "folded")
        .values_list("name", flat=True)[:limit]
    )


# Territory figures (territory pages). Closed places no longer serve their territory, so the
# figures count open and planned places; `statuses` still gives every status.
SERVING_STATUSES = (PlaceStatus.OPEN, PlaceStatus.PROJECT)


@dataclass(frozen=True)
class TerritoryFigures:
    places_total: int  # open and planned places
    places_per_10000: float | None  # None when the population is unknown
    kinds: dict[str, int]  # every kind code, 0 included; a place of two kinds counts for both
    statuses: dict[str, int]  # every status, closed included


def territory_figures(territory: Territory) -> TerritoryFigures:
    """The places inside a territory counted by status and by kind (two queries)."""
    places = filter_places(PlaceFilters(territory=territory))
    statuses = dict.fromkeys(PlaceStatus.values, 0)
    statuses.update(places.values_list("status").annotate(total=Count("id")).order_by())
    kinds = dict.fromkeys(PlaceKind.values, 0)
    kinds.update(kind_counts(places.filter(status__in=SERVING_STATUSES)))
    total = sum(statuses[status] for status in SERVING_STATUSES)
    return TerritoryFigures(
        places_total=total,
        places_per_10000=(
            round(total * 10_000 / territory.population, 2) if territory.population else None
        ),
        kinds=kinds,
        statuses=statuses,
    )


def with_place_counts(territories: QuerySet[Territory], *, level: str) -> QuerySet[Territory]:
    """The territories of `level` annotated with `place_count` (open and planned places).

    The count is a correlated subquery on the hierarchy codes copied onto places, so a list of
    territories with their counts is one query whatever its length.
    """
    place_field = PLACE_FIELD_FOR_LEVEL[level]
    counts = (
        Place.objects.filter(status__in=SERVING_STATUSES, **{place_field: OuterRef("code")})
        .order_by()
        .values(place_field)
        .annotate(total=Count("pk"))
        .values("total")
    )
    return territories.filter(level=level).annotate(
        place_count=Coalesce(Subquery(counts, output_field=IntegerField()), 0)
    )


@dataclass(frozen=True)
class ChangesPage:
    """Entries of the change log after `seq`, and whether more follow."""

    items: list[dict]
    has_more: bool


def last_change_seq() -> int:
    """The `seq` of the latest change-log entry (0 when there is none): one index lookup."""
    last = PlaceChange.objects.order_by("-seq").values_list("seq", flat=True).first()
    return last or 0


def place_changes(*, after_seq: int, since: datetime | None, limit: int) -> ChangesPage:
    """The change log in `seq` order: entries after `after_seq` (0: from the start), made at or
    after `since`, at most `limit`. Created and updated entries carry the place's current
    `id` and `slug` (None once it is deleted). Two queries whatever `limit`.
    """
    changes = PlaceChange.objects.filter(seq__gt=after_seq).order_by("seq")
    if since is not None:
        changes = changes.filter(at__gte=since)
    rows = list(changes.values("seq", "uuid", "change", "at", "source", "source_id")[: limit + 1])
    has_more = len(rows) > limit
    rows = rows[:limit]
    alive = {row["uuid"] for row in rows if row["change"] != PlaceChange.Change.DELETED}
    places = {
        place["uuid"]: place
        for place in Place.objects.filter(uuid__in=alive).values("uuid", "id", "slug")
    }
    for row in rows:
        place = places.get(row["uuid"]) if row["change"] != PlaceChange.Change.DELETED else None
        row["id"] = place["id"] if place else None
        row["slug"] = place["slug"] if place else None
    return ChangesPage(items=rows, has_more=has_more)


def place_records(uuids, *, fields: tuple[str, ...]) -> dict:
    """uuid → the row of `fields` of each existing place among `uuids` (kinds, services and
    equipment as lists, the other names as columns): what `expand=place` gives in the changes
    feed. Four queries whatever the number of places."""
    columns = [name for name in fields if name not in ("kinds", "services", "equipment")]
    rows = list(Place.objects.filter(uuid__in=list(uuids)).values("id", *columns))
    attach_relations(rows)
    return {row["uuid"]: row for row in rows}


def networks_coordinated_by(user) -> QuerySet[Network]:
    """The networks `user` coordinates, by name ("Mes lieux" links to their pages)."""
    return networks_where(user).filter(coordinators=user).order_by("name")


@dataclass
class NetworkFigures:
    """A network's places and their counts, for its page."""

    network: Network
    places: list[Place]
    by_kind: list[tuple[str, int]]  # (label, count), most first
    by_status: list[tuple[str, int]]
    by_departement: list[tuple[str, str, int]]  # (code, name, count), by code


def get_network_figures(*, user, slug: str) -> NetworkFigures:
    """The page of the network `slug` if `user` may see it (`rules.networks_where`); raises
    Network.DoesNotExist otherwise, so foreign networks answer 404. Four queries, whatever the
    number of places.
    """
    network = networks_where(user).get(slug=slug)
    places = list(
        Place.objects.filter(networks=network)
        .order_by("name", "id")
        .only("name", "slug", "city", "status", "departement_code")
    )
    kinds = kind_counts(Place.objects.filter(networks=network))
    statuses: dict[str, int] = defaultdict(int)
    departements: dict[str, int] = defaultdict(int)
    for place in places:
        statuses[place.status] += 1
        departements[place.departement_code] += 1
    names = dict(
        Territory.objects.filter(
            level=Territory.Level.DEPARTEMENT, code__in=[code for code in departements if code]
        ).values_list("code", "name")
    )
    return NetworkFigures(
        network=network,
        places=places,
        by_kind=sorted(
            ((str(PlaceKind(kind).label), count) for kind, count in kinds.items()),
            key=lambda item: (-item[1], item[0]),
        ),
        by_status=[
            (str(PlaceStatus(status).label), statuses[status])
            for status in PlaceStatus.values
            if statuses.get(status)
        ],
        by_departement=[
            (code, names.get(code, ""), count) for code, count in sorted(departements.items())
        ],
    )


def code_list_facts(place: Place) -> list[tuple[str, list[str]]]:
    """The place's lists of codes stored on it (mobility, audiences, …) that say something, as
    (label, the codes' labels) pairs in the registry's order, for its page."""
    facts = []
    for declared in fields_for(View.FORM, columns=True, kinds=(Kind.CODES,)):
        codes = set(getattr(place, declared.name) or ())
        words = [str(label) for code, label in declared.choices.choices if code in codes]
        if words:
            facts.append((str(declared.label), words))
    return facts
