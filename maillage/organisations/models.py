"""The small enterprises and other organisations a place hosts, their people, their declared
headcount over time, and how members commute.

These series are what the observatory will turn into jobs hosted, jobs created, survival and
kilometres avoided (docs/glossary.md, « Emplois et trajets »): they are stored as declared,
never as computed figures.
"""

import re

from django.conf import settings
from django.contrib.postgres.fields import DateRangeField, RangeBoundary, RangeOperators
from django.db import models
from django.utils.translation import gettext_lazy as _

from maillage.common.capacity import PostgresExclusionConstraint
from maillage.common.models import TimeStampedModel
from maillage.places.models import Place
from maillage.territories.models import Territory

# NAF rév. 2 sub-class (INSEE, nomenclature d'activités française): « 62.01Z ».
NAF_CODE = re.compile(r"\d{2}\.\d{2}[A-Z]")


class LegalForm(models.TextChoices):
    """A coarse grouping of the INSEE « catégories juridiques »."""

    SOLE_TRADER = "sole_trader", _("entreprise individuelle, micro-entreprise")
    SARL = "sarl", _("SARL, EURL")
    SAS = "sas", _("SAS, SASU")
    SA = "sa", _("SA")
    SCOP = "scop", _("SCOP")
    SCIC = "scic", _("SCIC")
    ASSOCIATION = "association", _("association")
    OTHER = "other", _("autre")


class SizeBand(models.TextChoices):
    """INSEE's « tranches d'effectif salarié » (Sirene, variable trancheEffectifsEtablissement)."""

    NN = "NN", _("non employeuse")
    B00 = "00", _("0 salarié")
    B01 = "01", _("1 ou 2 salariés")
    B02 = "02", _("3 à 5 salariés")
    B03 = "03", _("6 à 9 salariés")
    B11 = "11", _("10 à 19 salariés")
    B12 = "12", _("20 à 49 salariés")
    B21 = "21", _("50 à 99 salariés")
    B22 = "22", _("100 à 199 salariés")
    B31 = "31", _("200 à 249 salariés")
    B32 = "32", _("250 à 499 salariés")
    B41 = "41", _("500 à 999 salariés")
    B42 = "42", _("1 000 à 1 999 salariés")
    B51 = "51", _("2 000 à 4 999 salariés")
    B52 = "52", _("5 000 à 9 999 salariés")
    B53 = "53", _("10 000 salariés et plus")


class Organisation(TimeStampedModel):
    name = models.CharField(_("nom"), max_length=200)
    # Either may be empty (a project not yet registered); the SIREN is the SIRET's first nine
    # digits when a SIRET is given (services derive it).
    siret = models.CharField(_("SIRET"), max_length=14, blank=True)
    siren = models.CharField(_("SIREN"), max_length=9, blank=True)
    legal_form = models.CharField(
        _("forme juridique"), max_length=12, choices=LegalForm.choices, blank=True
    )
    naf_code = models.CharField(_("code NAF"), max_length=6, blank=True)
    created_on = models.DateField(_("date de création"), null=True, blank=True)
    size_band = models.CharField(
        _("tranche d'effectif"), max_length=2, choices=SizeBand.choices, blank=True
    )
    # Who receives the quarterly headcount reminder.
    contact_email = models.EmailField(_("courriel de contact"), blank=True)

    class Meta:
        verbose_name = _("structure")
        verbose_name_plural = _("structures")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["siret"], condition=~models.Q(siret=""), name="organisation_siret_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class HostingKind(models.TextChoices):
    DOMICILIATION = "domiciliation", _("domiciliation")
    RESIDENT_OFFICE = "resident_office", _("bureau résident")
    INCUBATION = "incubation", _("incubation")
    COWORKING_TEAM = "coworking_team", _("équipe en coworking")


class DateRange(models.Func):
    """PostgreSQL's ``daterange(start, end, '[]')``: both days included, no end unbounded."""

    function = "DATERANGE"
    output_field = DateRangeField()


class Hosting(TimeStampedModel):
    """An organisation hosted at a place from `start_date` to `end_date` (both included; no end:
    still hosted). An organisation may be hosted several times, never twice at once at the same
    place: an exclusion constraint on PostgreSQL, a check in the IMMEDIATE transaction of
    `organisations.services` on SQLite (the pattern of `common.capacity`)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="hostings", verbose_name=_("structure")
    )
    place = models.ForeignKey(
        Place, on_delete=models.CASCADE, related_name="hostings", verbose_name=_("lieu")
    )
    kind = models.CharField(_("type d'hébergement"), max_length=16, choices=HostingKind.choices)
    start_date = models.DateField(_("début"))
    end_date = models.DateField(_("fin"), null=True, blank=True)

    class Meta:
        verbose_name = _("hébergement")
        verbose_name_plural = _("hébergements")
        ordering = ["-start_date", "pk"]
        indexes = [models.Index(fields=["place", "start_date"], name="hosting_place_start")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="hosting_ends_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=HostingKind.values), name="hosting_kind_valid"
            ),
            PostgresExclusionConstraint(
                name="hosting_no_overlap",
                expressions=[
                    (
                        DateRange("start_date", "end_date", RangeBoundary(inclusive_upper=True)),
                        RangeOperators.OVERLAPS,
                    ),
                    ("organisation", RangeOperators.EQUAL),
                    ("place", RangeOperators.EQUAL),
                ],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} @ {self.place} ({self.start_date}–{self.end_date or ''})"


class PersonRole(models.TextChoices):
    FOUNDER = "founder", _("fondateur·rice")
    EMPLOYEE = "employee", _("salarié·e")
    ASSOCIATE = "associate", _("associé·e")
    OTHER = "other", _("autre")


class OrganisationPerson(TimeStampedModel):
    """A person's part in an organisation (founder, employee…), from a date to a date; linked
    to their account when they have one (they may be a member of the place)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="people", verbose_name=_("structure")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="organisation_links",
        verbose_name=_("compte"),
    )
    name = models.CharField(_("nom"), max_length=200, blank=True)
    role = models.CharField(_("rôle"), max_length=10, choices=PersonRole.choices)
    start_date = models.DateField(_("depuis"), null=True, blank=True)
    end_date = models.DateField(_("jusqu'au"), null=True, blank=True)

    class Meta:
        verbose_name = _("personne de la structure")
        verbose_name_plural = _("personnes de la structure")
        ordering = ["organisation", "role", "name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(start_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="organisation_person_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name or self.user} ({self.get_role_display()}) — {self.organisation}"


class HeadcountDeclaration(TimeStampedModel):
    """How many people the organisation employs on `declared_on`, and how many of them live in
    the territory (the place's EPCI, docs/glossary.md), as declared by someone."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="headcounts",
        verbose_name=_("structure"),
    )
    declared_on = models.DateField(_("date de la déclaration"))
    employees = models.PositiveIntegerField(_("emplois"))
    employees_local = models.PositiveIntegerField(_("dont habitant le territoire"))
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("déclaré par"),
    )

    class Meta:
        verbose_name = _("déclaration d'effectif")
        verbose_name_plural = _("déclarations d'effectif")
        ordering = ["organisation", "-declared_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "declared_on"], name="headcount_one_per_day"
            ),
            models.CheckConstraint(
                condition=models.Q(employees_local__lte=models.F("employees")),
                name="headcount_local_within_total",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} {self.declared_on}: {self.employees}"


class HeadcountReminder(models.Model):
    """The quarterly reminder sent to an organisation's contact: one per quarter, at most."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="reminders"
    )
    quarter = models.CharField(max_length=7)  # "2026-Q4"
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "quarter"], name="headcount_reminder_once_per_quarter"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.quarter}"


class TransportMode(models.TextChoices):
    """Usual mode of the trip a member would make without the place (codes, docs/glossary.md)."""

    CAR = "car", _("voiture seul·e")
    CARPOOL = "carpool", _("covoiturage")
    MOTORBIKE = "motorbike", _("deux-roues motorisé")
    BUS = "bus", _("bus, car")
    TRAIN = "train", _("train, TER")
    TRAM = "tram", _("tramway, métro")
    BIKE = "bike", _("vélo")
    E_BIKE = "e_bike", _("vélo à assistance électrique")
    WALK = "walk", _("marche")
    OTHER = "other", _("autre")


class CommutingDeclaration(TimeStampedModel):
    """Where a member lives and, when they telework at the place for an employer, where that
    employer is and how they would usually travel there. One per person, replaced when they
    declare again."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="commuting",
        verbose_name=_("personne"),
    )
    home_commune = models.ForeignKey(
        Territory,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": "commune"},
        verbose_name=_("commune de résidence"),
    )
    teleworks = models.BooleanField(_("télétravaille pour un employeur"), default=False)
    employer_commune = models.ForeignKey(
        Territory,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"level": "commune"},
        verbose_name=_("commune de l'employeur"),
    )
    transport_mode = models.CharField(
        _("mode de transport habituel"), max_length=10, choices=TransportMode.choices, blank=True
    )

    class Meta:
        verbose_name = _("déclaration de trajet")
        verbose_name_plural = _("déclarations de trajet")

    def __str__(self) -> str:
        return f"{self.user}: {self.home_commune_id} → {self.employer_commune_id}"
