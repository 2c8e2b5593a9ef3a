from uuid import uuid4
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from maillage.common.appendonly import AppendOnlyModel, AppendOnlyQuerySet
from maillage.common.models import TimeStampedModel
from maillage.common.timeranges import territory_timezone
from maillage.territories.models import Territory

from .kinds import LegalForm, PlaceKind, PlaceStatus, Wheelchair


class Label(models.Model):
    """A free label for services and equipment: shown as entered, identified by `key` (case and
    spacing aside: `=1` and `-1`, `Café` and `Cafe` are two labels), searched by `folded`
    (accents and punctuation aside too)."""

    class Category(models.TextChoices):
        SERVICE = "service", _("service")
        EQUIPMENT = "equipment", _("équipement")

    category = models.CharField(_("catégorie"), max_length=10, choices=Category.choices)
    name = models.CharField(_("libellé"), max_length=120)
    folded = models.CharField(max_length=120, editable=False)
    # `common.text.label_key(name)`: case folding turns a character into three at most ("ﬃ"),
    # plus room for the suffix that keeps apart labels created before keys existed.
    key = models.CharField(max_length=400, editable=False)

    class Meta:
        verbose_name = _("libellé")
        verbose_name_plural = _("libellés")
        ordering = ["category", "folded"]
        constraints = [models.UniqueConstraint(fields=["category", "key"], name="label_unique_key")]
        indexes = [models.Index(fields=["folded"], name="label_folded_idx")]

    def __str__(self) -> str:
        return self.name


class Place(TimeStampedModel):
    """A tiers-lieu. Written only through `places.services`; read through `places.selectors`."""

    class LocationPrecision(models.TextChoices):
        EXACT = "exact", _("adresse précise")
        COMMUNE = "commune", _("centre de la commune")

    # The place's identity for other systems (API, exports, the changes feed): slugs follow
    # the name and may change, the UUID never does.
    uuid = models.UUIDField(_("identifiant stable"), default=uuid4, unique=True, editable=False)
    name = models.CharField(_("nom"), max_length=200)
    slug = models.SlugField(_("identifiant d'URL"), max_length=220, unique=True)
    status = models.CharField(
        _("statut"), max_length=10, choices=PlaceStatus.choices, default=PlaceStatus.OPEN
    )
    description = models.TextField(_("description"), blank=True)
    search_text = models.TextField(editable=False, blank=True)

    address = models.CharField(_("adresse"), max_length=250, blank=True)
    postal_code = models.CharField(_("code postal"), max_length=5, blank=True)
    city = models.CharField(_("commune"), max_length=200, blank=True)
    commune = models.ForeignKey(
        Territory,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="places",
        limit_choices_to={"level": Territory.Level.COMMUNE},
        verbose_name=_("commune (INSEE)"),
    )
    # Copied from the commune so that territory filters need no join.
    insee_code = models.CharField(_("code INSEE"), max_length=5, blank=True, db_index=True)
    epci_code = models.CharField(max_length=9, blank=True, db_index=True, editable=False)
    departement_code = models.CharField(max_length=3, blank=True, db_index=True, editable=False)
    region_code = models.CharField(max_length=3, blank=True, db_index=True, editable=False)
    latitude = models.FloatField(_("latitude"))
    longitude = models.FloatField(_("longitude"))
    location_precision = models.CharField(
        _("précision de la localisation"),
        max_length=10,
        choices=LocationPrecision.choices,
        default=LocationPrecision.EXACT,
    )

    opening_hours = models.CharField(_("horaires d'ouverture"), max_length=500, blank=True)
    website = models.URLField(_("site web"), max_length=300, blank=True)
    email = models.EmailField(_("courriel"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    siret = models.CharField(_("SIRET"), max_length=14, blank=True)
    legal_form = models.CharField(
        _("forme juridique"), max_length=20, choices=LegalForm.choices, blank=True
    )
    services = models.ManyToManyField(
        Label, blank=True, related_name="places_offering", verbose_name=_("services")
    )
    equipment = models.ManyToManyField(
        Label, blank=True, related_name="places_equipped", verbose_name=_("équipements")
    )
    wheelchair = models.CharField(
        _("accessibilité fauteuil roulant"), max_length=10, choices=Wheelchair.choices, blank=True
    )
    acceslibre_url = models.URLField(_("fiche acceslibre"), max_length=300, blank=True)
    # Codes of `kinds.Mobility`, `Audience`, … (lists; the validator checks each code): what the
    # national schema « Lieux de médiation numérique » says with its closed lists.
    mobility = models.JSONField(_("itinérance"), default=list, db_default=[], blank=True)
    audiences = models.JSONField(
        _("publics spécifiquement adressés"), default=list, db_default=[], blank=True
    )
    specific_support = models.JSONField(
        _("prise en charge spécifique"), default=list, db_default=[], blank=True
    )
    fees = models.JSONField(_("frais à charge"), default=list, db_default=[], blank=True)
    access_modes = models.JSONField(_("modalités d'accès"), default=list, db_default=[], blank=True)
    support_modes = models.JSONField(
        _("modalités d'accompagnement"), default=list, db_default=[], blank=True
    )
    surface_m2 = models.PositiveIntegerField(_("surface (m²)"), null=True, blank=True)
    capacity = models.PositiveIntegerField(_("capacité d'accueil"), null=True, blank=True)

    source = models.CharField(_("source"), max_length=100, blank=True)
    source_id = models.CharField(_("identifiant à la source"), max_length=200, blank=True)
    source_updated_at = models.DateTimeField(_("mis à jour à la source"), null=True, blank=True)
    # Digest of the imported content, so that re-importing an unchanged row touches nothing.
    source_digest = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = _("tiers-lieu")
        verbose_name_plural = _("tiers-lieux")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_id"],
                condition=~models.Q(source_id=""),
                name="place_unique_source_id",
            ),
            models.CheckConstraint(
                condition=models.Q(latitude__gte=-90, latitude__lte=90)
                & models.Q(longitude__gte=-180, longitude__lte=180),
                name="place_coordinates_on_earth",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=PlaceStatus.values), name="place_status_valid"
            ),
        ]
        indexes = [
            # The directory's order: a page of the list reads 100 index entries instead of
            # sorting every matching place.
            models.Index(fields=["name", "id"], name="place_name_id"),
            models.Index(fields=["latitude", "longitude"], name="place_lat_lon"),
            models.Index(fields=["updated_at"], name="place_updated_at"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_demo(self) -> bool:
        return self.source == "demo"

    @property
    def timezone(self) -> ZoneInfo:
        """The zone its opening hours are read in: overseas places keep their own legal time."""
        return territory_timezone(
            departement_code=self.departement_code, region_code=self.region_code
        )


class PlaceKindLink(models.Model):
    """One kind of a place (a place has one or more kinds, from docs/glossary.md)."""

    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="kind_links")
    kind = models.CharField(_("type"), max_length=30, choices=PlaceKind.choices, db_index=True)

    class Meta:
        verbose_name = _("type de lieu")
        verbose_name_plural = _("types de lieu")
        constraints = [
            models.UniqueConstraint(fields=["place", "kind"], name="place_kind_unique"),
            models.CheckConstraint(
                condition=models.Q(kind__in=PlaceKind.values), name="place_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.kind


class PlaceRole(models.Model):
    """Someone who operates a place, and how (`places.rules` says what each role may do).

    One role per person and place. Operators are not members: the people who use a place
    (its users) are another model.
    """

    class Role(models.TextChoices):
        # Also edits the place's record and chooses its operators.
        MANAGER = "manager", _("gestionnaire")
        # Runs the place day to day; does not edit its record.
        STAFF = "staff", _("équipe")

    place = models.ForeignKey(
        Place, on_delete=models.CASCADE, related_name="roles", verbose_name=_("lieu")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="place_roles",
        verbose_name=_("utilisateur·rice"),
    )
    role = models.CharField(_("rôle"), max_length=10, choices=Role.choices)
    created_at = models.DateTimeField(_("attribué le"), auto_now_add=True)

    class Meta:
        verbose_name = _("rôle sur un lieu")
        verbose_name_plural = _("rôles sur les lieux")
        ordering = ["place", "role", "user"]
        constraints = [
            models.UniqueConstraint(fields=["place", "user"], name="place_role_one_per_user"),
            models.CheckConstraint(
                condition=models.Q(role__in=["manager", "staff"]), name="place_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} — {self.place}"


class Network(models.Model):
    """A named group of places (a regional network, a département's programme). Its
    coordinators edit its places and see its aggregated figures.
    """

    name = models.CharField(_("nom"), max_length=200)
    slug = models.SlugField(_("identifiant"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    places = models.ManyToManyField(
        Place, blank=True, related_name="networks", verbose_name=_("lieux")
    )
    coordinators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="coordinated_networks",
        verbose_name=_("coordinateur·rices"),
    )

    class Meta:
        verbose_name = _("réseau")
        verbose_name_plural = _("réseaux")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PlaceChange(AppendOnlyModel):
    """One entry of the places' change log: a place created, updated or deleted, in the order of
    `seq`. Append-only (`common.appendonly`: the ORM refuses to change or delete a row), written
    by every place write service in the transaction of the change (bulk imports included);
    `GET /api/v1/places/changes` reads it. A deleted place leaves its
    entry here (its tombstone): `uuid`, `source` and `source_id` are copied so that a mirror can
    match it although the place row is gone.
    """

    class Change(models.TextChoices):
        CREATED = "created", _("créé")
        UPDATED = "updated", _("modifié")
        DELETED = "deleted", _("supprimé")

    seq = models.BigAutoField(primary_key=True)
    uuid = models.UUIDField(_("identifiant stable"), db_index=True)
    change = models.CharField(_("changement"), max_length=10, choices=Change.choices)
    at = models.DateTimeField(_("date"), db_index=True)
    source = models.CharField(_("source"), max_length=100, blank=True)
    source_id = models.CharField(_("identifiant à la source"), max_length=200, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("changement de lieu")
        verbose_name_plural = _("changements de lieux")
        ordering = ["seq"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(change__in=["created", "updated", "deleted"]),
                name="place_change_valid",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.change} {self.uuid}"


class OsmRecord(models.Model):
    """An OpenStreetMap object as the last OSM import read it (`places.services.store_osm_records`),
    kept so that a place page can show how the place differs from OSM. `place` is the place the
    object was imported as (source `osm`, source_id `osm_id`), or the place an administrator
    linked it to when the place came from another source. Tags are OSM's, unchanged.
    """

    osm_id = models.CharField(_("identifiant OSM"), max_length=20, unique=True)
    place = models.ForeignKey(
        Place,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="osm_records",
        verbose_name=_("lieu"),
    )
    tags = models.JSONField(_("attributs OSM"), default=dict)
    latitude = models.FloatField(_("latitude"))
    longitude = models.FloatField(_("longitude"))
    version = models.PositiveIntegerField(_("version OSM"), null=True, blank=True)
    osm_timestamp = models.DateTimeField(_("modifié dans OSM le"), null=True, blank=True)
    # Digest of tags, position, version: an object read again unchanged is not written.
    digest = models.CharField(max_length=64, editable=False)
    imported_at = models.DateTimeField(_("importé le"))

    class Meta:
        verbose_name = _("objet OpenStreetMap")
        verbose_name_plural = _("objets OpenStreetMap")
        ordering = ["osm_id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(osm_id__startswith="n")
                    | models.Q(osm_id__startswith="w")
                    | models.Q(osm_id__startswith="r")
                ),
                name="osm_record_id_typed",
            ),
            models.CheckConstraint(
                condition=models.Q(latitude__gte=-90, latitude__lte=90)
                & models.Q(longitude__gte=-180, longitude__lte=180),
                name="osm_record_coordinates_on_earth",
            ),
        ]

    def __str__(self) -> str:
        return self.osm_id
