"""The place field registry: every field of a place, declared once.

Each `PlaceField` says what a field is (its role and the kind of value it holds, its codes, the
longest value accepted, its label and help on the edit form, its description in the API) and
where it appears (`views`). The field lists of the rest of the app are views of this tuple, in
its order:

- the validator's `CleanPlace`, `services.SCALAR_FIELDS` (what it carries and the writers
  copy), `bulk.UPDATED_FIELDS` (what an import writes over an existing place),
  `validation.MAX_LENGTHS` and `validation.TEXT_FIELDS`;
- `selectors.LIST_FIELDS`, the API's detail and compact map fields, and the API schemas
  (`schemas.py` builds the list item, the detail and the write bodies from here, enum fields
  typed with their codes);
- the edit form (`forms.PlaceForm`) and, through it, the admin; its layout (`FORM_SECTIONS`:
  the sections of the edit page and the admin's fieldsets) from each field's `form` slot;
- the external formats, one module each under `places/formats/`: the canonical CSV (and the
  JSON of its rows), GeoJSON, schema.org JSON-LD. Each is a mapping over this registry.

Adding a field: declare it here (with the model column and its migration), with its `form`
slot if it is edited and `added_after_first_digests` if it is a clean value; the validator's
`CleanPlace` follows, and its rules follow the field's kind (`validation.RULES`), so only a new
kind of value needs a new rule. `tests/places/test_fields.py` checks that every column of
`Place` is declared, and that each view of the registry shows in the form and its sections, the
admin, `CleanPlace`, the validator's rules, the schemas, the CSV header and the GeoJSON
properties.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .kinds import (
    AccessMode,
    Audience,
    Fees,
    LegalForm,
    Mobility,
    PlaceKind,
    PlaceStatus,
    SpecificSupport,
    SupportMode,
    Wheelchair,
)
from .models import Place


class Role(StrEnum):
    """Where a field's value comes from."""

    IDENTITY = "identity"  # given by Maillage: id, uuid, slug
    DATA = "data"  # entered by people or imported
    DERIVED = "derived"  # computed from the data when the place is written
    PROVENANCE = "provenance"  # where an imported place comes from
    TIMESTAMP = "timestamp"  # set by the database writes
    COMPUTED = "computed"  # not stored: computed when the place is read


class Kind(StrEnum):
    """The kind of value a field holds: its API type, form field and validation follow."""

    ID = "id"  # an integer primary key
    UUID = "uuid"
    SLUG = "slug"
    PATH = "path"  # a path of this site
    TEXT = "text"  # one line of free text
    LONG_TEXT = "long_text"  # free text that keeps its paragraphs
    CODE = "code"  # one code of `choices`
    CODES = "codes"  # a list of codes of `choices`
    LABELS = "labels"  # a list of free labels (services, equipment)
    POSTAL_CODE = "postal_code"
    INSEE_CODE = "insee_code"
    TERRITORY_CODE = "territory_code"
    COMMUNE = "commune"  # a reference to a commune (Territory)
    FLOAT = "float"
    INTEGER = "integer"
    BOOLEAN = "boolean"
    HOURS = "hours"  # OpenStreetMap `opening_hours`
    URL = "url"
    EMAIL = "email"
    PHONE = "phone"  # E.164
    SIRET = "siret"
    DATETIME = "datetime"
    DIGEST = "digest"  # internal: hashes and folded text, never shown


class Section(models.TextChoices):
    """The sections of the edit form (pages and admin), in their order, with their titles."""

    PLACE = "place", _("Le lieu")
    LOCATION = "location", _("Localisation")
    HOURS_AND_CONTACT = "hours_and_contact", _("Horaires et contact")
    STRUCTURE = "structure", _("Structure")
    SERVICES = "services", _("Services, équipements, accessibilité")
    RECEPTION = "reception", _("Accueil et accompagnement")


@dataclass(frozen=True)
class Slot:
    """Where the edit form shows a field: on a line of its section, alone across the form
    (no column) or in a column of the line's grid. Lines and columns count from 1."""

    section: Section
    line: int
    column: int | None = None


class View(StrEnum):
    """Where a field appears."""

    LIST = "list"  # a row of the directory (list page, API list items)
    DETAIL = "detail"  # the API's detail of a place
    COMPACT = "compact"  # the home map's light GeoJSON
    EXPORT = "export"  # the rows the exports are made of (CSV, GeoJSON, JSON-LD)
    GEOJSON = "geojson"  # the API's full GeoJSON (`formats.geojson` adds the canonical names)
    CANONICAL = "canonical"  # a column of the canonical format (CSV and JSON names)
    CLEAN = "clean"  # a scalar value of the validator's CleanPlace, copied to the model
    IMPORTED = "imported"  # written by an import over an existing place
    FORM = "form"  # a field of the edit form (pages and admin)
    WRITE = "write"  # accepted by the API's write bodies


@dataclass(frozen=True)
class PlaceField:
    """One field of a place (see the module's docstring)."""

    name: str  # the name everywhere: model attribute, validator, API, canonical format
    role: Role
    kind: Kind
    views: frozenset[View]
    label: str | Promise = ""  # the edit form's label (French, translated lazily)
    help_text: str | Promise = ""
    choices: type[models.TextChoices] | None = None
    # Whether "" is a valid value of a code (unknown) and None one of a number or date.
    optional: bool = False
    required: bool = False  # a new place must have it (the validator says so)
    max_length: int | None = None  # the longest value the validator accepts
    input_max_length: int | None = None  # on the form, when typing allows more (spaces)
    description: str = ""  # the API's description (French, in the OpenAPI document)
    write_description: str = ""  # in the write bodies, when what to send needs saying
    example: str = ""  # an example value for the API's write bodies
    schema_org: str = ""  # where schema.org JSON-LD puts it (`formats.schemaorg`)
    form: Slot | None = None  # where the edit form shows it (the fields of the `form` view)
    # Declared after import digests were first stored: left out of a digest while empty
    # (`formats.canonical.place_digest`), so that those digests stay valid. Every field added
    # to the `clean` view from now on needs it.
    added_after_first_digests: bool = False

    @property
    def column(self) -> bool:
        """A concrete column of Place (relations and computed values are not): `kinds` is a
        link table, while the other code lists are JSON columns of the place."""
        if self.role == Role.COMPUTED:
            return False
        try:
            model_field = Place._meta.get_field(self.name)
        except FieldDoesNotExist:
            return False
        return model_field.concrete and not model_field.many_to_many

    @property
    def relation(self) -> bool:
        """Stored in a table of its own (the kinds, the labels), not in a column of Place."""
        return not self.column and self.role != Role.COMPUTED

    @property
    def codes(self) -> tuple[str, ...]:
        """The codes of an enum field, in their declared order (empty for other fields)."""
        return tuple(self.choices.values) if self.choices is not None else ()


# One letter per view, so that the views of each declaration below read as a row of a table.
L = View.LIST
D = View.DETAIL
C = View.COMPACT
E = View.EXPORT
G = View.GEOJSON
K = View.CANONICAL
V = View.CLEAN
I = View.IMPORTED  # noqa: E741 (a letter of the legend, never a loop index)
F = View.FORM
W = View.WRITE


def _views(*views: View) -> frozenset[View]:
    return frozenset(views)


FIELDS: tuple[PlaceField, ...] = (
    PlaceField("id", Role.IDENTITY, Kind.ID, _views(L, D, C, E, G)),
    PlaceField(
        "uuid",
        Role.IDENTITY,
        Kind.UUID,
        _views(L, D, E, G, K),
        description="Identifiant stable : l'`id` et le `slug` peuvent changer.",
        schema_org="@id",
    ),
    PlaceField("slug", Role.IDENTITY, Kind.SLUG, _views(L, D, C, E, G), schema_org="url"),
    PlaceField(
        "url",
        Role.COMPUTED,
        Kind.PATH,
        _views(L, D, C, G),
        description="Chemin de la page du lieu.",
    ),
    PlaceField(
        "name",
        Role.DATA,
        Kind.TEXT,
        _views(L, D, C, E, G, K, V, I, F, W),
        label=_("Nom"),
        required=True,
        max_length=200,
        schema_org="name",
        form=Slot(Section.PLACE, 1),
    ),
    PlaceField(
        "kinds",
        Role.DATA,
        Kind.CODES,
        _views(L, D, C, E, G, K, F, W),
        label=_("Types de lieu"),
        help_text=_("Au moins un."),
        required=True,
        choices=PlaceKind,
        description="Codes de `GET /api/v1/kinds`.",
        schema_org="additionalType",
        form=Slot(Section.PLACE, 2),
    ),
    PlaceField(
        "status",
        Role.DATA,
        Kind.CODE,
        _views(L, D, C, E, G, K, V, I, F, W),
        label=_("Statut"),
        choices=PlaceStatus,
        schema_org="@type",
        form=Slot(Section.PLACE, 3, 1),
    ),
    PlaceField(
        "description",
        Role.DATA,
        Kind.LONG_TEXT,
        _views(D, E, G, K, V, I, F, W),
        label=_("Description"),
        max_length=20000,
        schema_org="description",
        form=Slot(Section.PLACE, 4),
    ),
    PlaceField(
        "address",
        Role.DATA,
        Kind.TEXT,
        _views(L, D, E, G, K, V, I, F, W),
        label=_("Adresse"),
        max_length=250,
        schema_org="address.streetAddress",
        form=Slot(Section.LOCATION, 1),
    ),
    PlaceField(
        "postal_code",
        Role.DATA,
        Kind.POSTAL_CODE,
        _views(L, D, E, G, K, V, I, F, W),
        label=_("Code postal"),
        max_length=5,
        schema_org="address.postalCode",
        form=Slot(Section.LOCATION, 2, 1),
    ),
    PlaceField(
        "city",
        Role.DATA,
        Kind.TEXT,
        _views(L, D, C, E, G, K, V, I, F, W),
        label=_("Commune"),
        max_length=200,
        schema_org="address.addressLocality",
        form=Slot(Section.LOCATION, 2, 2),
    ),
    PlaceField("commune", Role.DERIVED, Kind.COMMUNE, _views(D, I)),
    PlaceField(
        "insee_code",
        Role.DATA,
        Kind.INSEE_CODE,
        _views(L, D, E, G, K, I, F, W),
        label=_("Code INSEE de la commune"),
        help_text=_("Prioritaire sur le code postal et la commune, ex. 64445."),
        max_length=5,
        write_description="Code INSEE de la commune ; à défaut, code postal et ville.",
        form=Slot(Section.LOCATION, 2, 3),
    ),
    PlaceField("epci_code", Role.DERIVED, Kind.TERRITORY_CODE, _views(I)),
    # Exported for schema.org's `containedInPlace` (the commune in its département and région).
    PlaceField("departement_code", Role.DERIVED, Kind.TERRITORY_CODE, _views(E, I)),
    PlaceField("region_code", Role.DERIVED, Kind.TERRITORY_CODE, _views(E, I)),
    PlaceField(
        "latitude",
        Role.DATA,
        Kind.FLOAT,
        _views(L, D, C, E, G, K, V, I, F, W),
        label=_("Latitude"),
        help_text=_("En degrés, ex. 43.2951. Vide : centre de la commune."),
        schema_org="geo.latitude",
        form=Slot(Section.LOCATION, 3, 1),
    ),
    PlaceField(
        "longitude",
        Role.DATA,
        Kind.FLOAT,
        _views(L, D, C, E, G, K, V, I, F, W),
        label=_("Longitude"),
        help_text=_("En degrés, ex. -0.3708."),
        write_description="Sans coordonnées, le lieu est placé au centre de sa commune.",
        schema_org="geo.longitude",
        form=Slot(Section.LOCATION, 3, 2),
    ),
    PlaceField(
        "location_precision",
        Role.DERIVED,
        Kind.CODE,
        _views(L, D, E, G, V, I),
        choices=Place.LocationPrecision,
        description="`exact` (adresse) ou `commune` (centre de la commune).",
    ),
    PlaceField(
        "opening_hours",
        Role.DATA,
        Kind.HOURS,
        _views(L, D, E, G, K, V, I, F, W),
        label=_("Horaires d'ouverture"),
        help_text=_("Syntaxe OpenStreetMap, ex. « Mo-Fr 09:00-18:00; Sa 10:00-13:00; PH off »."),
        max_length=500,
        description="Syntaxe OpenStreetMap `opening_hours`.",
        example="Mo-Fr 09:00-18:00; PH off",
        schema_org="openingHours",
        form=Slot(Section.HOURS_AND_CONTACT, 1),
    ),
    PlaceField(
        "is_open_now",
        Role.COMPUTED,
        Kind.BOOLEAN,
        _views(D),
        optional=True,
        description="Aucun quand les horaires ne le disent pas.",
    ),
    PlaceField(
        "website",
        Role.DATA,
        Kind.URL,
        _views(L, D, E, G, K, V, I, F, W),
        label=_("Site web"),
        max_length=300,
        schema_org="sameAs",
        form=Slot(Section.HOURS_AND_CONTACT, 2, 1),
    ),
    PlaceField(
        "email",
        Role.DATA,
        Kind.EMAIL,
        _views(D, E, G, K, V, I, F, W),
        label=_("Courriel"),
        max_length=254,
        schema_org="email",
        form=Slot(Section.HOURS_AND_CONTACT, 2, 2),
    ),
    PlaceField(
        "phone",
        Role.DATA,
        Kind.PHONE,
        _views(D, E, G, K, V, I, F, W),
        label=_("Téléphone"),
        # What is stored is the E.164 form, 16 characters at most (ITU-T E.164); the column
        # and the form allow what people type before it is normalised.
        input_max_length=30,
        description="Format international E.164.",
        schema_org="telephone",
        form=Slot(Section.HOURS_AND_CONTACT, 2, 3),
    ),
    PlaceField(
        "siret",
        Role.DATA,
        Kind.SIRET,
        _views(D, E, G, K, V, I, F, W),
        label=_("SIRET"),
        max_length=14,
        input_max_length=20,  # 14 digits, typed with spaces
        schema_org="identifier",
        form=Slot(Section.STRUCTURE, 1, 2),
    ),
    PlaceField(
        "legal_form",
        Role.DATA,
        Kind.CODE,
        _views(D, E, G, K, V, I, F, W),
        label=_("Forme juridique"),
        choices=LegalForm,
        optional=True,
        form=Slot(Section.STRUCTURE, 1, 1),
    ),
    PlaceField(
        "services",
        Role.DATA,
        Kind.LABELS,
        _views(D, E, G, K, F, W),
        label=_("Services proposés"),
        help_text=_("Un par ligne (ou séparés par « | »)."),
        max_length=120,  # Label.name, for each label
        schema_org="amenityFeature",
        form=Slot(Section.SERVICES, 1, 1),
    ),
    PlaceField(
        "equipment",
        Role.DATA,
        Kind.LABELS,
        _views(D, E, G, K, F, W),
        label=_("Équipements"),
        help_text=_("Un par ligne (ou séparés par « | »), ex. découpeuse laser."),
        max_length=120,
        schema_org="amenityFeature",
        form=Slot(Section.SERVICES, 1, 2),
    ),
    PlaceField(
        "wheelchair",
        Role.DATA,
        Kind.CODE,
        _views(D, E, G, K, V, I, F, W),
        label=_("Accessibilité en fauteuil roulant"),
        choices=Wheelchair,
        optional=True,
        description="`yes`, `limited`, `no`, ou vide quand inconnu.",
        form=Slot(Section.SERVICES, 2, 1),
    ),
    PlaceField(
        "acceslibre_url",
        Role.DATA,
        Kind.URL,
        _views(D, E, V, F, W),
        label=_("Fiche acceslibre"),
        max_length=300,
        schema_org="sameAs",
        form=Slot(Section.SERVICES, 2, 2),
    ),
    # The closed lists of the national schema « Lieux de médiation numérique » (its columns
    # itinerance, publics_specifiquement_adresses, …: `formats.mednum`), as code lists.
    PlaceField(
        "mobility",
        Role.DATA,
        Kind.CODES,
        _views(D, E, G, K, V, I, F, W),
        label=_("Itinérance"),
        help_text=_("Itinérant : un bus, un camion, une caravane qui se déplace."),
        choices=Mobility,
        description="Fixe (`fixed`), itinérant comme un bus numérique (`mobile`), ou les deux.",
        form=Slot(Section.RECEPTION, 1, 1),
        added_after_first_digests=True,
    ),
    PlaceField(
        "audiences",
        Role.DATA,
        Kind.CODES,
        _views(D, E, G, K, V, I, F, W),
        label=_("Publics spécifiquement adressés"),
        help_text=_("À ne cocher que si le lieu s'adresse spécifiquement à ces publics."),
        choices=Audience,
        description="Publics que le lieu accueille spécifiquement ; vide : tout public.",
        form=Slot(Section.RECEPTION, 1, 5),
        added_after_first_digests=True,
    ),
    PlaceField(
        "specific_support",
        Role.DATA,
        Kind.CODES,
        _views(D, E, G, K, V, I, F, W),
        label=_("Prise en charge spécifique"),
        choices=SpecificSupport,
        description="Besoins particuliers que le lieu sait accompagner.",
        form=Slot(Section.RECEPTION, 1, 6),
        added_after_first_digests=True,
    ),
    PlaceField(
        "fees",
        Role.DATA,
        Kind.CODES,
        _views(D, E, G, K, V, I, F, W),
        label=_("Frais à charge"),
        choices=Fees,
        description="Conditions financières d'accès au lieu et à ses services.",
        schema_org="isAccessibleForFree",
        form=Slot(Section.RECEPTION, 1, 2),
        added_after_first_digests=True,
    ),
    PlaceField(
        "access_modes",
        Role.DATA,
        Kind.CODES,
        _views(D, E, G, K, V, I, F, W),
        label=_("Modalités d'accès"),
        choices=AccessMode,
        description="Démarches pour être accueilli.",
        schema_org="publicAccess",
        form=Slot(Section.RECEPTION, 1, 3),
        added_after_first_digests=True,
    ),
    PlaceField(
        "support_modes",
        Role.DATA,
        Kind.CODES,
        _views(D, E, G, K, V, I, F, W),
        label=_("Modalités d'accompagnement"),
        choices=SupportMode,
        description="Types d'accompagnement proposés.",
        form=Slot(Section.RECEPTION, 1, 4),
        added_after_first_digests=True,
    ),
    PlaceField(
        "surface_m2",
        Role.DATA,
        Kind.INTEGER,
        _views(D, V, F, W),
        label=_("Surface (m²)"),
        optional=True,
        form=Slot(Section.STRUCTURE, 1, 3),
    ),
    PlaceField(
        "capacity",
        Role.DATA,
        Kind.INTEGER,
        _views(D, V, F, W),
        label=_("Capacité d'accueil"),
        optional=True,
        form=Slot(Section.STRUCTURE, 1, 4),
    ),
    PlaceField("source", Role.PROVENANCE, Kind.TEXT, _views(L, D, E), max_length=100),
    PlaceField("source_id", Role.PROVENANCE, Kind.TEXT, _views(D, E, G, K), max_length=200),
    PlaceField(
        "source_updated_at",
        Role.PROVENANCE,
        Kind.DATETIME,
        _views(D, V, W),
        optional=True,
        description="Date-heure ISO 8601 avec fuseau, ex. 2025-01-31T08:00:00Z.",
    ),
    # Digest of the imported content, so that re-importing an unchanged row touches nothing.
    PlaceField("source_digest", Role.DERIVED, Kind.DIGEST, _views(I)),
    PlaceField("search_text", Role.DERIVED, Kind.DIGEST, _views(I)),
    PlaceField("created_at", Role.TIMESTAMP, Kind.DATETIME, _views(D)),
    PlaceField("updated_at", Role.TIMESTAMP, Kind.DATETIME, _views(L, D, E, I)),
    PlaceField(
        "distance_km",
        Role.COMPUTED,
        Kind.FLOAT,
        _views(L),
        optional=True,
        description="Distance à `near`, quand il est donné.",
    ),
)
BY_NAME: dict[str, PlaceField] = {field.name: field for field in FIELDS}


def fields_for(
    view: View | str,
    *,
    columns: bool = False,
    roles: Iterable[Role] = (),
    kinds: Iterable[Kind] = (),
) -> tuple[PlaceField, ...]:
    """The fields of `view` in the registry's order: only columns of Place with
    `columns=True`, only fields of these roles and kinds when they are given."""
    view, roles, kinds = View(view), frozenset(roles), frozenset(kinds)
    return tuple(
        field
        for field in FIELDS
        if view in field.views
        and (field.column or not columns)
        and (not roles or field.role in roles)
        and (not kinds or field.kind in kinds)
    )


def names_for(
    view: View | str,
    *,
    columns: bool = False,
    roles: Iterable[Role] = (),
    kinds: Iterable[Kind] = (),
) -> tuple[str, ...]:
    """The names of `fields_for(view, …)`."""
    return tuple(
        field.name for field in fields_for(view, columns=columns, roles=roles, kinds=kinds)
    )


# The closed code lists stored on the place itself, as JSON lists (mobility, audiences, …; the
# kinds are a relation): validated, filtered and exported alike.
CODE_LIST_FIELDS = names_for(View.CLEAN, columns=True, kinds=(Kind.CODES,))

FormLine = tuple[PlaceField, ...]  # the fields of a line of the edit form, by column


def _form_sections() -> tuple[tuple[Section, tuple[FormLine, ...]], ...]:
    sections = []
    for section in Section:
        placed = [field for field in FIELDS if field.form and field.form.section == section]
        lines: dict[int, list[PlaceField]] = {}
        for field in sorted(placed, key=lambda field: (field.form.line, field.form.column or 0)):
            lines.setdefault(field.form.line, []).append(field)
        if lines:
            sections.append((section, tuple(tuple(line) for line in lines.values())))
    return tuple(sections)


# The edit form's layout (pages and admin): its sections in order, each with its lines in
# order. A line holds the fields of its columns, or one field across the form.
FORM_SECTIONS = _form_sections()
