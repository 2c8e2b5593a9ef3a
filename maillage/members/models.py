"""The people who use a place (its members), the plans they hold, and their lifecycle.

Members are not operators: who runs a place is `places.PlaceRole`. A person may be a member of
several places, with one open membership (requested, invited, active or suspended) per place.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from maillage.common.models import TimeStampedModel
from maillage.places.models import Place


class ResourceKind(models.TextChoices):
    """What a bookable resource is. Declared here because plans (this app) say which kinds they
    include and resources (the bookings app, a layer above) are of one kind.
    """

    DESK = "desk", _("poste de travail")
    OFFICE = "office", _("bureau")
    MEETING_ROOM = "meeting_room", _("salle de réunion")
    MACHINE = "machine", _("machine")
    EQUIPMENT = "equipment", _("équipement")
    OTHER = "other", _("autre")


class PlanPeriod(models.TextChoices):
    """What one payment of a plan covers."""

    DAY = "day", _("journée")
    TEN_DAYS = "ten_days", _("carte de 10 jours")
    MONTH = "month", _("mois")
    YEAR = "year", _("année")


class Plan(TimeStampedModel):
    """A place's membership formula ("formule"): its price for a period and what it includes."""

    place = models.ForeignKey(
        Place, on_delete=models.CASCADE, related_name="plans", verbose_name=_("lieu")
    )
    name = models.CharField(_("nom"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    # Integer cents: amounts are added up for statements, never rounded floats.
    price_cents = models.PositiveIntegerField(_("prix (centimes)"))
    period = models.CharField(_("période"), max_length=10, choices=PlanPeriod.choices)
    # None: no limit on the hours a member may book per period.
    booking_hours_per_period = models.PositiveIntegerField(
        _("heures de réservation par période"), null=True, blank=True
    )
    # Resource kinds (ResourceKind codes) members holding this plan may book; empty: every kind.
    resource_kinds = models.JSONField(_("types de ressources inclus"), default=list, blank=True)
    is_active = models.BooleanField(_("proposée"), default=True)

    class Meta:
        verbose_name = _("formule")
        verbose_name_plural = _("formules")
        ordering = ["place", "price_cents", "name"]
        constraints = [
            models.UniqueConstraint(fields=["place", "name"], name="plan_name_unique_per_place"),
            models.CheckConstraint(
                condition=models.Q(period__in=PlanPeriod.values), name="plan_period_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} — {self.place}"

    def includes_kind(self, kind: str) -> bool:
        return not self.resource_kinds or kind in self.resource_kinds


class MembershipStatus(models.TextChoices):
    REQUESTED = "requested", _("demandée")
    INVITED = "invited", _("invitation envoyée")
    ACTIVE = "active", _("active")
    SUSPENDED = "suspended", _("suspendue")
    ENDED = "ended", _("terminée")
    REFUSED = "refused", _("refusée")
    DECLINED = "declined", _("invitation déclinée")


# The statuses in which a person and a place are linked: at most one such membership each.
OPEN_STATUSES = (
    MembershipStatus.REQUESTED,
    MembershipStatus.INVITED,
    MembershipStatus.ACTIVE,
    MembershipStatus.SUSPENDED,
)


class Membership(TimeStampedModel):
    """A person's membership of a place.

    Lifecycle (`TRANSITIONS`, moved only by `members.services`):
    requested → active (staff accept) | refused (staff refuse);
    invited → active (the person accepts) | declined (the person declines);
    active ⇄ suspended (staff); active | suspended → ended (staff, or the person leaving).
    Refused, declined and ended memberships are history: a new request starts a new one.

    `user` is emptied when the person erases their account: the membership stays as an
    anonymous line for the place's figures.
    """

    Status = MembershipStatus
    TRANSITIONS: dict[str, frozenset[str]] = {
        Status.REQUESTED: frozenset({Status.ACTIVE, Status.REFUSED}),
        Status.INVITED: frozenset({Status.ACTIVE, Status.DECLINED}),
        Status.ACTIVE: frozenset({Status.SUSPENDED, Status.ENDED}),
        Status.SUSPENDED: frozenset({Status.ACTIVE, Status.ENDED}),
        Status.ENDED: frozenset(),
        Status.REFUSED: frozenset(),
        Status.DECLINED: frozenset(),
    }

    place = models.ForeignKey(
        Place, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("lieu")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("membre"),
    )
    status = models.CharField(_("statut"), max_length=10, choices=MembershipStatus.choices)
    plan = models.ForeignKey(
        Plan,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("formule"),
    )
    start_date = models.DateField(_("début"), null=True, blank=True)
    end_date = models.DateField(_("fin"), null=True, blank=True)
    # What the person wrote when asking to join, or staff when inviting.
    message = models.TextField(_("message"), blank=True)
    decided_at = models.DateTimeField(_("décidée le"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("décidée par"),
    )
    # What the member agreed to show to the place's other members (the directory); nothing
    # by default. Set by the member only (services.update_directory_consent).
    in_directory = models.BooleanField(_("apparaître dans l'annuaire des membres"), default=False)
    show_email = models.BooleanField(_("montrer mon adresse e-mail aux membres"), default=False)
    presentation = models.TextField(_("présentation, compétences"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("adhésion")
        verbose_name_plural = _("adhésions")
        ordering = ["place", "-created_at"]
        indexes = [models.Index(fields=["place", "status"], name="membership_place_status")]
        constraints = [
            models.UniqueConstraint(
                fields=["place", "user"],
                condition=models.Q(status__in=OPEN_STATUSES),
                name="membership_one_open_per_person",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=MembershipStatus.values),
                name="membership_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(start_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="membership_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user or _('membre effacé·e')} — {self.place} ({self.get_status_display()})"

    @property
    def is_active(self) -> bool:
        return self.status == MembershipStatus.ACTIVE


class Charge(TimeStampedModel):
    """What a member owes for one period of their plan (no payment here: the place's accounting
    exports the statement). The plan's name and price are copied when the charge is made, so a
    later change of the plan never rewrites what was owed. One charge per membership and period
    (`members.services.bill_period` may run again and changes nothing).
    """

    place = models.ForeignKey(
        Place, on_delete=models.CASCADE, related_name="charges", verbose_name=_("lieu")
    )
    membership = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="charges", verbose_name=_("adhésion")
    )
    plan = models.ForeignKey(
        Plan, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("formule")
    )
    period_start = models.DateField(_("début de période"))
    period_end = models.DateField(_("fin de période"))
    plan_name = models.CharField(_("formule (au moment de la facturation)"), max_length=120)
    amount_cents = models.PositiveIntegerField(_("montant (centimes)"))
    label = models.CharField(_("libellé"), max_length=200)
    reference = models.CharField(_("référence"), max_length=40, unique=True)

    class Meta:
        verbose_name = _("somme due")
        verbose_name_plural = _("sommes dues")
        ordering = ["place", "period_start", "pk"]
        indexes = [models.Index(fields=["place", "period_start"], name="charge_place_period")]
        constraints = [
            models.UniqueConstraint(
                fields=["membership", "period_start"], name="charge_one_per_membership_period"
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="charge_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.label
