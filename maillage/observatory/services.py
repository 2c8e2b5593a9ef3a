"""The observatory's writes: stale marks, the computation of the place values, the aggregates
with statistical secrecy.

What is stale. Every change of state in Maillage goes through a service that records an audit
entry in its transaction (see docs/architecture.md), so the audit log already says what changed
and when. `mark_from_audit` reads the entries after the last position read (`AuditCursor`), finds
each changed object's place and date with one query per kind of object, and marks those
place-months (`StaleMonth`); the apps that feed the observatory sit below it in the layers and
need not know it. A yearly declaration marks every month of its year (`YEARLY`); a date that
moved marks its old month as well as its new one, and a deleted object is placed and dated
from its own entries (`HISTORY`). A membership change marks too the months of its person's
network bank transfers at each of their places, since it can move them from one to another;
a change after which the old place is gone from the data (a place deleted, an account erased,
a place in or out of a network) is watched in its transaction (`watch_moved_transfers`).
`mark_stale(place_id=…, when=…)` marks a month directly (for
writers that do not go through the audit log: bulk loads).

The figures are derived data: rebuilt from the sources at any time, they are written here
without audit entries (the audit log records what people and the system decided, not caches).
Writes compare with what is stored and change only what differs, so a second computation over
unchanged data writes nothing.
"""

import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import transaction
from django.db.models import Avg, Count, F, Max, Q, QuerySet, Sum, Value
from django.utils import timezone

from maillage.audit.models import AuditEntry
from maillage.common.bulk_sql import prepared_row, update_many
from maillage.places.models import Place
from maillage.stats.secrecy import Cell, Rules, suppress

from . import catalogue
from .compute import SOURCES, Window, transfers_with_place
from .models import AggregateValue, AuditCursor, Grain, PlaceValue, StaleMonth
from .periods import Period, add_months, month_start, parse_period

DEFAULT_MONTHS = 36
# What a recomputation changes in a stored place value, the time of the computation last.
PLACE_VALUE_UPDATED = ("numerator", "denominator", "value", "computed_at")
LEVEL_FIELDS: dict[str, str | None] = {
    "france": None,
    "region": "region_code",
    "departement": "departement_code",
    "epci": "epci_code",
    "commune": "insee_code",
    "network": "networks__slug",
}
FRANCE_CODE = "FR"


# --- Stale marks --------------------------------------------------------------------------


def mark_stale(*, place_id: int, when: date) -> None:
    """Mark the month of `when` at a place for the next recomputation (idempotent)."""
    StaleMonth.objects.bulk_create(
        [StaleMonth(place_id=place_id, month=month_start(when))], ignore_conflicts=True
    )


def _months_between(first: date, last: date) -> list[date]:
    months, current = [], month_start(first)
    while current <= last:
        months.append(current)
        current = add_months(current, 1)
    return months


# How to find the place and the date of a changed object, per audited model: the path to its
# place, the date the figures file it under, and whether it counts from that date on (a stock:
# a membership or a hosting changes every month from its start until now).
AUDITED: dict[str, tuple[str, str, str, bool]] = {
    "checkins.checkin": ("checkins.CheckIn", "place_id", "checked_in_at", False),
    "checkins.visitorcount": ("checkins.VisitorCount", "place_id", "day", False),
    "bookings.booking": ("bookings.Booking", "resource__place_id", "start", False),
    "bookings.resource": ("bookings.Resource", "place_id", "created_at", True),
    "bookings.qualificationgrant": (
        "bookings.QualificationGrant",
        "qualification__place_id",
        "granted_on",
        False,
    ),
    "members.membership": ("members.Membership", "place_id", "start_date", True),
    "events.event": ("events.Event", "place_id", "start", False),
    "events.registration": ("events.Registration", "event__place_id", "event__start", False),
    "sharing.loan": ("sharing.Loan", "place_id", "checked_out_at", False),
    "sharing.item": ("sharing.Item", "place_id", "created_at", True),
    "sharing.post": ("sharing.Post", "place_id", "updated_at", False),
    # A network bank's transfer counts at the place of the person credited (`counted_at`).
    "sharing.timetransfer": ("sharing.TimeTransfer", "counted_at", "created_at", False),
    "organisations.hosting": ("organisations.Hosting", "place_id", "start_date", True),
    "organisations.organisation": (
        "organisations.Organisation",
        "hostings__place_id",
        "hostings__start_date",
        True,
    ),
    "organisations.headcountdeclaration": (
        "organisations.HeadcountDeclaration",
        "organisation__hostings__place_id",
        "declared_on",
        True,
    ),
    "governance.proposal": ("governance.Proposal", "body__place_id", "updated_at", False),
    "governance.vote": ("governance.Vote", "body__place_id", "closes_at", False),
    "places.place": ("places.Place", "pk", "updated_at", False),
}


# The models whose place is an annotation, not a path: the queryset that carries it.
ANNOTATED: dict[str, Callable[[], QuerySet]] = {
    "sharing.timetransfer": transfers_with_place,
}

# Declared figures are yearly: a declaration (created or corrected) marks every month of its
# year, so that the next run recomputes the year's declared values (and the months' figures
# that read them). The path to its place and the field holding its year.
YEARLY: dict[str, tuple[str, str, str]] = {
    "declarations.declaration": ("declarations.Declaration", "place_id", "year"),
}

# What the entries of an object say about where and when it counts, for the dates that moved
# (a change records `[old, new]`: both months are marked) and for the objects whose row is
# gone (a deletion: the place and dates are read from the object's entries, the deletion's own
# `[old, None]` and the earlier ones, its creation's `[None, new]`). Per audited model: the
# fields of `changes` that name its place, directly (`None`) or through an object that has
# one (that model's label), and the fields that hold its dates.
HISTORY: dict[str, tuple[tuple[tuple[str, str | None], ...], tuple[str, ...]]] = {
    "checkins.checkin": ((("place", None),), ("checked_in_at",)),
    "bookings.booking": ((("resource", "bookings.Resource"),), ("start",)),
    "events.event": ((("place", None),), ("start",)),
    # A registration counts at its event's date: the event gives both.
    "events.registration": ((("event", "events.Event"),), ()),
    "sharing.loan": ((("place", None), ("item", "sharing.Item")), ("checked_out_at",)),
}
# How an object named in `changes` leads to a place (and, for an event, to a date).
RELATED: dict[str, tuple[str, str | None]] = {
    "bookings.Resource": ("place_id", None),
    "sharing.Item": ("place_id", None),
    "events.Event": ("place_id", "start"),
}


def _local_date(value) -> date | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if isinstance(value, datetime):
        return timezone.localdate(value) if timezone.is_aware(value) else value.date()
    return value if isinstance(value, date) else None


def _changed_values(changes: dict, name: str) -> list:
    """The old and new values `changes` records for `name` (none when absent)."""
    pair = changes.get(name) if isinstance(changes, dict) else None
    if isinstance(pair, list | tuple):
        return [value for value in pair if value is not None]
    return []


def _changed_dates(object_type: str, changes_list: Iterable[dict]) -> set[date]:
    dates: set[date] = set()
    for changes in changes_list:
        for name in HISTORY.get(object_type, ((), ()))[1]:
            for value in _changed_values(changes, name):
                found = _local_date(value)
                if found is not None:
                    dates.add(found)
    return dates


def _related(label: str, ids: set[int]) -> dict[int, tuple[int | None, date | None]]:
    """Place (and date) of the objects `ids` of model `label`, one query."""
    from django.apps import apps

    if not ids:
        return {}
    place_path, date_path = RELATED[label]
    model = apps.get_model(label)
    fields = ["pk", place_path] + ([date_path] if date_path else [])
    return {
        row[0]: (row[1], _local_date(row[2]) if date_path else None)
        for row in model.objects.filter(pk__in=ids).values_list(*fields)
    }


def _gone_marks(
    object_type: str, gone: dict[str, list[tuple[date, dict]]], head: int
) -> set[tuple[int, date]]:
    """The place-months of objects whose row is gone, from every entry about them: one query
    for their entries, one per kind of related object."""
    place_fields, _date_fields = HISTORY[object_type]
    history: dict[str, list[tuple[date, dict]]] = defaultdict(list)
    for object_id, at, changes in AuditEntry.objects.filter(
        object_type=object_type, object_id__in=list(gone), position__lte=head
    ).values_list("object_id", "at", "changes"):
        history[object_id].append((timezone.localdate(at), changes))
    for object_id, found in gone.items():
        if not history[object_id]:
            history[object_id].extend(found)
    wanted: dict[str, set[int]] = defaultdict(set)
    for found in history.values():
        for _at, changes in found:
            for name, via in place_fields:
                if via is not None:
                    wanted[via].update(
                        int(v) for v in _changed_values(changes, name) if str(v).isdigit()
                    )
    related = {label: _related(label, ids) for label, ids in wanted.items()}
    marks: set[tuple[int, date]] = set()
    for found in history.values():
        places: set[int] = set()
        dates = _changed_dates(object_type, [changes for _at, changes in found])
        for _at, changes in found:
            for name, via in place_fields:
                for value in _changed_values(changes, name):
                    if not str(value).isdigit():
                        continue
                    if via is None:
                        places.add(int(value))
                        continue
                    place_id, when = related[via].get(int(value), (None, None))
                    if place_id is not None:
                        places.add(place_id)
                    if when is not None:
                        dates.add(when)
        if not dates:
            # No date in the entries (a loan counts at its creation): the first entry's day.
            dates = {min(at for at, _changes in found)}
        marks.update((place_id, month_start(when)) for place_id in places for when in dates)
    return marks


def _moved_transfer_marks(membership_ids: list[int]) -> set[tuple[int, date]]:
    """A membership created, ended or redated can move its person's network bank transfers from
    one of their places to another (`transfers_with_place`), and the place it moves them from
    is no longer in the data. Each such transfer's month is marked at every place the person
    belongs to (in any status) in that network: the old place and the new are among them.
    Three queries."""
    from maillage.members.models import Membership
    from maillage.sharing.models import TimeTransfer

    users = set(Membership.objects.filter(pk__in=membership_ids).values_list("user_id", flat=True))
    if not users:
        return set()
    transfers = list(
        TimeTransfer.objects.filter(
            place__isnull=True, network__isnull=False, credit__user__in=users
        ).values_list("credit__user_id", "network_id", "created_at")
    )
    places: dict[tuple[int, int], set[int]] = defaultdict(set)
    for user_id, network_id, place_id in Membership.objects.filter(
        user__in=users, place__networks__in={network for _u, network, _at in transfers}
    ).values_list("user_id", "place__networks", "place_id"):
        places[(user_id, network_id)].add(place_id)
    return {
        (place_id, month_start(timezone.localdate(at)))
        for user_id, network_id, at in transfers
        for place_id in places[(user_id, network_id)]
    }


def _network_transfer_places(users: list[int]) -> dict[int, tuple[int | None, date]]:
    """Where each network bank transfer credited to `users` counts, and its month: one query."""
    return {
        pk: (place_id, month_start(timezone.localdate(at)))
        for pk, place_id, at in transfers_with_place()
        .filter(network__isnull=False, credit__user__in=users)
        .values_list("pk", "counted_at", "created_at")
    }


def watch_moved_transfers(users: frozenset[int], places: frozenset[int]) -> Callable[[], None]:
    """The watcher of `places.moves`: a change that deletes memberships (a place deleted, an
    account erased) or puts places in or out of a network can move network bank transfers from
    one place to another, or to none, and what they counted at is gone afterwards, so the
    audit log cannot tell it. Read where the transfers of `users` and of the members of
    `places` count before the change; after it, in its transaction, mark the month of each
    transfer that moved (or went) at the place it left and at the one it reached. Four
    queries and an insert."""
    from maillage.members.models import Membership

    holders = Membership.objects.filter(place__in=places, user__isnull=False).values("user_id")
    # Their memberships locked: two such changes about one person (two of their places deleted
    # at once) read one after the other, the second seeing where the first moved the hours.
    people = set(
        Membership.objects.select_for_update()
        .filter(Q(user__in=users) | Q(user__in=holders))
        .order_by("pk")
        .values_list("user_id", flat=True)
    )
    before = _network_transfer_places(list(people)) if people else {}

    def after() -> None:
        if not before:
            return
        now = _network_transfer_places(list(people))
        marks: set[tuple[int, date]] = set()
        for pk, (place_id, month) in before.items():
            moved_to = now.get(pk, (None, month))[0]
            if moved_to != place_id:
                marks.update((found, month) for found in (place_id, moved_to) if found)
        # A deleted place takes its figures with it: nothing to mark there.
        alive = set(
            Place.objects.filter(pk__in={place_id for place_id, _month in marks}).values_list(
                "pk", flat=True
            )
        )
        StaleMonth.objects.bulk_create(
            [
                StaleMonth(place_id=place_id, month=month)
                for place_id, month in marks
                if place_id in alive
            ],
            ignore_conflicts=True,
            batch_size=2000,
        )

    return after


def mark_from_audit(*, batch: int = 10_000) -> int:
    """Read the audit entries after the cursor and mark the place-months they touch.

    One query for the entries, one per kind of object among them, one insert. Entries are read
    in chain order (`position`, given when their transaction commits), so none is skipped.
    A date that moved marks its old month too; an object whose row is gone (deleted) is found
    through its entries (`HISTORY`, one more query per kind). Returns the number of entries read.
    """
    from django.apps import apps

    with transaction.atomic():
        cursor, _created = AuditCursor.objects.select_for_update().get_or_create(pk=1)
        # The head first: entries linked after it wait for the next read.
        head = (
            AuditEntry.objects.filter(position__isnull=False)
            .order_by("-position")
            .values_list("position", flat=True)
            .first()
        ) or 0
        entries = list(
            AuditEntry.objects.filter(
                position__gt=cursor.position,
                position__lte=head,
                object_type__in=[*AUDITED, *YEARLY],
            )
            .order_by("position")
            .values_list("position", "object_type", "object_id", "at", "changes")[:batch]
        )
        if not entries:
            if head > cursor.position:
                cursor.position = head
                cursor.save(update_fields=["position", "read_at"])
            return 0
        by_type: dict[str, dict[str, list[tuple[date, dict]]]] = defaultdict(
            lambda: defaultdict(list)
        )
        for _position, object_type, object_id, at, changes in entries:
            by_type[object_type][object_id].append((timezone.localdate(at), changes))
        marks: set[tuple[int, date]] = set()
        for object_type, changed in by_type.items():
            ids = [int(pk) for pk in changed if pk.isdigit()]
            if object_type in YEARLY:
                label, place_path, year_path = YEARLY[object_type]
                rows = apps.get_model(label).objects.filter(pk__in=ids)
                for place_id, year in rows.values_list(place_path, year_path):
                    marks.update((place_id, date(year, month, 1)) for month in range(1, 13))
                continue
            label, place_path, date_path, stock = AUDITED[object_type]
            model = apps.get_model(label)
            base = ANNOTATED[object_type]() if object_type in ANNOTATED else model.objects.all()
            rows = base.filter(pk__in=ids).values_list("pk", place_path, date_path)
            found: set[str] = set()
            for pk, place_id, when in rows:
                found.add(str(pk))
                if place_id is None:
                    continue
                recorded_entries = changed[str(pk)]
                recorded = max(at for at, _changes in recorded_entries)
                filed = _local_date(when) or recorded
                moved = _changed_dates(object_type, [c for _at, c in recorded_entries])
                if stock:
                    months = set(_months_between(min(filed, recorded, *moved), recorded))
                else:
                    months = {month_start(day) for day in (filed, recorded, *moved)}
                marks.update((place_id, month) for month in months)
            gone = {pk: value for pk, value in changed.items() if pk not in found}
            if gone and object_type in HISTORY:
                gone_marks = _gone_marks(object_type, gone, head)
                # A deleted place takes its figures with it: nothing to mark there.
                alive = set(
                    Place.objects.filter(
                        pk__in={place_id for place_id, _month in gone_marks}
                    ).values_list("pk", flat=True)
                )
                marks.update(mark for mark in gone_marks if mark[0] in alive)
        if "members.membership" in by_type:
            marks |= _moved_transfer_marks(
                [int(pk) for pk in by_type["members.membership"] if pk.isdigit()]
            )
        StaleMonth.objects.bulk_create(
            [StaleMonth(place_id=place_id, month=month) for place_id, month in marks],
            ignore_conflicts=True,
            batch_size=2000,
        )
        cursor.position = int(entries[-1][0] or 0) if len(entries) == batch else head
        cursor.save(update_fields=["position", "read_at"])
    return len(entries)


# --- Place values -------------------------------------------------------------------------


@dataclass
class Written:
    created: int = 0
    updated: int = 0
    deleted: int = 0

    def add(self, other: "Written") -> None:
        self.created += other.created
        self.updated += other.updated
        self.deleted += other.deleted

    @property
    def changed(self) -> int:
        return self.created + self.updated + self.deleted


def _value(indicator, numerator: float, denominator: float | None) -> float | None:
    if indicator.ratio:
        return numerator / denominator if denominator else None
    return numerator


def compute_window(window: Window) -> dict[str, dict]:
    """The figures of every computed indicator over `window` (see compute.py)."""
    codes = {indicator.code for indicator in catalogue.computed()}
    results: dict[str, dict] = {}
    for source in SOURCES:
        for code, figures in source(window).items():
            if code in codes:
                results[code] = figures
    return results


def store_window(window: Window, results: dict[str, dict]) -> Written:
    """Make the stored place values of `window` what `results` says: create the new ones,
    update those that changed, delete those that no longer have a value (for the indicators
    in `results`)."""
    written = Written()
    scope = window.scoped(
        PlaceValue.objects.filter(
            grain=window.grain,
            period_start__gte=window.start,
            period_start__lt=window.end,
            indicator__in=list(results),
        )
    )
    existing = {
        (row.place_id, row.indicator, row.period_start): row
        for row in scope.only(
            "id", "place_id", "indicator", "period_start", "numerator", "denominator", "value"
        )
    }
    to_create, to_update = [], []
    seen = set()
    for code, figures in results.items():
        indicator = catalogue.BY_CODE[code]
        for (place_id, start), (numerator, denominator) in figures.items():
            key = (place_id, code, start)
            seen.add(key)
            value = _value(indicator, numerator, denominator)
            row = existing.get(key)
            if row is None:
                period = Period(window.grain, start)
                to_create.append(
                    PlaceValue(
                        place_id=place_id,
                        indicator=code,
                        grain=window.grain,
                        period=period.key,
                        period_start=start,
                        numerator=numerator,
                        denominator=denominator,
                        value=value,
                    )
                )
            elif (row.numerator, row.denominator, row.value) != (numerator, denominator, value):
                row.numerator, row.denominator, row.value = numerator, denominator, value
                to_update.append(row)
    gone = [row.pk for key, row in existing.items() if key not in seen]
    # `update_many` runs no `auto_now`: the time of the computation is set here.
    updated_fields = [PlaceValue._meta.get_field(name) for name in PLACE_VALUE_UPDATED]
    now = timezone.now()
    with transaction.atomic():
        PlaceValue.objects.bulk_create(to_create, batch_size=2000)
        update_many(
            PlaceValue,
            updated_fields,
            [
                prepared_row(
                    updated_fields, (row.numerator, row.denominator, row.value, now), row.pk
                )
                for row in to_update
            ],
        )
        if gone:
            PlaceValue.objects.filter(pk__in=gone).delete()
    written.created, written.updated, written.deleted = len(to_create), len(to_update), len(gone)
    return written


def _grain_windows(start: date, end: date, place_ids: frozenset[int] | None) -> list[Window]:
    quarter = date(start.year, (start.month - 1) // 3 * 3 + 1, 1)
    return [
        Window(Grain.MONTH, month_start(start), end, place_ids),
        Window(Grain.QUARTER, quarter, end, place_ids),
        Window(Grain.YEAR, date(start.year, 1, 1), end, place_ids),
    ]


@dataclass
class ComputeReport:
    places: Written = field(default_factory=Written)
    aggregates: Written = field(default_factory=Written)
    months: int = 0


def compute_all(
    *, place_ids: Iterable[int] | None = None, since: date | None = None, today: date | None = None
) -> ComputeReport:
    """Compute every indicator of every place (or of `place_ids`) from `since` (default: the
    last 36 months) to this month, by month, quarter and year; then the aggregates of the
    years touched. The stale marks before the start are cleared and the audit cursor moved to
    the log's head, since everything they pointed at is now recomputed."""
    today = today or timezone.localdate()
    end = add_months(month_start(today), 1)
    since = month_start(since or add_months(month_start(today), -(DEFAULT_MONTHS - 1)))
    scope = frozenset(place_ids) if place_ids is not None else None
    started = timezone.now()
    head = (
        AuditEntry.objects.filter(position__isnull=False)
        .order_by("-position")
        .values_list("position", flat=True)
        .first()
    )
    report = ComputeReport()
    for window in _grain_windows(since, end, scope):
        report.places.add(store_window(window, compute_window(window)))
    report.aggregates = rebuild_aggregates(years=range(since.year, end.year + (end.month > 1)))
    stale = StaleMonth.objects.filter(marked_at__lte=started)
    if scope is not None:
        stale = stale.filter(place_id__in=scope)
    stale.filter(month__gte=since).delete()
    if scope is None and head:
        AuditCursor.objects.update_or_create(pk=1, defaults={"position": head})
    return report


def recompute_stale(*, today: date | None = None) -> ComputeReport:
    """Read the audit log for new marks, then recompute only the marked place-months (with
    their quarters and years) and the aggregates of their years."""
    mark_from_audit()
    report = ComputeReport()
    marks = list(StaleMonth.objects.values_list("pk", "place_id", "month"))
    if not marks:
        return report
    by_period: dict[tuple[str, date], set[int]] = defaultdict(set)
    for _pk, place_id, month in marks:
        period: Period | None = Period(Grain.MONTH, month)
        while period is not None:
            by_period[(period.grain, period.start)].add(place_id)
            period = period.parent()
    for (grain, start), place_ids in sorted(by_period.items()):
        window = Window(grain, start, Period(grain, start).end, frozenset(place_ids))
        report.places.add(store_window(window, compute_window(window)))
    report.months = len({month for _pk, _place, month in marks})
    report.aggregates = rebuild_aggregates(years={month.year for _pk, _place, month in marks})
    StaleMonth.objects.filter(pk__in=[pk for pk, _place, _month in marks]).delete()
    return report


# --- Aggregates and secrecy ---------------------------------------------------------------


def _aggregate_rows(values, level: str, place_field: str | None) -> list[dict]:
    """One grouped query: the aggregates of `level` for every area, indicator and period of
    `values` (a PlaceValue queryset)."""
    code = F(f"place__{place_field}") if place_field else Value(FRANCE_CODE)
    queryset = values
    if place_field:
        queryset = queryset.exclude(**{f"place__{place_field}": ""}).exclude(
            **{f"place__{place_field}__isnull": True}
        )
    return list(
        queryset.annotate(area=code)
        .order_by()
        .values("area", "indicator", "grain", "period", "period_start")
        .annotate(
            places=Count("place_id", distinct=True),
            numerator_sum=Sum("numerator"),
            denominator_sum=Sum("denominator"),
            largest_part=Max("numerator"),
            mean=Avg("value"),
        )
    )


def _medians(values, place_field: str | None, codes: Sequence[str]) -> dict[tuple, float]:
    if not codes:
        return {}
    code = F(f"place__{place_field}") if place_field else Value(FRANCE_CODE)
    groups: dict[tuple, list[float]] = defaultdict(list)
    for area, indicator, period, value in (
        values.filter(indicator__in=codes, value__isnull=False)
        .annotate(area=code)
        .values_list("area", "indicator", "period", "value")
    ):
        groups[(area, indicator, period)].append(value)
    return {key: statistics.median(found) for key, found in groups.items()}


def _territory_tree() -> list[tuple[str, str, str, str]]:
    """(commune, epci, département, région) codes of the places, one query."""
    return list(
        Place.objects.order_by()
        .values_list("insee_code", "epci_code", "departement_code", "region_code")
        .distinct()
    )


def _constraints(
    cells: dict[tuple, Cell], indicator, tree: list[tuple[str, str, str, str]]
) -> list[tuple[tuple, list[tuple]]]:
    """total = Σ parts relations among the cells of one indicator: France = its régions,
    a région = its départements, a département = its communes, an EPCI = its communes (for
    every period), and, when the indicator adds up over time, a year = its quarters and a
    quarter = its months (for every area)."""
    if not indicator.additive:
        return []
    parents: dict[tuple[str, str], set[tuple[str, str]]] = defaultdict(set)
    for commune, epci, departement, region in tree:
        if region:
            parents[("france", FRANCE_CODE)].add(("region", region))
        if region and departement:
            parents[("region", region)].add(("departement", departement))
        if departement and commune:
            parents[("departement", departement)].add(("commune", commune))
        if epci and commune:
            parents[("epci", epci)].add(("commune", commune))
    periods = {key[3] for key in cells}
    constraints = []
    for (level, code), children in parents.items():
        for period in periods:
            total = (level, code, indicator.code, period)
            if total not in cells:
                continue
            parts = [(lvl, c, indicator.code, period) for lvl, c in children]
            parts = [part for part in parts if part in cells]
            if parts:
                constraints.append((total, parts))
    if indicator.over_time == "additive":
        areas = {(key[0], key[1]) for key in cells}
        for level, code in areas:
            for period_key in periods:
                total = (level, code, indicator.code, period_key)
                children_keys = [p.key for p in parse_period(period_key).children()]
                parts = [(level, code, indicator.code, key) for key in children_keys]
                parts = [part for part in parts if part in cells]
                if parts:
                    constraints.append((total, parts))
    return constraints


def _in_years(years: Sequence[int]) -> Q:
    """Periods that start in one of `years`, as date ranges: `period_start__year__in` runs a
    Python function per row on SQLite and keeps either database from using the index."""
    condition = Q()
    for year in years:
        condition |= Q(period_start__gte=date(year, 1, 1), period_start__lt=date(year + 1, 1, 1))
    return condition


def rebuild_aggregates(*, years: Iterable[int]) -> Written:
    """Recompute the aggregates of every area for the months, quarters and years of `years`,
    apply statistical secrecy to each indicator over the whole hierarchy and period tree, and
    store the difference. One grouped query per level; `suppress` per indicator."""
    years = sorted(set(years))
    written = Written()
    if not years:
        return written
    in_years = _in_years(years)
    values = PlaceValue.objects.filter(in_years)
    median_codes = [
        indicator.code for indicator in catalogue.published() if indicator.aggregation == "median"
    ]
    fresh: dict[tuple, dict] = {}
    for level, place_field in LEVEL_FIELDS.items():
        medians = _medians(values, place_field, median_codes)
        for row in _aggregate_rows(values, level, place_field):
            indicator = catalogue.BY_CODE.get(row["indicator"])
            if indicator is None:
                continue
            numerator = float(row["numerator_sum"] or 0)
            denominator = row["denominator_sum"]
            if indicator.aggregation == "weighted_mean":
                value = numerator / denominator if denominator else None
            elif indicator.aggregation == "mean":
                value = row["mean"]
            elif indicator.aggregation == "median":
                value = medians.get((row["area"], row["indicator"], row["period"]))
            else:
                value = numerator
            key = (level, row["area"], row["indicator"], row["period"])
            fresh[key] = {
                "grain": row["grain"],
                "period_start": row["period_start"],
                "places": row["places"],
                "numerator": numerator,
                "denominator": float(denominator) if denominator is not None else None,
                "value": value,
                "largest": float(row["largest_part"] or 0),
                "hidden": False,
            }
    tree = _territory_tree()
    rules = Rules()
    by_indicator: dict[str, dict[tuple, Cell]] = defaultdict(dict)
    for key, row in fresh.items():
        indicator = catalogue.BY_CODE[key[2]]
        by_indicator[key[2]][key] = Cell(
            key=key,
            value=row["numerator"],
            places=row["places"],
            # Dominance is about shares of a total: not for means, medians and rates.
            largest=row["largest"] if indicator.aggregation == "sum" else 0.0,
            counts_people=indicator.counts_people,
        )
    for code, cells in by_indicator.items():
        indicator = catalogue.BY_CODE[code]
        hidden = suppress(list(cells.values()), _constraints(cells, indicator, tree), rules)
        for hidden_key in hidden:
            fresh[hidden_key]["hidden"] = True  # type: ignore[index]
    existing = {
        (row.level, row.code, row.indicator, row.period): row
        for row in AggregateValue.objects.filter(in_years)
    }
    fields = ("places", "numerator", "denominator", "value", "largest", "hidden")
    to_create, to_update = [], []
    for key, row in fresh.items():
        current = existing.get(key)
        if current is None:
            level, area, indicator_code, period = key
            to_create.append(
                AggregateValue(
                    level=level, code=area, indicator=indicator_code, period=period, **row
                )
            )
        elif any(getattr(current, name) != row[name] for name in fields):
            for name in fields:
                setattr(current, name, row[name])
            to_update.append(current)
    gone = [row.pk for key, row in existing.items() if key not in fresh]
    with transaction.atomic():
        AggregateValue.objects.bulk_create(to_create, batch_size=2000)
        updated_fields = [AggregateValue._meta.get_field(name) for name in fields]
        update_many(
            AggregateValue,
            updated_fields,
            [
                prepared_row(updated_fields, (getattr(row, name) for name in fields), row.pk)
                for row in to_update
            ],
        )
        if gone:
            AggregateValue.objects.filter(pk__in=gone).delete()
    written.created, written.updated, written.deleted = len(to_create), len(to_update), len(gone)
    return written
