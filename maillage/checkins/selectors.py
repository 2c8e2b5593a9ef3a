"""Reads about check-ins: who is here, a person's stays, and the daily counts of a place."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import connections
from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from maillage.accounts.rules import is_signed_in
from maillage.members.models import Membership, MembershipStatus
from maillage.places.models import Place

from .models import CheckIn, PresencePreference, VisitorCount, VisitorKind
from .rules import can_see_everyone_present, can_see_presence

# A person present this long on a day counts one desk-day, less counts half (docs/glossary.md).
FULL_DESK_DAY = timedelta(hours=4)


def open_checkin_of(user) -> CheckIn | None:
    """Where `user` is checked in now (with the place), or None."""
    if not is_signed_in(user):
        return None
    return CheckIn.objects.select_related("place").filter(user=user, checked_out_at=None).first()


def checkins_of(user) -> QuerySet[CheckIn]:
    """`user`'s stays, latest first, with their place."""
    if not is_signed_in(user):
        return CheckIn.objects.none()
    return CheckIn.objects.filter(user=user).select_related("place").order_by("-checked_in_at")


def present_now(place: Place, *, viewer) -> list[CheckIn]:
    """The open check-ins of `place` that `viewer` may see, by arrival (two queries at most).

    The place's operators see everyone; its active members see those who opted in
    (`PresencePreference.visible_to_members`) and themselves; anyone else sees nobody.
    """
    if not can_see_presence(viewer, place):
        return []
    present = (
        CheckIn.objects.filter(place=place, checked_out_at=None, user__isnull=False)
        .select_related("user")
        .order_by("checked_in_at", "pk")
    )
    if not can_see_everyone_present(viewer, place):
        present = present.filter(
            Q(user__presence_preference__visible_to_members=True) | Q(user=viewer)
        )
    return list(present)


def is_visible_to_members(user) -> bool:
    return PresencePreference.objects.filter(user=user, visible_to_members=True).exists()


def desk_search(place: Place, query: str, *, limit: int = 30) -> list[dict]:
    """Active members of `place` whose username or name contains `query`, each with their open
    check-in here (None when absent): the front-desk tablet's list, in two queries."""
    members = Membership.objects.filter(
        place=place, status=MembershipStatus.ACTIVE, user__isnull=False
    ).select_related("user")
    query = query.strip()
    if query:
        members = members.filter(
            Q(user__username__icontains=query)
            | Q(user__first_name__icontains=query)
            | Q(user__last_name__icontains=query)
        )
    rows = list(members.order_by("user__last_name", "user__first_name", "user__username")[:limit])
    open_here = {
        checkin.user_id: checkin
        for checkin in CheckIn.objects.filter(
            place=place, checked_out_at=None, user_id__in=[row.user_id for row in rows]
        )
    }
    return [{"user": row.user, "checkin": open_here.get(row.user_id)} for row in rows]


@dataclass(frozen=True)
class DailyCount:
    """What happened at a place on one day of its calendar (see docs/glossary.md)."""

    day: date
    visits: int  # check-ins that started this day
    people: int  # distinct people among them (each anonymous check-in counts one)
    desk_days: float  # per person: 1 if present 4 h or more that day, else 0.5; plus day passes
    day_passes: int  # visitors without an account holding a day pass
    anonymous_visits: int  # other visitors without an account


def _day_bounds(place: Place, start_date: date, end_date: date) -> tuple[datetime, datetime]:
    zone = place.timezone
    return (
        datetime.combine(start_date, time(0), tzinfo=zone),
        datetime.combine(end_date + timedelta(days=1), time(0), tzinfo=zone),
    )


def daily_counts(place: Place, start_date: date, end_date: date) -> list[DailyCount]:
    """The counts of `place` for every day from `start_date` to `end_date` (both included, on
    the place's clock), days without anyone included with zeros. One SQL query.

    A stay counts on the day it started (a stay across midnight belongs to its first day); an
    open stay counts until now. The query groups check-ins by day and person (the ORM writes
    the time-zone conversion and the durations for each database), adds the visitor counts of
    the same days, and sums per day; it reads the index (place, checked_in_at).
    """
    if end_date < start_date:
        return []
    low, high = _day_bounds(place, start_date, end_date)
    present = ExpressionWrapper(
        Coalesce("checked_out_at", Value(timezone.now(), output_field=DateTimeField()))
        - F("checked_in_at"),
        output_field=DurationField(),
    )
    stays = (
        CheckIn.objects.filter(place=place, checked_in_at__gte=low, checked_in_at__lt=high)
        .annotate(
            day=TruncDate("checked_in_at", tzinfo=place.timezone),
            # Erased people's stays have no user: each counts as one person.
            person=Case(
                When(user__isnull=True, then=-F("id")),
                default=F("user_id"),
                output_field=BigIntegerField(),
            ),
        )
        .order_by()
        .values("day", "person")
        .annotate(visits=Count("id"), present=Sum(present))
        .annotate(
            desk=Case(
                When(present__gte=FULL_DESK_DAY, then=Value(1.0)),
                default=Value(0.5),
                output_field=FloatField(),
            )
        )
        .values("day", "visits", "desk")
    )
    visitors = (
        VisitorCount.objects.filter(place=place, day__gte=start_date, day__lte=end_date)
        .order_by()
        .values("day", "kind", "count")
    )
    using = CheckIn.objects.db
    connection = connections[using]
    stays_sql, stays_params = stays.query.get_compiler(using).as_sql()
    visitors_sql, visitors_params = visitors.query.get_compiler(using).as_sql()
    day_pass, visit = VisitorKind.DAY_PASS.value, VisitorKind.VISIT.value
    # Plain SQL around the two ORM subqueries, the same on SQLite and PostgreSQL.
    sql = f"""
        SELECT day, SUM(visits), SUM(people), SUM(desk), SUM(day_passes), SUM(anonymous)
        FROM (
            SELECT s.day AS day, s.visits AS visits, 1 AS people, s.desk AS desk,
                   0 AS day_passes, 0 AS anonymous
            FROM ({stays_sql}) s
            UNION ALL
            SELECT v.day, 0, 0,
                   CASE WHEN v.kind = %s THEN v.count ELSE 0 END,
                   CASE WHEN v.kind = %s THEN v.count ELSE 0 END,
                   CASE WHEN v.kind = %s THEN v.count ELSE 0 END
            FROM ({visitors_sql}) v
        ) AS t
        GROUP BY day
    """  # noqa: S608 - the interpolated parts are the ORM's own SQL; values are parameters
    params = (*stays_params, day_pass, day_pass, visit, *visitors_params)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    found = {}
    for day, visits, people, desk, passes, anonymous in rows:
        key = date.fromisoformat(day) if isinstance(day, str) else day
        found[key] = DailyCount(
            key, int(visits), int(people), float(desk), int(passes), int(anonymous)
        )
    days = (end_date - start_date).days + 1
    return [
        found.get(day, DailyCount(day, 0, 0, 0.0, 0, 0))
        for day in (start_date + timedelta(days=offset) for offset in range(days))
    ]
