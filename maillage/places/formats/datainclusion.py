"""data·inclusion's schema of structures and services (JSON), a mapping over `places.fields`.

The schema is that of the `data-inclusion-schema` package (`data_inclusion.schema.v1`,
`Structure` and `Service`), which the tests use to validate every export. A place is a
structure; each of its service labels is a service of that structure, with the data·inclusion
*thématiques* of the national service it maps to (`mednum.SERVICE_TABLE`, then
`THEMATIQUES`), none for the others. Both exports are JSON lists of objects, as data·inclusion
publishes them; the objects have no room for a licence (docs/data.md).

Structures are imported too (`read_record`, through the importer: a JSON list, detected by its
first character): each object is validated with `Structure` (errors by item and field, in the
reader's language), then read like the national schema (`mednum.read_record`): a member equal
to what this instance would export for the place stays as the place has it, the others are
read, so that re-importing an export under its source leaves every place unchanged.
`reseaux_porteurs` maps onto our kinds (`KIND_OF_RESEAU`), unknown codes being errors of the
schema.

Services are imported too (`read_services`, through the importer: a JSON list whose first
object has a `structure_id`): each is validated with `Service` and attaches to the place of
the import's source whose `source_id` is its `structure_id`; the file is read whole, then each
structure's services become its labels (`service_labels`: what an export carries and the file
still has stays as stored, labels no export can carry stay). An unknown structure is an error
of its line, `structure_id`.

The closed code lists of a place go to each of its services, where the schema has a member
whose codes say exactly the same (`SERVICE_CODE_LISTS`; `Structure` has none): `frais` from
the fees, `publics` from the audiences, `modes_mobilisation` from three access modes,
`modes_accueil` from the support modes (`a-distance`) and the access modes (`en-presentiel`,
unless the place receives no public). The mobility and the specific support have no member.
A services file gives each place the codes its services say (a member equal, on every service,
to this instance's export keeps the stored codes; otherwise the codes said, all services
together, replace those the member can carry, and the codes it cannot carry stay, except
for `frais`, whose codes said are the whole fees).
"""

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

import pydantic
from data_inclusion.schema import v1
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from maillage.common.errors import ErrorCode, FieldError
from maillage.common.schema_errors import typed_schema_error
from maillage.common.text import fold

from ..kinds import AccessMode, Audience, Fees, PlaceKind, SupportMode
from . import export_source_id, place_path
from .canonical import commune_centred
from .mednum import SERVICE_TABLE, Omission, Reading, kept_values

STRUCTURE_FORMAT = "data-inclusion-structures"
SERVICE_FORMAT = "data-inclusion-services"
DEFAULT_SOURCE = "maillage"  # `source` of the places entered here
KEY = "id"
NAME_MIN, NAME_MAX = 3, 150
DESCRIPTION_MIN, DESCRIPTION_MAX = 5, 10000

# Our kinds → data·inclusion's « réseaux porteurs » (the kinds that are a network of theirs).
RESEAU_OF_KIND: dict[str, str] = {
    PlaceKind.CONNECTED_CAMPUS: v1.ReseauPorteur("campus-connecte").value,
    PlaceKind.DIGITAL_INCLUSION: v1.ReseauPorteur("espaces-publics-numeriques").value,
    PlaceKind.RESSOURCERIE: v1.ReseauPorteur("ressourceries").value,
}
KIND_OF_RESEAU = {reseau: kind for kind, reseau in RESEAU_OF_KIND.items()}
# A structure says nothing of its kind otherwise: a tiers-lieu, of no kind of ours in particular.
DEFAULT_KIND = PlaceKind.OTHER
# The national services → data·inclusion thématiques.
THEMATIQUES: dict[str, tuple[str, ...]] = {
    "Aide aux démarches administratives": (
        "numerique--acceder-a-des-services-en-ligne",
        "difficultes-administratives-ou-juridiques--accompagnement-aux-demarches-administratives",
    ),
    "Maîtrise des outils numériques du quotidien": (
        "numerique--maitriser-les-fondamentaux-du-numerique",
    ),
    "Insertion professionnelle via le numérique": (
        "numerique--maitriser-les-fondamentaux-du-numerique",
    ),
    "Utilisation sécurisée du numérique": ("numerique--maitriser-les-fondamentaux-du-numerique",),
    "Parentalité et éducation avec le numérique": (
        "famille--soutien-a-la-parentalite-et-a-leducation",
    ),
    "Loisirs et créations numériques": ("numerique--maitriser-les-fondamentaux-du-numerique",),
    "Compréhension du monde numérique": ("numerique--maitriser-les-fondamentaux-du-numerique",),
    "Accès internet et matériel informatique": ("numerique--acceder-a-une-connexion-internet",),
    "Acquisition de matériel informatique à prix solidaire": ("numerique--acquerir-un-equipement",),
}
for _codes in THEMATIQUES.values():
    for _code in _codes:
        v1.Thematique(_code)  # a code the schema does not know fails at import time

Row = Mapping[str, Any]


@dataclass(frozen=True)
class ServiceCodeList:
    """A member of data·inclusion's `Service` that one of our closed code lists says.

    `codes`: our code → theirs, only where the two mean the same (docs/data.md has the
    table); `single`: the member holds one value (`frais`), said only when the place's codes
    are one mapped code alone, and what the services say of it is the whole list (the fees
    are what `frais` is about: a source that says `gratuit` leaves no `free_conditional`).
    `present_unless_no_public` is `modes_accueil`'s `en-presentiel`: exported unless the
    place receives no public, never read back.
    """

    member: str
    field: str
    codes: dict[str, str]
    single: bool = False
    present_unless_no_public: bool = False

    def export(self, row: Row) -> str | list[str] | None:
        held = row.get(self.field) or ()
        if self.single:
            return self.codes[held[0]] if len(held) == 1 and held[0] in self.codes else None
        said = [theirs for ours, theirs in self.codes.items() if ours in held]
        if self.present_unless_no_public and AccessMode.NO_PUBLIC not in (
            row.get("access_modes") or ()
        ):
            said.insert(0, v1.ModeAccueil.EN_PRESENTIEL.value)
        return said or None

    def read(self, said: Iterable[Any], stored: Iterable[str]) -> list[str]:
        """Our codes once the services' values (`said`, one per service) are read: the
        stored codes the member cannot carry (none for a `single` member), and those the
        services say."""
        theirs: set[str] = set()
        for value in said:
            theirs.update([value] if isinstance(value, str) else value or ())
        ours = {code for code, their_code in self.codes.items() if their_code in theirs}
        kept = [] if self.single else [code for code in stored if code not in self.codes]
        return [*kept, *(str(code) for code in self.codes if code in ours)]


# Where each pair is documented in the package (`data_inclusion.schema.v1`): Frais, Public,
# ModeMobilisation, ModeAccueil; our codes in `places.kinds`. A code of either side that has no
# counterpart of the same meaning is left out (docs/data.md).
SERVICE_CODE_LISTS = (
    ServiceCodeList(
        "frais",
        "fees",
        {Fees.FREE: v1.Frais.GRATUIT.value, Fees.PAID: v1.Frais.PAYANT.value},
        single=True,
    ),
    ServiceCodeList(
        "publics",
        "audiences",
        {
            Audience.YOUTH: v1.Public.JEUNES.value,
            Audience.STUDENTS: v1.Public.ETUDIANTS.value,
            Audience.FAMILIES: v1.Public.FAMILLES.value,
            Audience.SENIORS: v1.Public.SENIORS.value,
            Audience.WOMEN: v1.Public.FEMMES.value,
        },
    ),
    ServiceCodeList(
        "modes_mobilisation",
        "access_modes",
        {
            AccessMode.WALK_IN: v1.ModeMobilisation.SE_PRESENTER.value,
            AccessMode.PHONE: v1.ModeMobilisation.TELEPHONER.value,
            AccessMode.EMAIL: v1.ModeMobilisation.ENVOYER_UN_COURRIEL.value,
        },
    ),
    ServiceCodeList(
        "modes_accueil",
        "support_modes",
        {SupportMode.REMOTE: v1.ModeAccueil.A_DISTANCE.value},
        present_unless_no_public=True,
    ),
)


def _date(row: Row) -> str:
    moment = row.get("source_updated_at") or row.get("updated_at")
    return timezone.localtime(moment).date().isoformat() if moment else ""


def _or_none(value: Any) -> Any:
    return None if value in ("", None, []) else value


def _description(text: str) -> str | None:
    text = (text or "").strip()
    if len(text) < DESCRIPTION_MIN:
        return None
    return text[:DESCRIPTION_MAX]


def _reseaux(row: Row) -> list[str] | None:
    found = {RESEAU_OF_KIND[kind] for kind in row.get("kinds") or () if kind in RESEAU_OF_KIND}
    return sorted(found) or None


def _coordinate(name: str) -> Callable[[Row], Any]:
    return lambda row: None if commune_centred(row) else row.get(name)


def _text(name: str) -> Callable[[Row], Any]:
    return lambda row: _or_none(row.get(name))


# Member → (the registry fields it carries, its export). The members a structure has in
# common with a service (the address, the contacts) are exported the same way for both.
STRUCTURE_MEMBERS: dict[str, tuple[tuple[str, ...], Callable[[Row], Any]]] = {
    "source": ((), lambda row: row.get("source") or DEFAULT_SOURCE),
    "id": (("source_id",), export_source_id),
    "nom": (("name",), lambda row: (row.get("name") or "")[:NAME_MAX]),
    "date_maj": (("source_updated_at",), _date),
    "description": (("description",), lambda row: _description(row.get("description") or "")),
    "lien_source": ((), lambda row: None),  # absolute: set by `structure_record`
    "siret": (("siret",), _text("siret")),
    "commune": (("city",), _text("city")),
    "code_postal": (("postal_code",), _text("postal_code")),
    "code_insee": (("insee_code",), _text("insee_code")),
    "adresse": (("address",), _text("address")),
    "complement_adresse": ((), lambda row: None),
    "longitude": (("longitude",), _coordinate("longitude")),
    "latitude": (("latitude",), _coordinate("latitude")),
    "telephone": (("phone",), _text("phone")),
    "courriel": (("email",), _text("email")),
    "site_web": (("website",), _text("website")),
    "horaires_accueil": (("opening_hours",), _text("opening_hours")),
    "accessibilite_lieu": (("acceslibre_url",), _text("acceslibre_url")),
    "reseaux_porteurs": (("kinds",), _reseaux),
}
if set(STRUCTURE_MEMBERS) != set(v1.Structure.model_fields):
    raise RuntimeError("datainclusion.STRUCTURE_MEMBERS must name every member of Structure")
COLUMN_OF_FIELD = {
    name: member for member, (fields, _) in STRUCTURE_MEMBERS.items() for name in fields
}
COLUMN_OF_FIELD["commune"] = "code_insee"


def structure_record(row: Row, base_url: str) -> dict[str, Any] | Omission:
    """One place as a data·inclusion structure, or why it cannot be one."""
    record = {member: export(row) for member, (_, export) in STRUCTURE_MEMBERS.items()}
    record["lien_source"] = base_url.rstrip("/") + place_path(row["slug"])
    reasons = []
    if len(record["nom"]) < NAME_MIN:
        reasons.append(_("nom de moins de %d caractères") % NAME_MIN)
    if not record["date_maj"]:
        reasons.append(_("pas de date de mise à jour"))
    if reasons:
        return Omission(
            str(row.get("uuid") or ""),
            str(row.get("name") or ""),
            str(row.get("slug") or ""),
            tuple(reasons),
        )
    return record


def structure_records(
    rows: Iterable[Row], base_url: str, on_omitted: Callable[[Omission], None] | None = None
) -> Iterator[dict[str, Any]]:
    for row in rows:
        record = structure_record(row, base_url)
        if isinstance(record, Omission):
            if on_omitted is not None:
                on_omitted(record)
            continue
        yield record


def _thematiques(label: str) -> list[str] | None:
    national = SERVICE_TABLE.get(fold(label))
    return list(THEMATIQUES[national]) if national else None


def exported_services(structure_id: str, labels: Iterable[str]) -> Iterator[tuple[str, str]]:
    """(label, service id) of the labels a services export carries: those of 3 characters or
    more, the first of each slug (`service_records`)."""
    seen: set[str] = set()
    for label in labels:
        slug = slugify(label) or fold(label).replace(" ", "-")
        if len(label) < NAME_MIN or not slug or slug in seen:
            continue
        seen.add(slug)
        yield label, f"{structure_id}--{slug}"[:200]


def service_records(rows: Iterable[Row], base_url: str) -> Iterator[dict[str, Any]]:
    """Every service label of every place as a data·inclusion service of its structure.

    Labels shorter than the schema's 3 characters are not services of the schema: left out
    (they are rare; the place itself is still exported as a structure).
    """
    for row in rows:
        structure = structure_record(row, base_url)
        if isinstance(structure, Omission):
            continue
        for label, identifier in exported_services(structure["id"], row.get("services") or ()):
            yield {
                "source": structure["source"],
                "structure_id": structure["id"],
                "id": identifier,
                "nom": label[:NAME_MAX],
                "description": _("%(service)s, proposé par %(place)s.")
                % {"service": label, "place": structure["nom"]},
                "lien_source": structure["lien_source"],
                "date_maj": structure["date_maj"],
                "thematiques": _thematiques(label),
                "commune": structure["commune"],
                "code_postal": structure["code_postal"],
                "code_insee": structure["code_insee"],
                "adresse": structure["adresse"],
                "longitude": structure["longitude"],
                "latitude": structure["latitude"],
                "telephone": structure["telephone"],
                "courriel": structure["courriel"],
                "horaires_accueil": structure["horaires_accueil"],
                **{codes.member: codes.export(row) for codes in SERVICE_CODE_LISTS},
            }


# --- Import of structures -------------------------------------------------------------------


def _read_reseaux(value: Any, existing: Row | None, reading: Reading) -> None:
    wanted = set(value or ())
    current = list(existing.get("kinds") or []) if existing else []
    kept = [
        kind for kind in current if kind not in RESEAU_OF_KIND or RESEAU_OF_KIND[kind] in wanted
    ]
    covered = {RESEAU_OF_KIND.get(kind) for kind in kept}
    added = [
        KIND_OF_RESEAU[code]
        for code in sorted(wanted)
        if code not in covered and code in KIND_OF_RESEAU
    ]
    reading.values["kinds"] = list(dict.fromkeys([*kept, *added])) or [DEFAULT_KIND]


def _read_date(value: Any, existing: Row | None, reading: Reading) -> None:
    day = date.fromisoformat(str(value))  # validated by the schema
    reading.values["source_updated_at"] = datetime.combine(day, time(12), tzinfo=UTC)


def _same(value: Any, exported: Any) -> bool:
    if isinstance(value, list) and isinstance(exported, list):
        return sorted(map(str, value)) == sorted(map(str, exported))
    if isinstance(value, int | float) and isinstance(exported, int | float):
        return float(value) == float(exported)
    return value == exported


_READERS: dict[str, Callable[[Any, Row | None, Reading], None]] = {
    "reseaux_porteurs": _read_reseaux,
    "date_maj": _read_date,
}


# The stable codes of the errors below (docs/data.md, « Import error codes »).
STRUCTURE_EXPECTED = ErrorCode(
    "datainclusion.structure_expected", gettext_noop("Objet « structure » attendu.")
)
SERVICE_EXPECTED = ErrorCode(
    "datainclusion.service_expected", gettext_noop("Objet « service » attendu.")
)
STRUCTURE_UNKNOWN = ErrorCode(
    "datainclusion.structure_unknown",
    gettext_noop(
        "Structure « %s » inconnue sous cette source : importez d'abord le fichier "
        "de ses structures, sous la même source."
    ),
)
# The same code and message as a canonical file's `source_id` seen twice (opendata.reading).
ID_DUPLICATE = ErrorCode(
    "source_id.duplicate",
    gettext_noop("Identifiant « %(id)s » déjà utilisé ligne %(line)s du fichier."),
)
SERVICE_SIBLING = ErrorCode(
    "datainclusion.service_sibling",
    gettext_noop("Service non lu : un autre service de sa structure est en erreur."),
)


def read_record(item: Any, existing: Row | None) -> Reading:
    """Registry values of one structure of a file (see the module's docstring)."""
    reading = Reading(values=kept_values(existing) if existing is not None else {})
    if not isinstance(item, dict):
        reading.errors.append(FieldError("__row__", STRUCTURE_EXPECTED()))
        return reading
    try:
        v1.Structure.model_validate(item)
    except pydantic.ValidationError as exc:
        for error in exc.errors():
            location = ".".join(str(part) for part in error.get("loc", ())) or "__row__"
            reading.errors.append(FieldError(location, typed_schema_error(error)))
        return reading
    for member, (fields, export) in STRUCTURE_MEMBERS.items():
        if not fields or member == KEY or member not in item:
            continue
        value = item[member]
        if existing is not None and _same(value, export(existing)):
            continue
        if member in _READERS:
            _READERS[member](value, existing, reading)
        else:
            reading.values[fields[0]] = "" if value is None else value
    complement = item.get("complement_adresse")
    if complement:
        address = reading.values.get("address") or ""
        reading.values["address"] = f"{address}, {complement}" if address else complement
    if not reading.values.get("kinds"):
        reading.values["kinds"] = [DEFAULT_KIND]
    return reading


# --- Import of services ---------------------------------------------------------------------


@dataclass
class ServicesReading:
    """What a file of services says, structure by structure, with the problems of its lines.

    `places`: (the line of the structure's first service, its `id`, its registry values);
    `errors`: (line, problem); `rejected`: the lines with a problem. A structure one of whose
    services has a problem is left out whole: writing the others would drop that one.
    """

    places: list[tuple[int, str, Reading]] = field(default_factory=list)
    errors: list[tuple[int, FieldError]] = field(default_factory=list)
    rejected: int = 0


def _service_errors(item: Any, existing: Mapping[str, Row]) -> list[FieldError]:
    if not isinstance(item, dict):
        return [FieldError("__row__", SERVICE_EXPECTED())]
    errors = []
    try:
        v1.Service.model_validate(item)
    except pydantic.ValidationError as exc:
        for error in exc.errors():
            location = ".".join(str(part) for part in error.get("loc", ())) or "__row__"
            errors.append(FieldError(location, typed_schema_error(error)))
    structure_id = item.get("structure_id")
    if isinstance(structure_id, str) and structure_id and structure_id not in existing:
        errors.append(FieldError("structure_id", STRUCTURE_UNKNOWN(value=structure_id)))
    return errors


def service_code_lists(place: Row, items: list[dict]) -> dict[str, list[str]]:
    """The code lists of a place once its services of a file are read (`SERVICE_CODE_LISTS`):
    a member every service gives as this instance exports it leaves its list as stored."""
    values = {}
    for codes in SERVICE_CODE_LISTS:
        exported = codes.export(place)
        said = [item.get(codes.member) for item in items]
        if all(_same(value, exported) for value in said):
            continue
        values[codes.field] = codes.read(said, place.get(codes.field) or ())
    return values


def service_labels(structure_id: str, stored: Iterable[str], items: list[dict]) -> list[str]:
    """The service labels of a place once its services of a file are read.

    A stored label that an export carries (`exported_services`) stays when the file has its
    service (the same `id`, or the same name folded) and goes otherwise; a stored label no
    export carries (shorter than 3 characters, a second of the same slug) stays, since no file
    can say it; the file's other services are added, in its order.
    """
    stored = list(stored)
    said_ids = {str(item.get("id")) for item in items}
    said_names = {fold(str(item.get("nom") or "")) for item in items}
    exported = dict(exported_services(structure_id, stored))
    labels = []
    matched: set[str] = set()
    for label in stored:
        if label not in exported:
            labels.append(label)
        elif exported[label] in said_ids or fold(label[:NAME_MAX]) in said_names:
            labels.append(label)
            matched.update({exported[label], fold(label[:NAME_MAX])})
    for item in items:
        name = str(item.get("nom") or "").strip()
        if str(item.get("id")) in matched or fold(name) in matched:
            continue
        matched.add(fold(name))
        labels.append(name)
    return labels


def read_services(items: Iterable[tuple[int, Any]], existing: Mapping[str, Row]) -> ServicesReading:
    """Read a file of services (`items`: (line, object)) against the places of the import's
    source (`existing`, export rows by `source_id`): each service attaches to the place whose
    `source_id` is its `structure_id`. Every line is read before anything is decided, since the
    services of a structure may be anywhere in the file."""
    result = ServicesReading()
    grouped: dict[str, list[tuple[int, dict]]] = {}
    bad: set[str] = set()
    seen: dict[str, int] = {}
    for line, item in items:
        errors = _service_errors(item, existing)
        identifier = str(item.get("id")) if isinstance(item, dict) else ""
        if identifier and identifier in seen:
            errors.append(FieldError("id", ID_DUPLICATE(id=identifier, line=seen[identifier])))
        seen.setdefault(identifier, line)
        structure_id = str(item.get("structure_id") or "") if isinstance(item, dict) else ""
        if errors:
            result.rejected += 1
            result.errors.extend((line, error) for error in errors)
            bad.add(structure_id)
            continue
        grouped.setdefault(structure_id, []).append((line, item))
    for structure_id, lines in grouped.items():
        if structure_id in bad:
            result.rejected += len(lines)
            result.errors.extend(
                (
                    line,
                    FieldError("structure_id", SERVICE_SIBLING()),
                )
                for line, _item in lines
            )
            continue
        place = existing[structure_id]
        reading = Reading(values=kept_values(place))
        said = [item for _, item in lines]
        reading.values["services"] = service_labels(structure_id, place.get("services") or (), said)
        reading.values.update(service_code_lists(place, said))
        result.places.append((lines[0][0], structure_id, reading))
    return result
