"""Events of a place or a network, and the registrations to them.

Every write goes through `events.services`. Seats are counted on the event itself (it is a
`common.capacity.SeatHolder`): a confirmed registration holds one seat, taken by the
conditional UPDATE of `take_seat` in the transaction that confirms it, so that 50 people
asking at once for the last 3 seats leave exactly 3 confirmed and the rest waiting.
Times are stored in UTC and shown on the clock of the event's place (`Event.timezone`).
"""

from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from maillage.bookings.models import Booking, Qualification, Resource
from maillage.common.capacity import SeatHolder
from maillage.common.models import TimeStampedModel
from maillage.common.timeranges import PARIS
from maillage.places.models import Network, Place


class Category(models.TextChoices):
    WORKSHOP = "workshop", _("atelier")
    TRAINING = "training", _("formation")
    TALK = "talk", _("conférence, causerie")
    REPAIR = "repair", _("repair café")
    DIGITAL_HELP = "digital_help", _("permanence numérique")
    OPEN_DAY = "open_day", _("portes ouvertes")
    MEETING = "meeting", _("réunion")
    OTHER = "other", _("autre")


class Visibility(models.TextChoices):
    PUBLIC = "public", _("ouvert à tous")
    MEMBERS = "members", _("réservé aux membres")


class LocationKind(models.TextChoices):
    PLACE = "place", _("au lieu")
    ROOM = "room", _("dans une salle du lieu")
    ADDRESS = "address", _("à une autre adresse")


class EventStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("prévu")
    CANCELLED = "cancelled", _("annulé")


class EventSeries(TimeStampedModel):
    """A weekly recurrence: the occurrences are events of their own (own seats, own
    registrations) that share this row, so they can be listed and cancelled together."""

    title = models.CharField(_("titre"), max_length=200)
    weeks = models.PositiveIntegerField(_("nombre de semaines"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("série d'événements")
        verbose_name_plural = _("séries d'événements")

    def __str__(self) -> str:
        return self.title


class Event(SeatHolder, TimeStampedModel):
    """An event of a place (or of a network, with `place` empty)."""

    TRANSITIONS = {
        EventStatus.SCHEDULED: frozenset({EventStatus.CANCELLED}),
        EventStatus.CANCELLED: frozenset(),
    }

    place = models.ForeignKey(
        Place,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("lieu"),
    )
    network = models.ForeignKey(
        Network,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("réseau"),
    )
    series = models.ForeignKey(
        EventSeries,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("série"),
    )
    title = models.CharField(_("titre"), max_length=200)
    description = models.TextField(_("description (Markdown)"), blank=True)
    category = models.CharField(_("catégorie"), max_length=20, choices=Category.choices)
    start = models.DateTimeField(_("début"))
    end = models.DateTimeField(_("fin"))
    location_kind = models.CharField(
        _("lieu de l'événement"),
        max_length=10,
        choices=LocationKind.choices,
        default=LocationKind.PLACE,
    )
    room = models.ForeignKey(
        Resource,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("salle"),
    )
    # The room's booking, made through bookings.services so that the room is never taken twice.
    room_booking = models.OneToOneField(
        Booking,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="event",
        verbose_name=_("réservation de la salle"),
    )
    address = models.CharField(_("adresse"), max_length=250, blank=True)
    registration_opens_at = models.DateTimeField(
        _("inscriptions à partir du"), null=True, blank=True
    )
    registration_closes_at = models.DateTimeField(_("inscriptions jusqu'au"), null=True, blank=True)
    visibility = models.CharField(
        _("ouvert à"), max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    price_cents = models.PositiveIntegerField(_("prix (centimes)"), default=0)
    accessibility = models.TextField(_("accessibilité"), blank=True)
    audience = models.CharField(_("public visé"), max_length=200, blank=True)
    # A training session: attendance marked present grants this qualification.
    qualification = models.ForeignKey(
        Qualification,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("habilitation délivrée"),
    )
    status = models.CharField(
        _("statut"), max_length=10, choices=EventStatus.choices, default=EventStatus.SCHEDULED
    )
    cancelled_at = models.DateTimeField(_("annulé le"), null=True, blank=True)
    cancellation_reason = models.CharField(_("motif d'annulation"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("créé par"),
    )
    # Copied from the place (or empty for a network event) so that the agenda's territory
    # filters need no join, as on places.
    departement_code = models.CharField(max_length=3, blank=True, db_index=True, editable=False)

    class Meta:
        verbose_name = _("événement")
        verbose_name_plural = _("événements")
        ordering = ["start", "pk"]
        constraints = [
            *SeatHolder.Meta.constraints,
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="event_ends_after_start"
            ),
            models.CheckConstraint(
                condition=(models.Q(place__isnull=False) & models.Q(network__isnull=True))
                | (models.Q(place__isnull=True) & models.Q(network__isnull=False)),
                name="event_belongs_to_place_or_network",
            ),
            models.CheckConstraint(
                condition=~models.Q(location_kind="room") | models.Q(room__isnull=False),
                name="event_room_named",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=EventStatus.values), name="event_status_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "start"], name="event_status_start"),
            models.Index(fields=["place", "start"], name="event_place_start"),
            models.Index(fields=["departement_code", "start"], name="event_departement_start"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def timezone(self) -> ZoneInfo:
        return self.place.timezone if self.place_id else PARIS

    @property
    def seats_left(self) -> int:
        return max(self.capacity - self.taken, 0)

    @property
    def is_free(self) -> bool:
        return self.price_cents == 0

    @property
    def is_cancelled(self) -> bool:
        return self.status == EventStatus.CANCELLED

    @property
    def organiser_name(self) -> str:
        return self.place.name if self.place_id else self.network.name


class RegistrationStatus(models.TextChoices):
    PENDING = "pending_confirmation", _("à confirmer")
    CONFIRMED = "confirmed", _("confirmée")
    WAITING = "waiting", _("en liste d'attente")
    CANCELLED = "cancelled", _("annulée")


class Attendance(models.TextChoices):
    PRESENT = "present", _("présent·e")
    ABSENT = "absent", _("absent·e")
    EXCUSED = "excused", _("excusé·e")


ACTIVE_STATUSES = (
    RegistrationStatus.PENDING,
    RegistrationStatus.CONFIRMED,
    RegistrationStatus.WAITING,
)


class Registration(TimeStampedModel):
    """One person's registration: a member (`user`) or a guest (`guest_email`).

    Lifecycle: pending_confirmation (a guest who has not clicked the link yet; holds no seat)
    → confirmed (holds a seat) or waiting (no seat left; promoted in order when one frees) →
    cancelled. The waiting list's order is the order of arrival on it (`waiting_since`, then
    `pk`): a guest who confirms late queues behind those already waiting.
    """

    TRANSITIONS = {
        RegistrationStatus.PENDING: frozenset(
            {RegistrationStatus.CONFIRMED, RegistrationStatus.WAITING, RegistrationStatus.CANCELLED}
        ),
        RegistrationStatus.WAITING: frozenset(
            {RegistrationStatus.CONFIRMED, RegistrationStatus.CANCELLED}
        ),
        RegistrationStatus.CONFIRMED: frozenset({RegistrationStatus.CANCELLED}),
        RegistrationStatus.CANCELLED: frozenset(),
    }

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="registrations", verbose_name=_("événement")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="event_registrations",
        verbose_name=_("membre"),
    )
    name = models.CharField(_("nom"), max_length=150, blank=True)
    email = models.EmailField(_("courriel"), blank=True)
    status = models.CharField(_("statut"), max_length=20, choices=RegistrationStatus.choices)
    attendance = models.CharField(
        _("présence"), max_length=10, choices=Attendance.choices, blank=True
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("inscrit·e par"),
    )
    confirmed_at = models.DateTimeField(_("confirmée le"), null=True, blank=True)
    # When it joined the waiting list: the list's order is (waiting_since, pk).
    waiting_since = models.DateTimeField(_("en attente depuis"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("annulée le"), null=True, blank=True)
    reminder_sent_at = models.DateTimeField(_("rappel envoyé le"), null=True, blank=True)

    # Not stored: the place in the waiting list, set by the services that computed it.
    position: int | None = None

    class Meta:
        verbose_name = _("inscription")
        verbose_name_plural = _("inscriptions")
        ordering = ["event", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "user"],
                condition=models.Q(user__isnull=False) & ~models.Q(status="cancelled"),
                name="registration_one_active_per_member",
            ),
            models.UniqueConstraint(
                "event",
                Lower("email"),
                condition=models.Q(user__isnull=True) & ~models.Q(status="cancelled"),
                name="registration_one_active_per_guest_email",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=RegistrationStatus.values),
                name="registration_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(attendance="") | models.Q(status="confirmed"),
                name="registration_attendance_only_confirmed",
            ),
        ]
        indexes = [
            models.Index(fields=["event", "status"], name="registration_event_status"),
            models.Index(
                fields=["event", "waiting_since", "id"],
                condition=models.Q(status="waiting"),
                name="registration_waiting_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} — {self.display_name}"

    @property
    def display_name(self) -> str:
        if self.user_id is not None and self.user is not None:
            return self.user.get_full_name() or self.user.get_username()
        return self.name or self.email or str(_("personne anonymisée"))

    @property
    def address(self) -> str:
        if self.user_id is not None and self.user is not None:
            return self.user.email
        return self.email


class EventFeed(models.Model):
    """The secret address of a person's own iCalendar feed (their registrations). Only the
    SHA-256 digest of the secret is stored, as for API tokens and the bookings' feeds."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="event_feeds",
        verbose_name=_("personne"),
    )
    prefix = models.CharField(_("préfixe"), max_length=12)
    digest = models.CharField(_("empreinte"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("révoqué le"), null=True, blank=True)

    class Meta:
        verbose_name = _("agenda de mes inscriptions")
        verbose_name_plural = _("agendas de mes inscriptions")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(revoked_at__isnull=True),
                name="event_feed_one_live_per_person",
            )
        ]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"
