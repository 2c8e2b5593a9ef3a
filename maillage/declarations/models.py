"""A place's yearly declaration: what no day-to-day data can give (issue 11 §1).

Every figure may stay blank (« je ne sais pas »): a blank is not a zero, and the observatory
counts only the places that answered. The ranges of `validation.py` are also database checks,
so that no writer (admin, import, shell) can store an impossible figure.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from maillage.common.models import TimeStampedModel
from maillage.places.models import Place

from .validation import RANGES


class PremisesStatus(models.TextChoices):
    OWNED = "owned", _("propriétaire")
    RENTED = "rented", _("locataire")
    PROVIDED_FREE = "provided_free", _("mis à disposition gratuitement")
    OTHER = "other", _("autre")


def _in_range(field: str) -> Q:
    low, high = RANGES[field]
    return Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__gte": low, f"{field}__lte": high})


class Declaration(TimeStampedModel):
    """What `place` declared for `year` (one per place and year, replaced in place when its
    managers correct it)."""

    place = models.ForeignKey(
        Place, on_delete=models.CASCADE, related_name="declarations", verbose_name=_("lieu")
    )
    year = models.PositiveSmallIntegerField(_("année"))
    # Whole euros: the census asks the yearly revenue in euros, and a declared figure is never
    # added to amounts due (those are in cents, members.Charge).
    revenue_eur = models.PositiveBigIntegerField(_("chiffre d'affaires (€)"), null=True, blank=True)
    public_funding_pct = models.PositiveSmallIntegerField(
        _("part des financements publics (%)"), null=True, blank=True
    )
    staff_fte = models.DecimalField(
        _("salarié·es (ETP)"), max_digits=6, decimal_places=1, null=True, blank=True
    )
    volunteers = models.PositiveIntegerField(_("bénévoles"), null=True, blank=True)
    premises_status = models.CharField(
        _("statut du local"), max_length=14, choices=PremisesStatus.choices, blank=True
    )
    surface_m2 = models.PositiveIntegerField(_("surface (m²)"), null=True, blank=True)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("déclaré par"),
    )

    class Meta:
        verbose_name = _("déclaration annuelle")
        verbose_name_plural = _("déclarations annuelles")
        ordering = ["place", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["place", "year"], name="declaration_one_per_year"),
            models.CheckConstraint(condition=_in_range("year"), name="declaration_year_range"),
            models.CheckConstraint(
                condition=_in_range("revenue_eur"), name="declaration_revenue_range"
            ),
            models.CheckConstraint(
                condition=_in_range("public_funding_pct"), name="declaration_public_share_range"
            ),
            models.CheckConstraint(
                condition=_in_range("staff_fte"), name="declaration_staff_fte_range"
            ),
            models.CheckConstraint(
                condition=_in_range("volunteers"), name="declaration_volunteers_range"
            ),
            models.CheckConstraint(
                condition=_in_range("surface_m2"), name="declaration_surface_range"
            ),
            models.CheckConstraint(
                condition=Q(premises_status__in=["", *PremisesStatus.values]),
                name="declaration_premises_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.place} — {self.year}"
