"""Schemas of the bookings API: resources, availability, bookings, series, my qualifications."""

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from ninja import Field, Schema

from maillage.common.schemas import MAX_ID, ErrorOut, Instant, PageQuery
from maillage.members.models import ResourceKind

# An availability answer covers at most this many days (a month view and some margin).
MAX_AVAILABILITY_DAYS = 93
MAX_TEXT = 300


class ResourceListQuery(PageQuery):
    place: int | None = Field(
        None, ge=1, le=MAX_ID, description="Id d'un lieu : ses ressources seulement."
    )
    kind: ResourceKind | None = Field(None, description="Type de ressource.")
    bookable_by_me: bool = Field(
        False,
        description="`1` : seulement celles que l'appelant·e peut réserver (membre, formule, "
        "public). L'habilitation éventuelle reste à détenir : voir `requires_qualification`.",
    )


class QualificationRef(Schema):
    id: int
    name: str
    training: str = Field(description="La formation qui mène à l'habilitation.")


class ResourceOut(Schema):
    id: int
    uuid: UUID
    place_id: int
    name: str
    kind: str
    description: str
    capacity: int = Field(description="1 : une réservation à la fois ; N : N places.")
    opening_hours: str = Field(
        description="Horaires réservables propres (syntaxe OSM) ; vide : ceux du lieu."
    )
    bookable_hours: str = Field(description="Horaires réservables qui s'appliquent.")
    timezone: str = Field(description="Fuseau horaire du lieu (IANA).")
    min_duration_minutes: int
    max_duration_minutes: int
    slot_step_minutes: int
    max_advance_days: int
    cancellation_deadline_hours: int
    bookable_by: str = Field(description="`members`, `plans` ou `public`.")
    member_price_cents_per_hour: int
    public_price_cents_per_hour: int
    requires_qualification: bool
    required_qualification: QualificationRef | None
    is_active: bool


class ResourcePageOut(Schema):
    count: int = Field(description="Nombre total de ressources correspondant aux filtres.")
    items: list[ResourceOut]


class AvailabilityQuery(Schema):
    from_: Instant = Field(
        ..., alias="from", description="Début (ISO 8601 avec fuseau, ex. 2026-12-02T08:00+01:00)."
    )
    to: Instant = Field(
        ..., description=f"Fin (ISO 8601 avec fuseau), {MAX_AVAILABILITY_DAYS} jours au plus."
    )


class FreeIntervalOut(Schema):
    start: datetime
    end: datetime
    seats: int = Field(description="Places libres pendant tout l'intervalle.")


class AvailabilityOut(Schema):
    free: list[FreeIntervalOut]


class BookingIn(Schema):
    resource_id: int = Field(..., ge=1, le=MAX_ID)
    start: Instant = Field(description="ISO 8601 avec fuseau.")
    end: Instant = Field(description="ISO 8601 avec fuseau.")
    seats: int = Field(1, ge=1, le=10_000, description="Places réservées (open space).")
    user_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="Équipe du lieu : réserver pour cette personne."
    )
    override_reason: str = Field(
        "",
        max_length=MAX_TEXT,
        description="Équipe du lieu : motif de dérogation aux règles (enregistré).",
    )
    note: str = Field("", max_length=MAX_TEXT)


class BookingPatchIn(Schema):
    start: Instant
    end: Instant
    override_reason: str = Field("", max_length=MAX_TEXT)


class BookingCancelQuery(Schema):
    override_reason: str = Field(
        "", max_length=MAX_TEXT, description="Équipe du lieu : annuler passé le délai."
    )


class BookingListQuery(PageQuery):
    resource_id: int | None = Field(None, ge=1, le=MAX_ID)
    from_: Instant | None = Field(
        None, alias="from", description="Les réservations qui finissent après cet instant."
    )
    to: Instant | None = Field(None, description="Celles qui commencent avant cet instant.")
    status: str | None = Field(None, description="`confirmed` ou `cancelled`.")


class BookingOut(Schema):
    id: int
    resource_id: int
    place_id: int
    user_id: int | None
    start: datetime = Field(description="Dans le fuseau du lieu.")
    end: datetime
    seats: int
    status: str = Field(description="`confirmed` ou `cancelled`.")
    series_id: int | None
    override_reason: str
    note: str
    created_at: datetime
    cancelled_at: datetime | None


class BookingPageOut(Schema):
    count: int
    items: list[BookingOut]


class MyQualificationOut(Schema):
    id: int = Field(description="Id de l'attribution.")
    qualification_id: int
    name: str
    training: str
    place_id: int
    granted_on: date
    expires_at: date | None = Field(description="Dernier jour de validité ; null : sans fin.")
    resource_ids: list[int] = Field(description="Les ressources que l'habilitation ouvre.")


class MyQualificationsOut(Schema):
    items: list[MyQualificationOut]


class SeriesIn(Schema):
    resource_id: int = Field(..., ge=1, le=MAX_ID)
    start: Instant = Field(description="Début de la première séance (ISO 8601 avec fuseau).")
    end: Instant = Field(description="Fin de la première séance.")
    interval_weeks: int = Field(1, ge=1, le=52, description="Toutes les N semaines.")
    until: date | None = Field(
        None, description="Dernier jour possible d'une séance (inclus, calendrier du lieu)."
    )
    count: int | None = Field(None, ge=1, le=200, description="Ou : le nombre de séances.")
    mode: Literal["all_or_nothing", "free_only"] = Field(
        "all_or_nothing",
        description="`all_or_nothing` : rien si une séance est prise ; `free_only` : les "
        "séances libres seulement.",
    )
    user_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="Équipe du lieu : réserver pour cette personne."
    )
    override_reason: str = Field(
        "",
        max_length=MAX_TEXT,
        description="Équipe du lieu : motif de dérogation aux règles (enregistré).",
    )


class SeriesConflictOut(Schema):
    start: datetime = Field(description="Dans le fuseau du lieu.")
    end: datetime
    reason: str = Field(description="Pourquoi cette séance n'est pas réservée.")


class SeriesOut(Schema):
    id: int
    resource_id: int
    user_id: int | None
    interval_weeks: int
    until: date
    bookings: list[BookingOut] = Field(description="Les séances réservées, par date.")
    conflicts: list[SeriesConflictOut] = Field(
        description="Les séances non réservées (mode `free_only`), par date."
    )


class SeriesRefusedOut(ErrorOut):
    conflicts: list[SeriesConflictOut] = Field(description="Les séances qui ne sont pas libres.")


class SeriesCancelQuery(Schema):
    from_booking_id: int | None = Field(
        None,
        ge=1,
        le=MAX_ID,
        description="Annuler cette séance et les suivantes ; sans : toutes celles à venir.",
    )
    override_reason: str = Field(
        "", max_length=MAX_TEXT, description="Équipe du lieu : annuler passé le délai."
    )


class SeriesCancelOut(Schema):
    cancelled: list[BookingOut]
