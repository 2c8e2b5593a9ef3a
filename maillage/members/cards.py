"""The days a 10-day card ("carte de 10 jours") has used, counted from what the apps record.

A card plan (`PlanPeriod.TEN_DAYS`) is bought once, when the membership begins
(`services.bill_period`), and gives `CARD_DAYS` days at the place: each day of the place's
calendar on which the member has a confirmed booking there or was checked in there uses one
day of the card, however many bookings or visits that day holds. Those records belong to apps
above this one (`bookings`, `checkins`), so each registers, in its `AppConfig.ready()`, a
function giving the days it saw for a membership since the card began; none imports another
(the pattern of `members.dashboard`):

    from maillage.members.cards import register_card_days

    register_card_days("bookings", booking_days)
    # booking_days(membership, since: date, exclude_booking_id: int | None) -> set[date]

`card_days_used(membership)` is their union. The bookings rules refuse a booking that would
open an eleventh day (a day already used stays free to book again); a check-in is never
refused by the card (the person is at the door: the front desk decides), but it counts.
"""

from collections.abc import Callable
from datetime import date

from .models import Membership, PlanPeriod

CARD_DAYS = 10

# (membership, since, exclude_booking_id) -> the days used; sources other than bookings ignore
# the third argument.
DaysFunction = Callable[[Membership, date, int | None], set[date]]

_SOURCES: dict[str, DaysFunction] = {}


def register_card_days(name: str, days: DaysFunction) -> None:
    """Add (or replace) a source of days used; see the module's docstring."""
    _SOURCES[name] = days


def is_card(membership: Membership | None) -> bool:
    plan = membership.plan if membership is not None else None
    return plan is not None and plan.period == PlanPeriod.TEN_DAYS


def card_start(membership: Membership) -> date:
    """The first day the card counts: the membership's start, or the day it was made."""
    return membership.start_date or membership.created_at.date()


def card_days_used(membership: Membership, *, exclude_booking_id: int | None = None) -> set[date]:
    """The days of the place's calendar the card has used (see the module's docstring).

    `exclude_booking_id`: a booking being moved, whose current day must not count.
    """
    since = card_start(membership)
    days: set[date] = set()
    for _name, source in sorted(_SOURCES.items()):
        days |= source(membership, since, exclude_booking_id)
    return days


def card_days_left(membership: Membership) -> int | None:
    """Days left on a card plan, or None when the plan is not a card."""
    if not is_card(membership):
        return None
    return max(0, CARD_DAYS - len(card_days_used(membership)))
