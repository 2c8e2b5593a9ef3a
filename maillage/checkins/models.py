"""Who is at a place: check-ins of people with an account, and counts of visitors without one.

A `CheckIn` is one stay of one person at one place, from `checked_in_at` until
`checked_out_at` (empty while the person is there). The database keeps a person at one place
at a time: at most one open check-in per user (`checkin_one_open_per_person`, a partial unique
index). When the person erases their account, `user` is emptied and the row stays as an
anonymous stay for the place's figures.

Visitors without an account (day passes, anonymous visits) are counted per place, day and kind
(`VisitorCount`), never named.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from maillage.common.models import TimeStampedModel
from maillage.places.models import Place


class CheckInSource(models.TextChoices):
    """How a check-in was recorded."""

    QR = "qr", _("code QR scanné")
    DESK = "desk", _("tablette d'accueil")
    STAFF = "staff", _("enregistrée par l'équipe")
    API = "api", _("API")


class CheckIn(TimeStampedModel):
    place = models.ForeignKey(
        Place, on_delete=models.CASCADE, related_name="checkins", verbose_name=_("lieu")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="checkins",
        verbose_name=_("personne"),
    )
    checked_in_at = models.DateTimeField(_("arrivée"))
    checked_out_at = models.DateTimeField(_("départ"), null=True, blank=True)
    source = models.CharField(_("enregistrement"), max_length=8, choices=CheckInSource.choices)
    # True when the daily task closed a forgotten check-out (at closing time or end of day).
    closed_automatically = models.BooleanField(_("départ clos automatiquement"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("enregistrée par"),
    )

    class Meta:
        verbose_name = _("présence")
        verbose_name_plural = _("présences")
        ordering = ["-checked_in_at", "-pk"]
        indexes = [
            # The daily counts read one place over a range of arrivals.
            models.Index(fields=["place", "checked_in_at"], name="checkin_place_arrival"),
            models.Index(
                fields=["place"],
                condition=models.Q(checked_out_at__isnull=True),
                name="checkin_open_per_place",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(checked_out_at__isnull=True, user__isnull=False),
                name="checkin_one_open_per_person",
            ),
            models.CheckConstraint(
                condition=models.Q(checked_out_at__isnull=True)
                | models.Q(checked_out_at__gte=models.F("checked_in_at")),
                name="checkin_leaves_after_arrival",
            ),
            models.CheckConstraint(
                condition=models.Q(source__in=CheckInSource.values), name="checkin_source_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user or _('personne effacée')} — {self.place} ({self.checked_in_at})"

    @property
    def is_open(self) -> bool:
        return self.checked_out_at is None


class VisitorKind(models.TextChoices):
    """Visitors counted without an account."""

    DAY_PASS = "day_pass", _("pass journée")
    VISIT = "visit", _("visite")


class VisitorCount(TimeStampedModel):
    """How many visitors of one kind came to a place on one day (the place's own calendar)."""

    place = models.ForeignKey(
        Place, on_delete=models.CASCADE, related_name="visitor_counts", verbose_name=_("lieu")
    )
    day = models.DateField(_("jour"))
    kind = models.CharField(_("type"), max_length=10, choices=VisitorKind.choices)
    count = models.PositiveIntegerField(_("nombre"), default=0)

    class Meta:
        verbose_name = _("visiteurs comptés")
        verbose_name_plural = _("visiteurs comptés")
        ordering = ["place", "-day", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["place", "day", "kind"], name="visitor_count_one_per_day_and_kind"
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=VisitorKind.values), name="visitor_count_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.place} {self.day} {self.kind}: {self.count}"


class PresencePreference(models.Model):
    """A person's consent to appear in « qui est là » for the other members of a place."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="presence_preference",
        verbose_name=_("personne"),
    )
    visible_to_members = models.BooleanField(
        _("visible des autres membres"),
        default=False,
        help_text=_("Les autres membres du lieu voient que vous êtes là, et depuis quand."),
    )
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("préférence de présence")
        verbose_name_plural = _("préférences de présence")

    def __str__(self) -> str:
        return f"{self.user}: {self.visible_to_members}"
