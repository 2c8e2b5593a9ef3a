from django.db import models
from django.utils.translation import gettext_lazy as _


class TerritoryManager(models.Manager):
    """Leaves the outline out of every query unless asked for (`.defer(None)`, `.only()`,
    `values()`): it weighs kilobytes per row and only maps and point lookups read it."""

    def get_queryset(self):
        return super().get_queryset().defer("outline")


class Territory(models.Model):
    """A French administrative territory identified by its INSEE (or SIREN, for EPCI) code.

    The hierarchy is stored as codes rather than foreign keys: it comes whole from the
    reference file and is read by filters ("places whose département is 64"), never walked.
    """

    class Level(models.TextChoices):
        COMMUNE = "commune", _("Commune")
        EPCI = "epci", _("EPCI")
        DEPARTEMENT = "departement", _("Département")
        REGION = "region", _("Région")

    class LocationPrecision(models.TextChoices):
        MAIRIE = "mairie", _("mairie de la commune")
        OUTLINE = "outline", _("approché : point intérieur du contour de la commune")
        GEONAMES = "geonames", _("centre de la commune (GeoNames)")
        EPCI_CENTROID = "epci_centroid", _("approché : centre de l'intercommunalité")
        DEPARTEMENT_CENTROID = "departement_centroid", _("approché : centre du département")
        DERIVED = "derived", _("centre pondéré par la population")

    level = models.CharField(_("niveau"), max_length=12, choices=Level.choices)
    code = models.CharField(_("code"), max_length=9)
    name = models.CharField(_("nom"), max_length=200)
    search_name = models.CharField(max_length=200, db_index=True, editable=False)
    population = models.PositiveIntegerField(_("population"), default=0)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    location_precision = models.CharField(
        _("précision de la localisation"),
        max_length=24,
        choices=LocationPrecision.choices,
        blank=True,
    )
    departement_code = models.CharField(_("département"), max_length=3, blank=True, db_index=True)
    region_code = models.CharField(_("région"), max_length=3, blank=True, db_index=True)
    epci_code = models.CharField(_("EPCI"), max_length=9, blank=True, db_index=True)
    postal_codes = models.CharField(_("codes postaux"), max_length=200, blank=True)
    # Simplified outline, compact GeoJSON MultiPolygon text (see territories.outlines), and its
    # bounding box in degrees, so that a point lookup reads only the few outlines around it.
    # A database default too: rows written by code that predates the column (historical models
    # in data migrations, raw inserts) get no outline rather than an error.
    outline = models.TextField(_("contour"), blank=True, db_default="")
    bbox_west = models.FloatField(null=True, blank=True, editable=False)
    bbox_south = models.FloatField(null=True, blank=True, editable=False)
    bbox_east = models.FloatField(null=True, blank=True, editable=False)
    bbox_north = models.FloatField(null=True, blank=True, editable=False)

    objects = TerritoryManager()

    class Meta:
        verbose_name = _("territoire")
        verbose_name_plural = _("territoires")
        ordering = ["level", "code"]
        constraints = [
            models.UniqueConstraint(fields=["level", "code"], name="territory_unique_level_code")
        ]
        indexes = [models.Index(fields=["level", "search_name"], name="territory_level_search")]
        constraints += [
            models.CheckConstraint(
                condition=models.Q(outline="")
                | models.Q(
                    bbox_west__isnull=False,
                    bbox_south__isnull=False,
                    bbox_east__isnull=False,
                    bbox_north__isnull=False,
                    bbox_west__lte=models.F("bbox_east"),
                    bbox_south__lte=models.F("bbox_north"),
                ),
                name="territory_outline_has_bbox",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def postal_code_list(self) -> list[str]:
        return [code for code in self.postal_codes.split("|") if code]

    @property
    def ref(self) -> str:
        """Unambiguous reference used in URLs and filters, e.g. `departement:64`."""
        return f"{self.level}:{self.code}"
