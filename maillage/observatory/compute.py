"""The computation of each indicator from the day-to-day data, by grouped queries.

Each *source* below reads one kind of data for a `Window` (a grain, a range of periods, and
optionally the places to compute) and returns, for each indicator code it gives, a mapping
`(place id, period start) -> (numerator, denominator)` (the denominator None unless the
indicator is a ratio). The catalogue (`catalogue.py`) says which source computes which
indicator.

Flows (visits, events, loans…) are one query each, grouped by place and by period (a CASE
over the periods' ends, as truncating to the month, quarter or year on the instance's time
zone, `settings.TIME_ZONE`, would give: `_period_of`): a quarter is computed like a month,
which gives the same figure as the sum of its months for additive flows and the exact figure
for distinct counts (unique visitors, borrowers). Stocks (active members, hosted
organisations) are one grouped query per period. A place appears for an indicator and period
only when it has data for it: places that do not use a module do not count among the
contributing places.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time

from django.db import connections
from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    DateField,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, TruncDate
from django.utils import timezone

from maillage.bookings.models import Booking, BookingStatus, QualificationGrant, Resource
from maillage.checkins.models import CheckIn, VisitorCount, VisitorKind
from maillage.checkins.selectors import FULL_DESK_DAY
from maillage.events.models import (
    Attendance,
    Event,
    EventStatus,
    Registration,
    RegistrationStatus,
    Visibility,
)
from maillage.governance.models import Elector, Participation, Proposal, ProposalStatus, VoteStatus
from maillage.members.models import Membership, MembershipStatus, ResourceKind
from maillage.organisations.models import HeadcountDeclaration, Hosting
from maillage.places.models import Place
from maillage.sharing.models import Item, Loan, Post, PostState, TimeTransfer
from maillage.stats.hours import opening_hours_per_week
from maillage.stats.survival import survival_at

from . import declared
from .periods import Period, periods_between

Key = tuple[int, date]
Figures = dict[Key, tuple[float, float | None]]
Results = dict[str, Figures]

SURVIVAL_YEARS = (1, 3, 5)
# Memberships that were, at some point, in force (the others never started).
HELD_STATUSES = (MembershipStatus.ACTIVE, MembershipStatus.SUSPENDED, MembershipStatus.ENDED)


@dataclass(frozen=True)
class Window:
    """What to compute: the periods of `grain` from `start` (included) to `end` (excluded), for
    `place_ids` (None: every place)."""

    grain: str
    start: date
    end: date
    place_ids: frozenset[int] | None = None

    def periods(self) -> list[Period]:
        return periods_between(self.grain, self.start, self.end)

    @property
    def start_at(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.start, time()))

    @property
    def end_at(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.end, time()))

    def scoped(self, queryset: QuerySet, path: str = "place_id") -> QuerySet:
        if self.place_ids is None:
            return queryset
        return queryset.filter(**{f"{path}__in": self.place_ids})


def _period_of(field: str, window: Window, *, is_datetime: bool = True):
    """The start of the period of `window` in which `field` falls, for rows already filtered to
    the window: what truncating to the grain (`Trunc`, on the instance's time zone) gives, as a
    CASE over the periods' ends. SQLite runs `Trunc` as a Python function per row, which was
    half of an incremental update; comparisons it runs itself, and so does PostgreSQL."""
    periods = window.periods()

    def end(period: Period):
        return (
            timezone.make_aware(datetime.combine(period.end, time())) if is_datetime else period.end
        )

    return Case(
        *(
            When(**{f"{field}__lt": end(period)}, then=Value(period.start))
            for period in periods[:-1]
        ),
        default=Value(periods[-1].start),
        output_field=DateField(),
    )


def _as_date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    return value


def _figures(rows: Iterable[dict], value: str = "n") -> Figures:
    return {
        (row["at_place"], _as_date(row["period"])): (float(row[value] or 0), None) for row in rows
    }


def _flow(
    queryset: QuerySet,
    window: Window,
    *,
    when: str,
    place: str = "place_id",
    measure=None,
    is_datetime: bool = True,
) -> Figures:
    """One grouped query: `measure` (a count of rows by default) per place and period of
    `when`."""
    low, high = (window.start_at, window.end_at) if is_datetime else (window.start, window.end)
    rows = (
        window.scoped(queryset, place)
        .filter(**{f"{when}__gte": low, f"{when}__lt": high})
        .annotate(at_place=F(place), period=_period_of(when, window, is_datetime=is_datetime))
        .order_by()
        .values("at_place", "period")
        .annotate(n=measure if measure is not None else Count("id"))
    )
    return _figures(rows)


def _add(*parts: Figures) -> Figures:
    total: dict[Key, float] = defaultdict(float)
    for part in parts:
        for key, (numerator, _denominator) in part.items():
            total[key] += numerator
    return {key: (value, None) for key, value in total.items()}


def _ratio(numerators: Figures, denominators: Figures) -> Figures:
    return {
        key: (numerators.get(key, (0.0, None))[0], denominator)
        for key, (denominator, _none) in denominators.items()
    }


def _raw_grouped(inner: QuerySet, select: str) -> list[tuple]:
    """`SELECT place, period, <select> FROM (<inner>) GROUP BY place, period`, on both
    databases: the ORM cannot group twice."""
    using = inner.db
    sql, params = inner.query.get_compiler(using).as_sql()
    query = f"SELECT t.at_place, t.period, {select} FROM ({sql}) t GROUP BY t.at_place, t.period"  # noqa: S608 - ORM SQL, values are parameters
    with connections[using].cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


# --- Members ------------------------------------------------------------------------------


def members(window: Window) -> Results:
    """Active members (memberships in force at some point of the period) and new members
    (memberships that started in it)."""
    held = Membership.objects.filter(status__in=HELD_STATUSES, start_date__isnull=False)
    active: Figures = {}
    for period in window.periods():
        rows = (
            window.scoped(held)
            .filter(start_date__lt=period.end)
            .filter(Q(end_date__isnull=True) | Q(end_date__gte=period.start))
            .annotate(at_place=F("place_id"))
            .order_by()
            .values("at_place")
            .annotate(n=Count("user_id", distinct=True))
        )
        for row in rows:
            active[(row["at_place"], period.start)] = (float(row["n"]), None)
    new = _flow(held, window, when="start_date", is_datetime=False)
    return {"active_members": active, "new_members": new}


# --- Check-ins ----------------------------------------------------------------------------


def checkins(window: Window) -> Results:
    """Visits (check-ins and counted visitors), unique visitors (distinct people with an
    account; an erased person's stay counts one), desk-days (per person and day: 1 when present
    4 hours or more, else 0.5, as `checkins.selectors.daily_counts`; plus day passes)."""
    stays = window.scoped(CheckIn.objects.all()).filter(
        checked_in_at__gte=window.start_at, checked_in_at__lt=window.end_at
    )
    counted = VisitorCount.objects.all()
    visits = _add(
        _flow(stays, window, when="checked_in_at"),
        _flow(counted, window, when="day", measure=Sum("count"), is_datetime=False),
    )
    person = Case(
        When(user__isnull=True, then=-F("id")),
        default=F("user_id"),
        output_field=BigIntegerField(),
    )
    present = ExpressionWrapper(
        Coalesce("checked_out_at", Value(timezone.now(), output_field=DateTimeField()))
        - F("checked_in_at"),
        output_field=DurationField(),
    )
    per_person_day = (
        stays.annotate(
            at_place=F("place_id"),
            period=_period_of("checked_in_at", window),
            day=TruncDate("checked_in_at"),
            person=person,
        )
        .order_by()
        .values("at_place", "period", "day", "person")
        .annotate(present=Sum(present))
        .annotate(
            desk=Case(
                When(present__gte=FULL_DESK_DAY, then=Value(1.0)),
                default=Value(0.5),
                output_field=FloatField(),
            )
        )
        .values("at_place", "period", "desk")
    )
    desk = {
        (place, _as_date(period)): (float(total), None)
        for place, period, total in _raw_grouped(per_person_day, "SUM(t.desk)")
    }
    day_passes = _flow(
        counted.filter(kind=VisitorKind.DAY_PASS),
        window,
        when="day",
        measure=Sum("count"),
        is_datetime=False,
    )
    unique = _flow(stays, window, when="checked_in_at", measure=Count(person, distinct=True))
    return {
        "visits": visits,
        "unique_visitors": unique,
        "desk_days": _add(desk, day_passes),
    }


# --- Bookings -----------------------------------------------------------------------------


def bookable_hours_per_week(resource_hours: str, place_hours: str) -> float | None:
    """A resource's bookable hours in a week: from its own bookable hours, or else from its
    place's opening hours (the resource is bookable when the place is open)."""
    return opening_hours_per_week(resource_hours or place_hours)


def bookings(window: Window) -> Results:
    """Hours booked (confirmed bookings, by the month they start, times the seats taken) and the
    occupancy rate (booked hours / bookable hours), for all resources and per resource kind.

    Bookable hours of a resource over a period: its weekly bookable hours
    (`bookable_hours_per_week`) × the period's days / 7 × its capacity, for the active resources
    created before the period ends. A resource without readable hours adds nothing to either
    side of the rate.
    """
    booked_hours = ExpressionWrapper(
        ExpressionWrapper(F("end") - F("start"), output_field=DurationField())
        * Cast("seats", IntegerField()),
        output_field=DurationField(),
    )
    rows = (
        window.scoped(Booking.objects.filter(status=BookingStatus.CONFIRMED), "resource__place_id")
        .filter(start__gte=window.start_at, start__lt=window.end_at)
        .annotate(at_place=F("resource__place_id"), period=_period_of("start", window))
        .order_by()
        .values("at_place", "period", "resource__kind")
        .annotate(booked=Sum(booked_hours))
    )
    booked: dict[str, dict[Key, float]] = defaultdict(lambda: defaultdict(float))
    for row in rows:
        key = (row["at_place"], _as_date(row["period"]))
        duration = row["booked"]
        hours = duration.total_seconds() / 3600 if duration is not None else 0.0
        booked[row["resource__kind"]][key] += hours
        booked[""][key] += hours
    bookable: dict[str, dict[Key, float]] = defaultdict(lambda: defaultdict(float))
    resources = window.scoped(Resource.objects.filter(is_active=True)).values(
        "place_id", "kind", "capacity", "opening_hours", "place__opening_hours", "created_at"
    )
    periods = window.periods()
    for resource in resources:
        weekly = bookable_hours_per_week(
            resource["opening_hours"], resource["place__opening_hours"]
        )
        if not weekly:
            continue
        for period in periods:
            if timezone.localdate(resource["created_at"]) >= period.end:
                continue
            days = (period.end - period.start).days
            hours = weekly * days / 7 * resource["capacity"]
            key = (resource["place_id"], period.start)
            bookable[resource["kind"]][key] += hours
            bookable[""][key] += hours
    results: Results = {}
    for kind in ("", *ResourceKind.values):
        suffix = f"_{kind}" if kind else ""
        results[f"hours_booked{suffix}"] = {
            key: (hours, None) for key, hours in booked[kind].items()
        }
        results[f"occupancy_rate{suffix}"] = {
            key: (booked[kind].get(key, 0.0), hours) for key, hours in bookable[kind].items()
        }
    return results


def qualifications(window: Window) -> Results:
    """Trainings given (scheduled events that grant a qualification, held in the period) and
    qualifications granted (grants dated in the period, revoked or not)."""
    trainings = _flow(
        Event.objects.filter(
            status=EventStatus.SCHEDULED, qualification__isnull=False, place__isnull=False
        ),
        window,
        when="start",
    )
    grants = _flow(
        QualificationGrant.objects.all(),
        window,
        when="granted_on",
        place="qualification__place_id",
        is_datetime=False,
    )
    return {"trainings_given": trainings, "qualifications_granted": grants}


# --- Events -------------------------------------------------------------------------------


def events(window: Window) -> Results:
    """Events held (scheduled, not cancelled, by their start), public events, confirmed
    registrations, attendance (registrations marked present) and the attendance rate (present /
    confirmed registrations, over the events whose attendance was taken)."""
    held = Event.objects.filter(status=EventStatus.SCHEDULED, place__isnull=False)
    registrations = Registration.objects.filter(
        status=RegistrationStatus.CONFIRMED,
        event__status=EventStatus.SCHEDULED,
        event__place__isnull=False,
    )
    confirmed = _flow(registrations, window, when="event__start", place="event__place_id")
    present = _flow(
        registrations.filter(attendance=Attendance.PRESENT),
        window,
        when="event__start",
        place="event__place_id",
    )
    # The events whose attendance was taken: at least one registration marked.
    marked = Registration.objects.exclude(attendance="").values("event_id")
    taken = _flow(
        registrations.filter(event_id__in=marked),
        window,
        when="event__start",
        place="event__place_id",
    )
    return {
        "events_held": _flow(held, window, when="start"),
        "public_events": _flow(held.filter(visibility=Visibility.PUBLIC), window, when="start"),
        "registrations": confirmed,
        "attendance": present,
        "attendance_rate": _ratio(present, taken),
    }


# --- Sharing ------------------------------------------------------------------------------


def transfers_with_place() -> QuerySet:
    """Every time transfer with `counted_at`, the place its hours count at: a place bank's
    transfer at that place; a network bank's at the place of the person credited (the one who
    gave the time) — among their memberships in the network's places in force on the transfer's
    day (held, begun by then, not ended before), the one begun first, then the lowest place id,
    so that each transfer counts at one place only. None (counted nowhere) when the person was
    erased or held no such membership that day. A correlated subquery: still one query."""
    on = TruncDate("created_at", tzinfo=timezone.get_current_timezone())
    home = (
        Membership.objects.filter(
            user=OuterRef("credit__user"),
            place__networks=OuterRef("network"),
            status__in=HELD_STATUSES,
            start_date__isnull=False,
            start_date__lte=OuterRef("counted_on"),
        )
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=OuterRef("counted_on")))
        .order_by("start_date", "place_id")
        .values("place_id")[:1]
    )
    return TimeTransfer.objects.annotate(counted_on=on).annotate(
        counted_at=Coalesce(F("place_id"), Subquery(home, output_field=IntegerField()))
    )


def sharing(window: Window) -> Results:
    """Loans (by the day they began), distinct items lent, distinct borrowers, the share of the
    catalogue used (items lent / items on loan offer at the end of the period), exchanges
    fulfilled (offers and requests of the place marked fulfilled, by that day) and the hours
    exchanged in the time bank."""
    loans = Loan.objects.all()
    items_lent = _flow(
        loans, window, when="checked_out_at", measure=Count("item_id", distinct=True)
    )
    catalogue: Figures = {}
    for period in window.periods():
        rows = (
            window.scoped(Item.objects.filter(is_active=True))
            .filter(created_at__lt=timezone.make_aware(datetime.combine(period.end, time())))
            .annotate(at_place=F("place_id"))
            .order_by()
            .values("at_place")
            .annotate(n=Count("id"))
        )
        for row in rows:
            catalogue[(row["at_place"], period.start)] = (float(row["n"]), None)
    return {
        "loans": _flow(loans, window, when="checked_out_at"),
        "items_lent": items_lent,
        "borrowers": _flow(
            loans, window, when="checked_out_at", measure=Count("borrower_id", distinct=True)
        ),
        "catalogue_share": _ratio(items_lent, catalogue),
        "exchanges_fulfilled": _flow(
            Post.objects.filter(state=PostState.FULFILLED, place__isnull=False),
            window,
            when="updated_at",
        ),
        "hours_exchanged": {
            key: (minutes / 60, None)
            for key, (minutes, _none) in _flow(
                transfers_with_place().filter(counted_at__isnull=False),
                window,
                when="created_at",
                place="counted_at",
                measure=Sum("minutes"),
            ).items()
        },
    }


# --- Hosted organisations -----------------------------------------------------------------


def organisations(window: Window) -> Results:
    """Hosted organisations (hostings in force during the period), jobs hosted (their last
    declared headcount before the period ends), jobs created since hosting began (that headcount
    minus the first one declared since the hosting began, or before it when none), and the
    share of hostings still going 1, 3 and 5 years after they began (Kaplan–Meier over the
    hostings begun before the period ends, those still going censored at its end).

    Two queries for the window (hostings, declarations), then arithmetic on those rows.
    """
    hostings = list(
        window.scoped(Hosting.objects.filter(start_date__lt=window.end)).values(
            "place_id", "organisation_id", "start_date", "end_date"
        )
    )
    declared: dict[int, list[tuple[date, int]]] = defaultdict(list)
    for row in (
        HeadcountDeclaration.objects.filter(
            organisation_id__in={hosting["organisation_id"] for hosting in hostings},
            declared_on__lt=window.end,
        )
        .order_by("declared_on", "pk")
        .values_list("organisation_id", "declared_on", "employees")
    ):
        declared[row[0]].append((row[1], row[2]))
    results: Results = {"hosted_organisations": {}, "jobs_hosted": {}, "jobs_created": {}}
    for years in SURVIVAL_YEARS:
        results[f"survival_{years}y"] = {}
    by_place: dict[int, list[dict]] = defaultdict(list)
    for hosting in hostings:
        by_place[hosting["place_id"]].append(hosting)
    for period in window.periods():
        for place_id, place_hostings in by_place.items():
            key = (place_id, period.start)
            current = [
                h
                for h in place_hostings
                if h["start_date"] < period.end
                and (h["end_date"] is None or h["end_date"] >= period.start)
            ]
            if current:
                jobs = created = 0
                for hosting in current:
                    history = [d for d in declared[hosting["organisation_id"]] if d[0] < period.end]
                    if not history:
                        continue
                    since = [d for d in history if d[0] >= hosting["start_date"]] or history[-1:]
                    jobs += history[-1][1]
                    created += history[-1][1] - since[0][1]
                results["hosted_organisations"][key] = (float(len(current)), None)
                results["jobs_hosted"][key] = (float(jobs), None)
                results["jobs_created"][key] = (float(created), None)
            begun = [h for h in place_hostings if h["start_date"] < period.end]
            durations = [
                (
                    (min(h["end_date"], period.end) if h["end_date"] else period.end)
                    - h["start_date"]
                ).days
                for h in begun
            ]
            observed = [h["end_date"] is not None and h["end_date"] < period.end for h in begun]
            survival = survival_at(durations, observed, at_years=SURVIVAL_YEARS)
            for years in SURVIVAL_YEARS:
                share = survival.get(years)
                if share is not None:
                    # Weighted by the hostings followed, so that territories weigh places.
                    results[f"survival_{years}y"][key] = (share * len(begun), float(len(begun)))
    return results


# --- Governance ---------------------------------------------------------------------------


def governance(window: Window) -> Results:
    """Decisions taken (proposals of the place's bodies adopted or rejected in the period) and
    the participation rate (ballots cast / electors, over the votes closed in the period)."""
    decided = Proposal.objects.filter(
        status__in=(ProposalStatus.ADOPTED, ProposalStatus.REJECTED), body__place__isnull=False
    )
    closed = {"vote__status": VoteStatus.CLOSED, "vote__body__place__isnull": False}
    electors = _flow(
        Elector.objects.filter(**closed),
        window,
        when="vote__closed_at",
        place="vote__body__place_id",
    )
    ballots = _flow(
        Participation.objects.filter(**closed),
        window,
        when="vote__closed_at",
        place="vote__body__place_id",
    )
    return {
        "decisions_taken": _flow(decided, window, when="decided_at", place="body__place_id"),
        "participation_rate": _ratio(ballots, electors),
    }


# --- The place itself ---------------------------------------------------------------------


def opening(window: Window) -> Results:
    """Opening hours per week, read from the place's `opening_hours` (its current value: the
    directory keeps no history of it), for every period of the window."""
    hours: Figures = {}
    periods = window.periods()
    places = window.scoped(Place.objects.exclude(opening_hours=""), "pk").values_list(
        "pk", "opening_hours"
    )
    for place_id, text in places:
        weekly = opening_hours_per_week(text)
        if weekly is None:
            continue
        for period in periods:
            hours[(place_id, period.start)] = (weekly, None)
    return {"opening_hours_per_week": hours}


Source = Callable[[Window], Results]
SOURCES: tuple[Source, ...] = (
    members,
    checkins,
    bookings,
    qualifications,
    events,
    sharing,
    organisations,
    governance,
    opening,
    # Commuting avoided and the yearly declarations (declared.py).
    declared.commuting,
    declared.declarations,
)
