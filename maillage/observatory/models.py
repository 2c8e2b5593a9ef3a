"""The observatory's stored figures.

`PlaceValue`: one indicator of one place over one period (a month « 2026-03 », a quarter
« 2026-Q1 » or a year « 2026 »), with its numerator and, for a ratio, its denominator; the pages
and the API read these rows, never the source tables. `AggregateValue`: the same for a territory
or a network, with how many places contributed, the largest single place's contribution and
whether statistical secrecy hides it from the public. `StaleMonth`: a place-month whose figures
must be recomputed; `AuditCursor`: how far the audit log has been read for such marks.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from maillage.places.models import Place


class Grain(models.TextChoices):
    MONTH = "month", _("mois")
    QUARTER = "quarter", _("trimestre")
    YEAR = "year", _("année")


class PlaceValue(models.Model):
    place = models.ForeignKey(
        Place, on_delete=models.CASCADE, related_name="indicator_values", verbose_name=_("lieu")
    )
    indicator = models.CharField(_("indicateur"), max_length=60)
    grain = models.CharField(_("pas"), max_length=8, choices=Grain.choices)
    # « 2026-03 », « 2026-Q1 », « 2026 »: the key the API and pages ask for.
    period = models.CharField(_("période"), max_length=7)
    period_start = models.DateField(_("début de la période"))
    numerator = models.FloatField(_("numérateur"))
    denominator = models.FloatField(_("dénominateur"), null=True, blank=True)
    # numerator / denominator for a ratio (None when the denominator is 0), numerator otherwise.
    value = models.FloatField(_("valeur"), null=True, blank=True)
    computed_at = models.DateTimeField(_("calculée le"), auto_now=True)

    class Meta:
        verbose_name = _("valeur d'un lieu")
        verbose_name_plural = _("valeurs des lieux")
        ordering = ["place", "indicator", "period_start", "grain"]
        constraints = [
            models.UniqueConstraint(
                fields=["place", "indicator", "period"], name="place_value_one_per_period"
            ),
            models.CheckConstraint(
                condition=models.Q(grain__in=Grain.values), name="place_value_grain_valid"
            ),
        ]
        indexes = [models.Index(fields=["period", "indicator"], name="place_value_period")]

    def __str__(self) -> str:
        return f"{self.place_id} {self.indicator} {self.period}: {self.value}"


class AggregateValue(models.Model):
    class Level(models.TextChoices):
        FRANCE = "france", _("France")
        REGION = "region", _("Région")
        DEPARTEMENT = "departement", _("Département")
        EPCI = "epci", _("EPCI")
        COMMUNE = "commune", _("Commune")
        NETWORK = "network", _("Réseau")

    level = models.CharField(_("niveau"), max_length=12, choices=Level.choices)
    # The territory's INSEE (or SIREN) code, « FR » for France, the network's slug.
    code = models.CharField(_("code"), max_length=100)
    indicator = models.CharField(_("indicateur"), max_length=60)
    grain = models.CharField(_("pas"), max_length=8, choices=Grain.choices)
    period = models.CharField(_("période"), max_length=7)
    period_start = models.DateField(_("début de la période"))
    places = models.PositiveIntegerField(_("lieux"))
    numerator = models.FloatField(_("numérateur"))
    denominator = models.FloatField(_("dénominateur"), null=True, blank=True)
    value = models.FloatField(_("valeur"), null=True, blank=True)
    # The largest single place's share of `numerator` (for the dominance rule).
    largest = models.FloatField(_("plus grande contribution"), default=0)
    hidden = models.BooleanField(_("masquée par le secret statistique"), default=False)

    class Meta:
        verbose_name = _("valeur agrégée")
        verbose_name_plural = _("valeurs agrégées")
        ordering = ["level", "code", "indicator", "period_start", "grain"]
        constraints = [
            models.UniqueConstraint(
                fields=["level", "code", "indicator", "period"],
                name="aggregate_value_one_per_period",
            ),
            models.CheckConstraint(
                condition=models.Q(grain__in=Grain.values), name="aggregate_value_grain_valid"
            ),
        ]
        indexes = [models.Index(fields=["level", "code", "period"], name="aggregate_value_area")]

    def __str__(self) -> str:
        return f"{self.level}:{self.code} {self.indicator} {self.period}: {self.value}"

    @property
    def published(self) -> float | None:
        """What the public sees: the value, or None when secrecy hides it."""
        return None if self.hidden else self.value


class StaleMonth(models.Model):
    """A month of a place whose figures changed and wait for the next recomputation."""

    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="+")
    month = models.DateField(_("mois"))  # the first day of the month
    marked_at = models.DateTimeField(_("marqué le"), auto_now_add=True)

    class Meta:
        verbose_name = _("mois à recalculer")
        verbose_name_plural = _("mois à recalculer")
        constraints = [
            models.UniqueConstraint(fields=["place", "month"], name="stale_month_once"),
            models.CheckConstraint(condition=models.Q(month__day=1), name="stale_month_first_day"),
        ]

    def __str__(self) -> str:
        return f"{self.place_id} {self.month:%Y-%m}"


class AuditCursor(models.Model):
    """The position of the last audit entry read for stale marks (one row)."""

    position = models.PositiveBigIntegerField(default=0)
    read_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("lecture du journal d'audit")
        verbose_name_plural = _("lectures du journal d'audit")

    def __str__(self) -> str:
        return str(self.position)
