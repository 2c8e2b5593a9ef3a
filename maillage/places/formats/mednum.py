"""The national schema « Lieux de médiation numérique » (CSV), a mapping over `places.fields`.

The schema is the table schema of LaMednum/standard-mediation-num, shipped pinned in
`schemas/mednum/schema.json` (version and licence in `schemas/mednum/LICENCE.md`); every export
is validated against it in the tests (`frictionless`). Each column of the schema is declared
once below (`COLUMNS`): the registry fields it reads and writes, how a place's export row
becomes its cell, and how a cell of an imported file becomes field values. docs/data.md has the
table in prose, with the services table.

Export (`mednum_records`): one CSV line per place, in the schema's column order. The schema
requires an address, a postal code, a commune and at least one service of its closed list;
a place lacking one is *omitted* — left out of the file (which must validate) and reported with
its reasons (`Omission`): the command writes one line per omitted place on standard error, the
API gives their number in `X-Omitted-Places` and the list at `GET /api/v1/exports/omitted`.

Import (`read_record`): a file in this schema goes through the ordinary importer (detected by
its header, see `opendata.reading`), keyed on `id` (our `source_id`). The schema says less than
our registry (no status, legal form, equipment; one typology for several kinds; SIREN, not
SIRET), so an import in it changes only what the file says differently from what this instance
would export for the same place: for each column, when the cell equals the export of the place
as stored, the place's own values stay (its SIRET, its kinds, its labels); otherwise the cell
is read. Fields of no column keep their value; a new place gets their defaults. Hence the
round trip: re-importing an export of a source under that source leaves every place unchanged.

Codes outside a closed list of the schema (services, typologie, itinérance and the other
lists) are errors of their line and column, in the reader's language.

The closed lists that are fields of the registry (`LISTED_FIELDS`): `itinerance` (`mobility`,
whether the place is fixed or moves — a bus, a van — or both), `publics_specifiquement_adresses`
(`audiences`), `prise_en_charge_specifique` (`specific_support`), `frais_a_charge` (`fees`),
`modalites_acces` (`access_modes`) and `modalites_accompagnement` (`support_modes`). Each value
of the schema is one of our codes (`kinds.Mobility`, …): an export writes the schema's values of
the place's codes, in the schema's order, and an import stores the codes of the cell's values.
A place that says nothing of its mobility is exported `Fixe`, as most places are.

Columns not kept. Export → import → export under the same source gives the same file byte for
byte (`tests/opendata/test_mednum.py`); the columns below have no field in the registry, so an
import checks them (closed lists) and names them in a warning, and an export writes them as
we know them — which is to say empty:

- `dispositif_programmes_nationaux`, `formations_labels`, `autres_formations_labels`: labels
  granted to the place by national programmes; no field holds programmes or labels;
- `structure_parente`: the place's parent organisation, a free text (our networks are
  places' memberships, not a text of the place);
- `prise_rdv`: a booking URL, which no field holds;
- `source`: ours is the import's `--source`, not a column of the file;
- `complement_adresse`: folded into `address` after a comma (one address line here), so an
  export writes it empty.

Pinned version v1.0.0 admits a `pivot` of 9 or 10 characters only (a SIREN, or an RNA number
W + 9 digits; v1.0.1 widened it to SIRET's 14): we publish the SIREN of the place's SIRET,
`000000000` when it has none (the schema requires the column), and read back a SIRET, a SIREN
(which keeps a stored SIRET that starts with it), an RNA number or zeros (no SIRET).
"""

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, time
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from maillage.common.errors import ErrorCode, FieldError
from maillage.common.tabular import neutralise_cell
from maillage.common.text import fold

from ..fields import BY_NAME, View, names_for
from ..kinds import DATA_INCLUSION_TYPOLOGY, PlaceKind
from ..validation import CleanPlace
from . import EXPORT_FIELDS, export_source_id
from .canonical import commune_centred
from .licensing import publisher

SCHEMA_PATH = Path(__file__).resolve().parent / "schemas" / "mednum" / "schema.json"
SCHEMA_VERSION = "v1.0.0"
SEPARATOR = "|"  # between the values of a multi-valued cell (the schema's patterns)
# Accepted on import too: the schema's earlier versions and many files use `;`.
_SPLIT = re.compile(r"[|;]")


@lru_cache(maxsize=1)
def table_schema() -> dict[str, Any]:
    """The shipped table schema (a frictionless descriptor)."""
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


HEADER: tuple[str, ...] = tuple(column["name"] for column in table_schema()["fields"])
KEY = "id"
# A header with these names is a file in this schema (and not our canonical CSV).
SIGNATURE = frozenset({"id", "pivot", "nom", "date_maj"})

# The nine services of the closed list, in the schema's order.
SERVICES: tuple[str, ...] = (
    "Aide aux démarches administratives",
    "Maîtrise des outils numériques du quotidien",
    "Insertion professionnelle via le numérique",
    "Utilisation sécurisée du numérique",
    "Parentalité et éducation avec le numérique",
    "Loisirs et créations numériques",
    "Compréhension du monde numérique",
    "Accès internet et matériel informatique",
    "Acquisition de matériel informatique à prix solidaire",
)
# Our service labels (compared folded: case, accents and punctuation aside) → the national
# service they are. The table of docs/data.md (« Services et schéma national »); the nine
# national names map to themselves, so that an imported place exports as it came.
SERVICE_TABLE: dict[str, str] = {
    **{fold(name): name for name in SERVICES},
    fold("Aide aux démarches en ligne"): SERVICES[0],
    fold("Accompagnement aux démarches"): SERVICES[0],
    fold("Démarches administratives en ligne"): SERVICES[0],
    fold("France Services"): SERVICES[0],
    fold("Accompagnement numérique"): SERVICES[1],
    fold("Initiation au numérique"): SERVICES[1],
    fold("Ateliers numériques"): SERVICES[1],
    fold("Médiation numérique"): SERVICES[1],
    fold("Insertion professionnelle"): SERVICES[2],
    fold("Aide à la recherche d'emploi en ligne"): SERVICES[2],
    fold("Cybersécurité"): SERVICES[3],
    fold("Sécurité numérique"): SERVICES[3],
    fold("Parentalité numérique"): SERVICES[4],
    fold("Éducation au numérique"): SERVICES[4],
    fold("Impression 3D"): SERVICES[5],
    fold("Open lab"): SERVICES[5],
    fold("Création numérique"): SERVICES[5],
    fold("Culture numérique"): SERVICES[6],
    fold("Accès libre à internet"): SERVICES[7],
    fold("Accès internet"): SERVICES[7],
    fold("Impression et numérisation"): SERVICES[7],
    fold("Ordinateurs en libre accès"): SERVICES[7],
    fold("Reconditionnement informatique"): SERVICES[8],
    fold("Ordinateurs reconditionnés"): SERVICES[8],
}
# The typology of data·inclusion's structures, which `typologie` refers to (the national
# cartography's list). Our kinds give theirs through `kinds.DATA_INCLUSION_TYPOLOGY`.
TYPOLOGIES = frozenset(
    [
        "ACI",
        "ACIPHC",
        "AFPA",
        "AI",
        "ASE",
        "ASSO",
        "ASSO_CHOMEUR",
        "Autre",
        "AVIP",
        "BIB",
        "CAARUD",
        "CADA",
        "CAF",
        "CAP_EMPLOI",
        "CAVA",
        "CC",
        "CCAS",
        "CCONS",
        "CD",
        "CDAS",
        "CFP",
        "CHRS",
        "CHU",
        "CIAS",
        "CIDFF",
        "CITMET",
        "CMP",
        "CMS",
        "CPAM",
        "CPH",
        "CS",
        "CSAPA",
        "CSC",
        "DEETS",
        "DEPT",
        "DIPLP",
        "E2C",
        "EA",
        "EATT",
        "EI",
        "EITI",
        "ENM",
        "EPCI",
        "EPI",
        "EPIDE",
        "EPN",
        "ES",
        "ESAT",
        "ESS",
        "ETTI",
        "EVS",
        "FABLAB",
        "FABRIQUE",
        "FAIS",
        "FT",
        "GEIQ",
        "HUDA",
        "LA_POSTE",
        "MDE",
        "MDH",
        "MDEF",
        "MDPH",
        "MDS",
        "MJC",
        "ML",
        "MQ",
        "MSA",
        "MSAP",
        "MUNI",
        "OACAS",
        "ODC",
        "OF",
        "OIL",
        "OPCS",
        "PAD",
        "PENSION",
        "PI",
        "PIJ_BIJ",
        "PIMMS",
        "PJJ",
        "PLIE",
        "PREF",
        "PREVENTION",
        "REG",
        "RELAIS_LECTURE",
        "RESSOURCERIE",
        "RFS",
        "RS_FJT",
        "SCP",
        "SPIP",
        "TIERS_LIEUX",
        "UDAF",
    ]
)
# A typology read back as one of our kinds (the first kind that gives it).
KIND_OF_TYPOLOGY: dict[str, str] = {}
for _kind, _typology in DATA_INCLUSION_TYPOLOGY.items():
    if _typology is not None:
        KIND_OF_TYPOLOGY.setdefault(_typology, _kind)
KIND_OF_TYPOLOGY["TIERS_LIEUX"] = PlaceKind.OTHER
# A place of a file in this schema is a place of digital inclusion, whatever else it is.
DEFAULT_KIND = PlaceKind.DIGITAL_INCLUSION
# The schema's closed lists: those of `LISTED_FIELDS` are fields here, the others are checked on
# import, then not kept.
CLOSED_LISTS: dict[str, tuple[str, ...]] = {
    "itinerance": ("Itinérant", "Fixe"),
    "publics_specifiquement_adresses": (
        "Jeunes",
        "Étudiants",
        "Familles et/ou enfants",
        "Seniors",
        "Femmes",
    ),
    "prise_en_charge_specifique": (
        "Surdité",
        "Handicaps moteurs",
        "Handicaps mentaux",
        "Illettrisme",
        "Langues étrangères (anglais)",
        "Langues étrangères (autres)",
        "Déficience visuelle",
    ),
    "frais_a_charge": ("Gratuit", "Gratuit sous condition", "Payant"),
    "dispositif_programmes_nationaux": (
        "Aidants Connect",
        "Bibliothèques numérique de référence",
        "Certification PIX",
        "Conseillers numériques",
        "Emmaüs Connect",
        "France Services",
        "Grande école du numérique",
        "La Croix Rouge",
        "Point d'accès numérique CAF",
        "Promeneurs du net",
        "Relais numérique (Emmaüs Connect)",
    ),
    "formations_labels": (
        "Formé à « Mon Espace Santé »",
        "Formé à « DUPLEX » (illetrisme)",
        "Arnia/MedNum BFC (Bourgogne-Franche-Comté)",
        "Collectif ressources et acteurs réemploi (Normandie)",
        "Fabriques de Territoire",
        "Les Éclaireurs du numérique (Drôme)",
        "Mes Papiers (Métropole de Lyon)",
        "ORDI 3.0",
        "SUD LABS (PACA)",
    ),
    "modalites_acces": (
        "Se présenter",
        "Téléphoner",
        "Contacter par mail",
        "Prendre un RDV en ligne",
        "Ce lieu n'accueille pas de public",
        "Envoyer un mail avec une fiche de prescription",
    ),
    "modalites_accompagnement": (
        "En autonomie",
        "Accompagnement individuel",
        "Dans un atelier collectif",
        "À distance",
    ),
}
# The closed lists that are fields of the registry (code lists of `kinds`): column → (field,
# our code → the schema's value). The values are exported in the schema's order.
LISTED_FIELDS: dict[str, tuple[str, dict[str, str]]] = {
    "itinerance": ("mobility", {"mobile": "Itinérant", "fixed": "Fixe"}),
    "publics_specifiquement_adresses": (
        "audiences",
        {
            "youth": "Jeunes",
            "students": "Étudiants",
            "families": "Familles et/ou enfants",
            "seniors": "Seniors",
            "women": "Femmes",
        },
    ),
    "prise_en_charge_specifique": (
        "specific_support",
        {
            "deafness": "Surdité",
            "motor_disability": "Handicaps moteurs",
            "mental_disability": "Handicaps mentaux",
            "illiteracy": "Illettrisme",
            "english": "Langues étrangères (anglais)",
            "other_languages": "Langues étrangères (autres)",
            "visual_impairment": "Déficience visuelle",
        },
    ),
    "frais_a_charge": (
        "fees",
        {"free": "Gratuit", "free_conditional": "Gratuit sous condition", "paid": "Payant"},
    ),
    "modalites_acces": (
        "access_modes",
        {
            "walk_in": "Se présenter",
            "phone": "Téléphoner",
            "email": "Contacter par mail",
            "online_booking": "Prendre un RDV en ligne",
            "no_public": "Ce lieu n'accueille pas de public",
            "prescription": "Envoyer un mail avec une fiche de prescription",
        },
    ),
    "modalites_accompagnement": (
        "support_modes",
        {
            "autonomous": "En autonomie",
            "individual": "Accompagnement individuel",
            "workshop": "Dans un atelier collectif",
            "remote": "À distance",
        },
    ),
}
for _listed, (_name, _values) in LISTED_FIELDS.items():
    if tuple(_values.values()) != CLOSED_LISTS[_listed] or set(_values) != set(
        BY_NAME[_name].codes
    ):
        raise RuntimeError(f"mednum.LISTED_FIELDS[{_listed!r}] must follow the schema and kinds")
# A place that says nothing of whether it moves is exported fixed, as most places are.
UNKNOWN_MOBILITY = "Fixe"
# Columns read on import but kept nowhere (free texts of no field here).
UNKEPT_TEXT = ("structure_parente", "autres_formations_labels", "prise_rdv", "source")
SUMMARY_MAX = 280  # presentation_resume's maxLength
PIVOT_UNKNOWN = "000000000"
_PHONE = re.compile(r"^(\+33|\+590|\+594|\+262|\+596|\+269|\+687|\+689|\+508|\+681)(\d){6,9}$")
_POSTAL_CODE = re.compile(r"^\d{5}$")
_SIRET = re.compile(r"^\d{14}$")
_SIREN = re.compile(r"^\d{9}$")
_RNA = re.compile(r"^W\d{9}$")

Row = Mapping[str, Any]


def national_services(labels: Iterable[str]) -> list[str]:
    """The national services our labels map onto, in the schema's order."""
    found = {SERVICE_TABLE.get(fold(label)) for label in labels}
    return [name for name in SERVICES if name in found]


def typologies(kinds: Iterable[str]) -> list[str]:
    """data·inclusion typologies of our kinds, in the kinds' order, each once."""
    found = [DATA_INCLUSION_TYPOLOGY.get(kind) for kind in kinds]
    return list(dict.fromkeys(typology for typology in found if typology))


def _summary(description: str) -> str:
    first = (description or "").strip().split("\n", 1)[0].strip()
    if len(first) <= SUMMARY_MAX:
        return first
    return first[: SUMMARY_MAX - 1].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"


def _date_maj(row: Row) -> str:
    moment = row.get("source_updated_at") or row.get("updated_at")
    if moment is None:
        return ""
    return timezone.localtime(moment).date().isoformat()


def _pivot(row: Row) -> str:
    siret = row.get("siret") or ""
    return siret[:9] if siret else PIVOT_UNKNOWN


def _coordinate(name: str) -> Callable[[Row], str]:
    def export(row: Row) -> str:
        value = None if commune_centred(row) else row.get(name)
        return "" if value is None else repr(float(value))

    return export


# --- Import: each column's reading ---------------------------------------------------------


@dataclass
class Reading:
    """What one line of a file says, as registry values, with its problems."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: list[FieldError] = field(default_factory=list)
    unkept: set[str] = field(default_factory=set)  # columns read but stored nowhere


def _split(cell: str) -> list[str]:
    return [part.strip() for part in _SPLIT.split(cell) if part.strip()]


# The stable codes of the errors below (docs/data.md, « Import error codes »).
CLOSED_LIST = ErrorCode(
    "mednum.closed_list",
    gettext_noop("Code(s) inconnu(s) : %(unknown)s ; valeurs possibles : %(allowed)s."),
)
TYPOLOGIE_UNKNOWN = ErrorCode(
    "mednum.typologie_unknown",
    gettext_noop(
        "Typologie(s) inconnue(s) : %(unknown)s ; le vocabulaire est celui des "
        "typologies de structures de data·inclusion (TIERS_LIEUX, EPN, FABLAB…)."
    ),
)
PIVOT_INVALID = ErrorCode(
    "mednum.pivot_invalid",
    gettext_noop(
        "« %s » n'est ni un SIRET (14 chiffres), ni un SIREN (9 chiffres), ni un "
        "numéro RNA (W suivi de 9 chiffres)."
    ),
)
DATE_INVALID = ErrorCode(
    "mednum.date_invalid", gettext_noop("Date attendue au format AAAA-MM-JJ : « %s ».")
)


def _unknown_codes(column: str, codes: Iterable[str], allowed: Iterable[str]) -> FieldError:
    return FieldError(
        column,
        CLOSED_LIST(
            unknown=", ".join(f"« {code} »" for code in codes), allowed=" | ".join(allowed)
        ),
    )


def _read_typologie(cell: str, existing: Row | None, reading: Reading) -> None:
    codes = _split(cell)
    unknown = [code for code in codes if code not in TYPOLOGIES]
    if unknown:
        reading.errors.append(
            FieldError(
                "typologie",
                TYPOLOGIE_UNKNOWN(unknown=", ".join(f"« {code} »" for code in unknown)),
            )
        )
        return
    wanted = set(codes)
    current = list(existing.get("kinds") or []) if existing else []
    # Our kinds stay while the typology they give is still said (or they give none).
    kept = [
        kind
        for kind in current
        if DATA_INCLUSION_TYPOLOGY.get(kind) is None or DATA_INCLUSION_TYPOLOGY[kind] in wanted
    ]
    covered = {DATA_INCLUSION_TYPOLOGY.get(kind) for kind in kept}
    added = [
        KIND_OF_TYPOLOGY[code] for code in codes if code not in covered and code in KIND_OF_TYPOLOGY
    ]
    kinds = list(dict.fromkeys([*kept, *added]))
    reading.values["kinds"] = kinds or [DEFAULT_KIND]


def _read_services(cell: str, existing: Row | None, reading: Reading) -> None:
    names = _split(cell)
    by_folded = {fold(name): name for name in SERVICES}
    unknown = [name for name in names if fold(name) not in by_folded]
    if unknown:
        reading.errors.append(_unknown_codes("services", unknown, SERVICES))
        return
    wanted = [by_folded[fold(name)] for name in names]
    current = list(existing.get("services") or []) if existing else []
    # Our labels stay while the national service they are is still said (or they are none).
    kept = [
        label
        for label in current
        if SERVICE_TABLE.get(fold(label)) is None or SERVICE_TABLE[fold(label)] in wanted
    ]
    covered = {SERVICE_TABLE.get(fold(label)) for label in kept}
    reading.values["services"] = [*kept, *(name for name in wanted if name not in covered)]


def _read_pivot(cell: str, existing: Row | None, reading: Reading) -> None:
    value = "".join(cell.split())
    stored = (existing or {}).get("siret") or ""
    if not value or set(value) == {"0"} or _RNA.fullmatch(value):
        reading.values["siret"] = ""
    elif _SIRET.fullmatch(value):
        reading.values["siret"] = value
    elif _SIREN.fullmatch(value):
        # A SIREN is not a SIRET: it keeps a stored SIRET of that SIREN, and sets none else.
        reading.values["siret"] = stored if stored.startswith(value) else ""
    else:
        reading.errors.append(FieldError("pivot", PIVOT_INVALID(value=cell)))


def _read_date(cell: str, existing: Row | None, reading: Reading) -> None:
    if not cell:
        reading.values["source_updated_at"] = None
        return
    try:
        day = date.fromisoformat(cell)
    except ValueError:
        reading.errors.append(FieldError("date_maj", DATE_INVALID(value=cell)))
        return
    # Noon UTC: the same day in every French time zone, so the export gives the day back.
    reading.values["source_updated_at"] = datetime.combine(day, time(12), tzinfo=UTC)


def _read_first(name: str) -> Callable[[str, Row | None, Reading], None]:
    """A cell of one or more values (`|` or `;`) of which our field keeps the first."""

    def read(cell: str, existing: Row | None, reading: Reading) -> None:
        values = _split(cell)
        reading.values[name] = values[0] if values else ""

    return read


def _read_plain(name: str) -> Callable[[str, Row | None, Reading], None]:
    def read(cell: str, existing: Row | None, reading: Reading) -> None:
        reading.values[name] = cell

    return read


def _read_description(cell: str, existing: Row | None, reading: Reading) -> None:
    # The detail says all; a file with only the summary gives that.
    if cell or "description" not in reading.values:
        reading.values["description"] = cell


def _read_closed_list(column: str) -> Callable[[str, Row | None, Reading], None]:
    allowed = CLOSED_LISTS[column]

    def read(cell: str, existing: Row | None, reading: Reading) -> None:
        values = _split(cell)
        unknown = [value for value in values if value not in allowed]
        if unknown:
            reading.errors.append(_unknown_codes(column, unknown, allowed))
        elif values:
            reading.unkept.add(column)

    return read


def _export_listed(column: str) -> Callable[[Row], str]:
    name, values = LISTED_FIELDS[column]

    def export(row: Row) -> str:
        codes = set(row.get(name) or ())
        cell = SEPARATOR.join(value for code, value in values.items() if code in codes)
        return cell or (UNKNOWN_MOBILITY if column == "itinerance" else "")

    return export


def _read_listed(column: str) -> Callable[[str, Row | None, Reading], None]:
    name, values = LISTED_FIELDS[column]
    code_of = {value: code for code, value in values.items()}

    def read(cell: str, existing: Row | None, reading: Reading) -> None:
        given = _split(cell)
        unknown = [value for value in given if value not in code_of]
        if unknown:
            reading.errors.append(_unknown_codes(column, unknown, CLOSED_LISTS[column]))
            return
        reading.values[name] = [code_of[value] for value in given]

    return read


def _listed(column: str) -> "Column":
    return Column(column, (LISTED_FIELDS[column][0],), _export_listed(column), _read_listed(column))


def _read_unkept(column: str) -> Callable[[str, Row | None, Reading], None]:
    def read(cell: str, existing: Row | None, reading: Reading) -> None:
        if cell and column != "source":
            reading.unkept.add(column)

    return read


def _read_nothing(cell: str, existing: Row | None, reading: Reading) -> None:
    """`complement_adresse`: read with the address (see `read_record`)."""


@dataclass(frozen=True)
class Column:
    """One column of the schema: the registry fields it carries, its export, its reading."""

    name: str
    fields: tuple[str, ...]
    export: Callable[[Row], str]
    read: Callable[[str, Row | None, Reading], None]


def _text(name: str) -> Callable[[Row], str]:
    return lambda row: str(row.get(name) or "")


COLUMNS: tuple[Column, ...] = (
    Column("id", ("source_id",), export_source_id, _read_nothing),
    Column("pivot", ("siret",), _pivot, _read_pivot),
    Column("nom", ("name",), _text("name"), _read_plain("name")),
    Column("commune", ("city",), _text("city"), _read_plain("city")),
    Column("code_postal", ("postal_code",), _text("postal_code"), _read_plain("postal_code")),
    Column("code_insee", ("insee_code",), _text("insee_code"), _read_plain("insee_code")),
    Column("adresse", ("address",), _text("address"), _read_plain("address")),
    Column("complement_adresse", ("address",), lambda row: "", _read_nothing),
    Column("latitude", ("latitude",), _coordinate("latitude"), _read_plain("latitude")),
    Column("longitude", ("longitude",), _coordinate("longitude"), _read_plain("longitude")),
    Column(
        "typologie",
        ("kinds",),
        lambda row: SEPARATOR.join(typologies(row.get("kinds") or ())),
        _read_typologie,
    ),
    Column(
        "telephone",
        ("phone",),
        lambda row: row.get("phone") if _PHONE.fullmatch(row.get("phone") or "") else "",
        _read_plain("phone"),
    ),
    Column("courriels", ("email",), _text("email"), _read_first("email")),
    Column("site_web", ("website",), _text("website"), _read_first("website")),
    Column("horaires", ("opening_hours",), _text("opening_hours"), _read_plain("opening_hours")),
    Column(
        "presentation_resume",
        ("description",),
        lambda row: _summary(row.get("description") or ""),
        _read_description,
    ),
    Column(
        "presentation_detail",
        ("description",),
        lambda row: (row.get("description") or "").strip(),
        _read_description,
    ),
    Column("source", (), lambda row: row.get("source") or publisher(), _read_unkept("source")),
    _listed("itinerance"),
    Column("structure_parente", (), lambda row: "", _read_unkept("structure_parente")),
    Column("date_maj", ("source_updated_at",), _date_maj, _read_date),
    Column(
        "services",
        ("services",),
        lambda row: SEPARATOR.join(national_services(row.get("services") or ())),
        _read_services,
    ),
    _listed("publics_specifiquement_adresses"),
    _listed("prise_en_charge_specifique"),
    _listed("frais_a_charge"),
    *(
        Column(name, (), lambda row: "", _read_closed_list(name))
        for name in ("dispositif_programmes_nationaux", "formations_labels")
    ),
    Column(
        "autres_formations_labels", (), lambda row: "", _read_unkept("autres_formations_labels")
    ),
    _listed("modalites_acces"),
    _listed("modalites_accompagnement"),
    Column(
        "fiche_acces_libre",
        ("acceslibre_url",),
        _text("acceslibre_url"),
        _read_plain("acceslibre_url"),
    ),
    Column("prise_rdv", (), lambda row: "", _read_unkept("prise_rdv")),
)
BY_COLUMN = {column.name: column for column in COLUMNS}
if tuple(BY_COLUMN) != HEADER:
    raise RuntimeError("mednum.COLUMNS must follow the fields of the shipped schema.json")
# The file's column that carries each of our fields, to report the validator's errors there.
COLUMN_OF_FIELD: dict[str, str] = {}
for _column in COLUMNS:
    for _name in _column.fields:
        COLUMN_OF_FIELD.setdefault(_name, _column.name)
COLUMN_OF_FIELD["commune"] = "code_insee"


# --- Export ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Omission:
    """A place left out of an export, with why (in the reader's language)."""

    uuid: str
    name: str
    slug: str
    reasons: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "uuid": self.uuid,
            "name": self.name,
            "slug": self.slug,
            "reasons": list(self.reasons),
        }

    def line(self) -> str:
        return _("Lieu omis : %(name)s (%(uuid)s) : %(reasons)s") % {
            "name": self.name,
            "uuid": self.uuid,
            "reasons": " ; ".join(self.reasons),
        }


def omission_reasons(record: Mapping[str, str]) -> list[str]:
    """What the schema requires and the record lacks (empty when it may be published)."""
    reasons = []
    if not record["services"]:
        reasons.append(
            _(
                "aucun de ses services ne correspond à la liste nationale (voir la table des "
                "services de docs/data.md)"
            )
        )
    if not record["adresse"]:
        reasons.append(_("pas d'adresse"))
    if not _POSTAL_CODE.fullmatch(record["code_postal"]):
        reasons.append(_("pas de code postal à 5 chiffres"))
    if not record["commune"]:
        reasons.append(_("pas de commune"))
    if not record["date_maj"]:
        reasons.append(_("pas de date de mise à jour"))
    return reasons


def mednum_record(row: Row) -> dict[str, str] | Omission:
    """The cells of one place (column → text), or why it cannot be published."""
    record = {column.name: column.export(row) for column in COLUMNS}
    if reasons := omission_reasons(record):
        return Omission(
            str(row.get("uuid") or ""),
            str(row.get("name") or ""),
            str(row.get("slug") or ""),
            tuple(reasons),
        )
    return record


def mednum_records(
    rows: Iterable[Row], on_omitted: Callable[[Omission], None] | None = None
) -> Iterator[dict[str, str]]:
    """The records of the places that can be published; `on_omitted` hears of the others."""
    for row in rows:
        record = mednum_record(row)
        if isinstance(record, Omission):
            if on_omitted is not None:
                on_omitted(record)
            continue
        yield record


def _cell(name: str, value: str) -> str:
    # A telephone of the schema's pattern is digits after `+`: no formula can hide there, and
    # the schema wants the `+`. Every other cell is neutralised as in our other CSV files.
    if name == "telephone":
        return value
    return neutralise_cell(value)


def iter_mednum_csv(
    records: Iterable[Mapping[str, str]], *, rows_per_chunk: int = 200
) -> Iterator[str]:
    """The CSV (UTF-8, comma, RFC 4180 quoting, CRLF), header first, piece by piece."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    for count, record in enumerate(records, 1):
        writer.writerow([_cell(name, record[name]) for name in HEADER])
        if count % rows_per_chunk == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()


# --- Import ---------------------------------------------------------------------------------

# Every field an import writes (what a file that says nothing of them must leave as it is):
# the validator's inputs.
KEPT_FIELDS = names_for(View.WRITE)
# What export rows carry here: those of every export, the provenance date, and what an import
# in a foreign format must find in the stored place to keep it (`kept_values`).
ROW_FIELDS = (*EXPORT_FIELDS, "source_updated_at", "surface_m2", "capacity")


def kept_values(existing: Row) -> dict[str, Any]:
    """A stored place as validator input: what an import in a foreign format starts from."""
    values = {name: existing.get(name) for name in KEPT_FIELDS}
    if commune_centred(existing):
        values["latitude"] = values["longitude"] = None  # derived again from the commune
    return {
        name: ("" if value is None and name not in _NULLABLE else value)
        for name, value in values.items()
    }


# The values the validator takes as None rather than "" (numbers, dates: CleanPlace's defaults).
_NULLABLE = {clean.name for clean in fields(CleanPlace) if clean.default is None}


def read_record(cells: Mapping[str, str], existing: Row | None) -> Reading:
    """Registry values of one line of a file (`cells`: column → text) for the validator.

    `existing` is the export row of the place of that `id` under the import's source (None for
    a new place): each column whose cell equals that place's export is skipped — its fields
    keep their stored values — and the others are read (see the module's docstring).
    """
    reading = Reading(values=kept_values(existing) if existing is not None else {})
    for column in COLUMNS:
        if column.name not in cells or column.name == KEY:
            continue
        cell = cells[column.name].strip()
        if existing is not None and column.fields and cell == column.export(existing):
            continue
        column.read(cell, existing, reading)
        if not column.fields and cell == column.export(existing or {}):
            reading.unkept.discard(column.name)  # what we would say ourselves: nothing lost
    complement = (cells.get("complement_adresse") or "").strip()
    if complement:
        address = reading.values.get("address") or (existing or {}).get("address") or ""
        reading.values["address"] = f"{address}, {complement}" if address else complement
    if existing is None and not reading.values.get("kinds"):
        reading.values["kinds"] = [DEFAULT_KIND]
    return reading
