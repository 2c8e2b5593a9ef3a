"""Bookable resources of a place, their bookings, and the qualifications some machines need.

Every write goes through `bookings.services`; the rule "never more bookings at once than the
resource's capacity" is kept by the database (see `common.capacity` and the services).
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from maillage.common.capacity import SeatHolder, no_overlap_constraint
from maillage.common.models import TimeStampedModel
from maillage.members.models import Plan, ResourceKind
from maillage.places.models import Place


class Qualification(TimeStampedModel):
    """What a person must have learnt to use some machines ("laser cutter"), per place."""

    place = models.ForeignKey(
        Place, on_delete=models.CASCADE, related_name="qualifications", verbose_name=_("lieu")
    )
    name = models.CharField(_("nom"), max_length=120)
    # The training that leads to it, as people know it ("Initiation découpe laser, 2 h").
    training = models.CharField(_("formation requise"), max_length=200, blank=True)
    # None: the qualification does not expire; otherwise a grant lasts this many days.
    validity_days = models.PositiveIntegerField(_("validité (jours)"), null=True, blank=True)

    class Meta:
        verbose_name = _("habilitation")
        verbose_name_plural = _("habilitations")
        ordering = ["place", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["place", "name"], name="qualification_name_unique_per_place"
            )
        ]

    def __str__(self) -> str:
        return self.name


class QualificationGrant(TimeStampedModel):
    """A person holds a qualification, from a date, until an optional expiry.

    Granted by staff directly or by marking attendance at a training session (`source`
    says which; the events app will reference its session in `source_ref`). Revoked grants
    keep their row (`revoked_at`) so that the history of who could use what stays.
    """

    class Source(models.TextChoices):
        DIRECT = "direct", _("attribuée par l'équipe")
        TRAINING = "training", _("présence à une formation")

    qualification = models.ForeignKey(
        Qualification,
        on_delete=models.CASCADE,
        related_name="grants",
        verbose_name=_("habilitation"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="qualification_grants",
        verbose_name=_("personne"),
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("attribuée par"),
    )
    source = models.CharField(_("origine"), max_length=10, choices=Source.choices)
    source_ref = models.CharField(_("référence de l'origine"), max_length=100, blank=True)
    granted_on = models.DateField(_("attribuée le"))
    expires_on = models.DateField(_("expire le"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("retirée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("habilitation attribuée")
        verbose_name_plural = _("habilitations attribuées")
        ordering = ["qualification", "-granted_on"]
        indexes = [models.Index(fields=["user", "qualification"], name="grant_user_qualification")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_on__isnull=True)
                | models.Q(expires_on__gte=models.F("granted_on")),
                name="grant_expires_after_granted",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.qualification} — {self.user}"


class BookableBy(models.TextChoices):
    MEMBERS = "members", _("les membres")
    PLANS = "plans", _("les membres de certaines formules")
    PUBLIC = "public", _("tout le monde")


class Resource(TimeStampedModel):
    """Something of a place that people book: a desk, a room, a machine.

    `capacity` 1 holds one booking at a time (a room, a machine); N is an open space of N
    seats. `opening_hours` (OpenStreetMap syntax) empty means the place's own hours. Durations
    and steps are in minutes; prices in integer cents per hour.
    """

    place = models.ForeignKey(
        Place, on_delete=models.CASCADE, related_name="resources", verbose_name=_("lieu")
    )
    uuid = models.UUIDField(
        _("identifiant stable"), default=uuid.uuid4, unique=True, editable=False
    )
    name = models.CharField(_("nom"), max_length=120)
    kind = models.CharField(_("type"), max_length=20, choices=ResourceKind.choices)
    description = models.TextField(_("description"), blank=True)
    capacity = models.PositiveIntegerField(_("capacité"), default=1)
    opening_hours = models.CharField(_("horaires réservables"), max_length=500, blank=True)
    min_duration_minutes = models.PositiveIntegerField(_("durée minimale (min)"), default=30)
    max_duration_minutes = models.PositiveIntegerField(_("durée maximale (min)"), default=480)
    slot_step_minutes = models.PositiveIntegerField(_("pas des créneaux (min)"), default=30)
    max_advance_days = models.PositiveIntegerField(_("réservable jusqu'à (jours)"), default=60)
    cancellation_deadline_hours = models.PositiveIntegerField(
        _("annulation jusqu'à (heures avant)"), default=2
    )
    bookable_by = models.CharField(
        _("réservable par"), max_length=10, choices=BookableBy.choices, default=BookableBy.MEMBERS
    )
    allowed_plans = models.ManyToManyField(
        Plan, blank=True, related_name="resources", verbose_name=_("formules autorisées")
    )
    member_price_cents_per_hour = models.PositiveIntegerField(
        _("prix membre (centimes/heure)"), default=0
    )
    public_price_cents_per_hour = models.PositiveIntegerField(
        _("prix non-membre (centimes/heure)"), default=0
    )
    required_qualification = models.ForeignKey(
        Qualification,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="resources",
        verbose_name=_("habilitation requise"),
    )
    is_active = models.BooleanField(_("réservable"), default=True)

    class Meta:
        verbose_name = _("ressource")
        verbose_name_plural = _("ressources")
        ordering = ["place", "name"]
        indexes = [models.Index(fields=["place", "kind"], name="resource_place_kind")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=ResourceKind.values), name="resource_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(bookable_by__in=BookableBy.values),
                name="resource_bookable_by_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(capacity__gte=1), name="resource_capacity_min"
            ),
            models.CheckConstraint(
                condition=models.Q(min_duration_minutes__gte=1)
                & models.Q(max_duration_minutes__gte=models.F("min_duration_minutes"))
                & models.Q(slot_step_minutes__gte=1),
                name="resource_durations_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} — {self.place}"

    @property
    def requires_qualification(self) -> bool:
        return self.required_qualification_id is not None


class BookingStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("confirmée")
    CANCELLED = "cancelled", _("annulée")


class BookingSeries(TimeStampedModel):
    """A recurring booking: the rule it was made from, so that it can be shown and cancelled
    as one. Its occurrences are ordinary bookings pointing here."""

    resource = models.ForeignKey(
        Resource, on_delete=models.CASCADE, related_name="series", verbose_name=_("ressource")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="booking_series",
        verbose_name=_("pour"),
    )
    # Every `interval_weeks` weeks, from the first occurrence until `until` (inclusive).
    interval_weeks = models.PositiveSmallIntegerField(_("toutes les (semaines)"), default=1)
    until = models.DateField(_("jusqu'au"))

    class Meta:
        verbose_name = _("réservation récurrente")
        verbose_name_plural = _("réservations récurrentes")

    def __str__(self) -> str:
        return f"{self.resource} / {self.interval_weeks} sem. → {self.until}"


class Booking(TimeStampedModel):
    """A resource held by someone during `[start, end)` (half-open, stored in UTC, shown in the
    place's timezone). Cancelled bookings keep their row for history and figures.

    `user` is emptied when the person erases their account: the booking stays as an anonymous
    count of hours used.
    """

    Status = BookingStatus
    TRANSITIONS: dict[str, frozenset[str]] = {
        Status.CONFIRMED: frozenset({Status.CANCELLED}),
        Status.CANCELLED: frozenset(),
    }

    resource = models.ForeignKey(
        Resource, on_delete=models.CASCADE, related_name="bookings", verbose_name=_("ressource")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="bookings",
        verbose_name=_("pour"),
    )
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("réservée par"),
    )
    start = models.DateTimeField(_("début"))
    end = models.DateTimeField(_("fin"))
    seats = models.PositiveIntegerField(_("places"), default=1)
    status = models.CharField(
        _("statut"), max_length=10, choices=BookingStatus.choices, default=BookingStatus.CONFIRMED
    )
    series = models.ForeignKey(
        BookingSeries,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="bookings",
        verbose_name=_("série"),
    )
    # Staff booking outside the rules say why (recorded here and in the audit log).
    override_reason = models.CharField(_("motif de dérogation"), max_length=300, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    cancelled_at = models.DateTimeField(_("annulée le"), null=True, blank=True)
    # Set when the reminder of the day before is queued: it is sent once per booking, however
    # often `send_booking_reminders` runs (see bookings.reminders).
    reminder_sent_at = models.DateTimeField(_("rappel envoyé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("réservation")
        verbose_name_plural = _("réservations")
        ordering = ["start", "pk"]
        indexes = [
            models.Index(fields=["resource", "start"], name="booking_resource_start"),
            models.Index(fields=["user", "start"], name="booking_user_start"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="booking_ends_after_start"
            ),
            models.CheckConstraint(condition=models.Q(seats__gte=1), name="booking_seats_min"),
            models.CheckConstraint(
                condition=models.Q(status__in=BookingStatus.values), name="booking_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resource} {self.start:%Y-%m-%d %H:%M}–{self.end:%H:%M}"

    @property
    def is_confirmed(self) -> bool:
        return self.status == BookingStatus.CONFIRMED


class BookingSlot(models.Model):
    """The time a confirmed booking holds a single-capacity resource (a room, a machine).

    One row per confirmed booking of a resource of capacity 1; deleted when the booking is
    cancelled or moved, so cancelled bookings never block. On PostgreSQL the exclusion
    constraint refuses two overlapping rows of one resource, also between transactions in
    flight; on SQLite `common.capacity.hold_slot` checks inside the IMMEDIATE transaction.
    """

    booking = models.OneToOneField(
        Booking, on_delete=models.CASCADE, related_name="slot", verbose_name=_("réservation")
    )
    resource = models.ForeignKey(
        Resource, on_delete=models.CASCADE, related_name="slots", verbose_name=_("ressource")
    )
    start = models.DateTimeField(_("début"))
    end = models.DateTimeField(_("fin"))

    class Meta:
        verbose_name = _("créneau tenu")
        verbose_name_plural = _("créneaux tenus")
        indexes = [models.Index(fields=["resource", "start"], name="slot_resource_start")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="booking_slot_ends_after_start"
            ),
            no_overlap_constraint(name="booking_slot_no_overlap", resource="resource"),
        ]

    def __str__(self) -> str:
        return f"{self.resource_id}: {self.start.isoformat()} – {self.end.isoformat()}"


class SeatStep(SeatHolder):
    """The seats of an N-seat resource (an open space) during one step of the seat grid.

    Created on demand, one row per resource and `SEAT_GRID` step that some booking touched;
    `taken` counts the seats of the confirmed bookings over that step, moved only by the
    conditional UPDATE of `common.capacity`'s counted-seat pattern (see `bookings.services`).
    """

    resource = models.ForeignKey(
        Resource, on_delete=models.CASCADE, related_name="seat_steps", verbose_name=_("ressource")
    )
    start = models.DateTimeField(_("début du pas"))

    class Meta(SeatHolder.Meta):
        verbose_name = _("places d'un pas")
        verbose_name_plural = _("places des pas")
        constraints = [
            *SeatHolder.Meta.constraints,
            models.UniqueConstraint(fields=["resource", "start"], name="seat_step_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.resource_id} @ {self.start.isoformat()}: {self.taken}/{self.capacity}"


class CalendarFeed(models.Model):
    """A secret address of an iCalendar feed: a person's own bookings (`place` empty), or every
    booking of a place for one of its staff (`place` set).

    Only the SHA-256 digest of the secret is stored, as for API tokens: the address is shown
    once, when it is made; making a new one revokes the old one (`revoked_at`), so a person who
    shared it by mistake cuts it off. One feed of each kind is live per person.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="calendar_feeds",
        verbose_name=_("personne"),
    )
    place = models.ForeignKey(
        Place,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="calendar_feeds",
        verbose_name=_("lieu (agenda de l'équipe)"),
    )
    prefix = models.CharField(_("préfixe"), max_length=12)
    digest = models.CharField(_("empreinte"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("révoqué le"), null=True, blank=True)

    class Meta:
        verbose_name = _("agenda iCalendar")
        verbose_name_plural = _("agendas iCalendar")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # Two conditional constraints rather than one with nulls_distinct=False, which
            # SQLite does not support.
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(place__isnull=True, revoked_at__isnull=True),
                name="calendar_feed_one_live_per_person",
            ),
            models.UniqueConstraint(
                fields=["user", "place"],
                condition=models.Q(place__isnull=False, revoked_at__isnull=True),
                name="calendar_feed_one_live_per_staff_place",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.place or '-'} ({self.prefix}…)"
