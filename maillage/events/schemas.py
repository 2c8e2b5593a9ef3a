"""Schemas of the events API (issue 9's contract: `GET/POST /events`, registrations)."""

import re
from datetime import date, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from django.conf import settings
from ninja import Field, Schema
from pydantic import BeforeValidator

from maillage.common.schemas import MAX_ID, Instant, PageQuery

from .models import Category, LocationKind, Visibility

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _day_boundary(days_after: int) -> BeforeValidator:
    """A bare day (`2026-12-04`) read as midnight in the instance's time zone, `days_after`
    days later: `from=2026-12-04&to=2026-12-04` is what happens on the 4th (a person's way
    of asking, where an instant with its offset is a program's)."""

    def convert(value):
        if isinstance(value, str) and _DAY.fullmatch(value):
            day = date.fromisoformat(value) + timedelta(days=days_after)
            return datetime.combine(day, time(), tzinfo=ZoneInfo(settings.TIME_ZONE))
        return value

    return BeforeValidator(convert)


class EventListQuery(PageQuery):
    place: int | None = Field(None, ge=1, le=MAX_ID, description="Id d'un lieu.")
    territory: str | None = Field(
        None,
        max_length=30,
        description="Un territoire : `departement:64`, `region:75`, `64445` (commune)…",
    )
    from_: Annotated[Instant, _day_boundary(0)] | None = Field(
        None,
        alias="from",
        description=(
            "Les événements qui finissent après cet instant (ISO 8601 avec fuseau), "
            "ou ce jour (`2026-12-04` : dès minuit, heure de l'instance)."
        ),
    )
    to: Annotated[Instant, _day_boundary(1)] | None = Field(
        None,
        description=(
            "Ceux qui commencent avant cet instant, ou avant la fin de ce jour (`2026-12-04`)."
        ),
    )
    category: Category | None = Field(None, description="Une catégorie.")
    has_seats: bool = Field(False, description="`1` : seulement ceux qui ont des places libres.")


class EventOut(Schema):
    id: int
    place_id: int | None
    network_id: int | None
    title: str
    description: str = Field(description="Markdown.")
    category: str
    start: datetime = Field(description="Dans le fuseau du lieu.")
    end: datetime
    timezone: str
    capacity: int
    seats_left: int
    location_kind: str
    room_id: int | None
    address: str
    visibility: str
    price_cents: int
    accessibility: str
    audience: str
    registration_opens_at: datetime | None
    registration_closes_at: datetime | None
    status: str = Field(description="`scheduled` ou `cancelled`.")
    url: str


class EventPageOut(Schema):
    count: int
    items: list[EventOut]


class EventIn(Schema):
    place_id: int | None = Field(None, ge=1, le=MAX_ID)
    network_id: int | None = Field(None, ge=1, le=MAX_ID, description="Événement d'un réseau.")
    title: str = Field(max_length=200)
    start: Instant
    end: Instant
    capacity: int = Field(ge=1, le=100_000)
    description: str = Field("", max_length=20_000)
    category: Category = Category.OTHER
    location_kind: LocationKind = LocationKind.PLACE
    room_id: int | None = Field(None, ge=1, le=MAX_ID)
    address: str = Field("", max_length=250)
    visibility: Visibility = Visibility.PUBLIC
    price_cents: int = Field(0, ge=0, le=10_000_000)
    accessibility: str = Field("", max_length=2000)
    audience: str = Field("", max_length=200)
    registration_opens_at: Instant | None = None
    registration_closes_at: Instant | None = None
    weeks: int = Field(1, ge=1, le=52, description="Répéter chaque semaine : nombre de séances.")


class EventPatchIn(Schema):
    title: str | None = Field(None, max_length=200)
    start: Instant | None = None
    end: Instant | None = None
    capacity: int | None = Field(None, ge=1, le=100_000)
    description: str | None = Field(None, max_length=20_000)
    category: Category | None = None
    address: str | None = Field(None, max_length=250)
    visibility: Visibility | None = None
    price_cents: int | None = Field(None, ge=0, le=10_000_000)
    accessibility: str | None = Field(None, max_length=2000)
    audience: str | None = Field(None, max_length=200)
    registration_opens_at: Instant | None = None
    registration_closes_at: Instant | None = None


class EventCancelQuery(Schema):
    reason: str = Field("", max_length=300)


class RegistrationIn(Schema):
    """Empty: the caller registers themself. Staff: someone else, confirmed at once."""

    name: str | None = Field(None, max_length=150)
    email: str | None = Field(None, max_length=254)


class RegistrationOut(Schema):
    id: int
    status: str = Field(description="`confirmed`, `waiting`, `pending_confirmation`, `cancelled`.")
    position: int | None = Field(description="Place dans la liste d'attente, sinon null.")


class RegistrationDetailOut(RegistrationOut):
    event_id: int
    user_id: int | None
    name: str
    email: str
    attendance: str
    created_at: datetime


class RegistrationPageOut(Schema):
    count: int
    items: list[RegistrationDetailOut]
