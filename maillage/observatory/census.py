"""The census export: a place's figures arranged as the national tiers-lieux census (France
Tiers-Lieux, « recensement des tiers-lieux ») asks them, prefilled from what Maillage computes
and what the place declared, ready to paste into the census form.

Each question is declared once in `QUESTIONS` (the mapping table, also in docs/data.md): the
census's section, its question (in the census's words, paraphrased where the form's exact text
varies between editions), and where the answer comes from — the place record, an indicator of
the catalogue for the year, the yearly declaration (`declarations.Declaration`) or the
commuting computation. A question no source can answer is still listed, with an empty answer,
so the export follows the census form from top to bottom.

Rows: section, question, answer, source (« calculé par Maillage (2025) », « déclaré pour
2025 », « fiche du lieu », « à compléter »).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from maillage.declarations.commuting import commuting_avoided
from maillage.declarations.models import Declaration
from maillage.places.models import Place, PlaceKind

from .models import PlaceValue


@dataclass(frozen=True)
class Question:
    section: Any
    text: Any
    # "place:<attribute or function>", "indicator:<code>", "declared:<field>", "commuting:km"…
    source: str


IDENTITY = gettext_lazy("Identité du lieu")
PREMISES = gettext_lazy("Le lieu et son local")
ECONOMY = gettext_lazy("Modèle économique et emploi")
USERS = gettext_lazy("Usager·es et fréquentation")
ACTIVITIES = gettext_lazy("Activités")
HOSTING = gettext_lazy("Structures hébergées")
IMPACT = gettext_lazy("Impact")

QUESTIONS: tuple[Question, ...] = (
    Question(IDENTITY, gettext_lazy("Nom du tiers-lieu"), "place:name"),
    Question(IDENTITY, gettext_lazy("Adresse"), "place:full_address"),
    Question(IDENTITY, gettext_lazy("Code INSEE de la commune"), "place:insee_code"),
    Question(IDENTITY, gettext_lazy("SIRET de la structure porteuse"), "place:siret"),
    Question(IDENTITY, gettext_lazy("Site web"), "place:website"),
    Question(IDENTITY, gettext_lazy("Types d'activité du lieu"), "place:kinds"),
    Question(PREMISES, gettext_lazy("Surface totale (m²)"), "declared:surface_m2"),
    Question(
        PREMISES,
        gettext_lazy("Statut d'occupation du local (propriétaire, locataire, mise à disposition)"),
        "declared:premises_status",
    ),
    Question(
        PREMISES,
        gettext_lazy("Heures d'ouverture par semaine"),
        "indicator:opening_hours_per_week",
    ),
    Question(ECONOMY, gettext_lazy("Chiffre d'affaires annuel (€)"), "declared:revenue_eur"),
    Question(
        ECONOMY,
        gettext_lazy("Part des financements publics dans les produits (%)"),
        "declared:public_funding_pct",
    ),
    Question(
        ECONOMY, gettext_lazy("Nombre de salarié·es (équivalent temps plein)"), "declared:staff_fte"
    ),
    Question(ECONOMY, gettext_lazy("Nombre de bénévoles"), "declared:volunteers"),
    Question(USERS, gettext_lazy("Nombre de membres ou adhérent·es"), "indicator:active_members"),
    Question(USERS, gettext_lazy("Nouveaux membres dans l'année"), "indicator:new_members"),
    Question(USERS, gettext_lazy("Fréquentation : passages dans l'année"), "indicator:visits"),
    Question(
        USERS,
        gettext_lazy("Nombre de personnes différentes accueillies"),
        "indicator:unique_visitors",
    ),
    Question(
        USERS, gettext_lazy("Journées de travail sur place (postes occupés)"), "indicator:desk_days"
    ),
    Question(
        ACTIVITIES,
        gettext_lazy("Heures de réservation des espaces et machines"),
        "indicator:hours_booked",
    ),
    Question(
        ACTIVITIES, gettext_lazy("Événements organisés dans l'année"), "indicator:events_held"
    ),
    Question(
        ACTIVITIES, gettext_lazy("dont événements ouverts au public"), "indicator:public_events"
    ),
    Question(ACTIVITIES, gettext_lazy("Participant·es aux événements"), "indicator:attendance"),
    Question(ACTIVITIES, gettext_lazy("Formations dispensées"), "indicator:trainings_given"),
    Question(ACTIVITIES, gettext_lazy("Prêts d'objets ou de matériel"), "indicator:loans"),
    Question(
        ACTIVITIES,
        gettext_lazy("Échanges de services entre membres"),
        "indicator:exchanges_fulfilled",
    ),
    Question(
        HOSTING,
        gettext_lazy("Structures hébergées ou accompagnées"),
        "indicator:hosted_organisations",
    ),
    Question(HOSTING, gettext_lazy("Emplois des structures hébergées"), "indicator:jobs_hosted"),
    Question(HOSTING, gettext_lazy("Emplois créés depuis leur arrivée"), "indicator:jobs_created"),
    Question(IMPACT, gettext_lazy("Kilomètres de trajets domicile-travail évités"), "commuting:km"),
    Question(IMPACT, gettext_lazy("Émissions évitées (kg CO₂e)"), "commuting:kg"),
    Question(IMPACT, gettext_lazy("Décisions prises collectivement"), "indicator:decisions_taken"),
)


@dataclass(frozen=True)
class Answer:
    section: str
    question: str
    answer: Any
    source: str

    def cells(self) -> list[Any]:
        return [self.section, self.question, self.answer, self.source]


def header() -> list[str]:
    return [_("rubrique"), _("question"), _("réponse"), _("source")]


def _full_address(place: Place) -> str:
    return ", ".join(
        part for part in (place.address, f"{place.postal_code} {place.city}".strip()) if part
    )


def _kinds(place: Place) -> str:
    labels = dict(PlaceKind.choices)
    return ", ".join(
        str(labels.get(kind, kind)) for kind in place.kind_links.values_list("kind", flat=True)
    )


PLACE_ANSWERS: dict[str, Callable[[Place], Any]] = {
    "full_address": _full_address,
    "kinds": _kinds,
}


def _number(value: float | None) -> Any:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else round(value, 2)


def census_answers(place: Place, year: int) -> list[Answer]:
    """The census questions answered for `place` and `year` (four queries and the commuting
    computation): what Maillage computed, what the place declared, what its record says."""
    declaration = Declaration.objects.filter(place=place, year=year).first()
    values = dict(
        PlaceValue.objects.filter(place=place, period=str(year)).values_list("indicator", "value")
    )
    commuting = None
    computed = _("calculé par Maillage (%(year)s)") % {"year": year}
    declared = _("déclaré pour %(year)s") % {"year": year}
    record = _("fiche du lieu")
    missing = _("à compléter")
    answers = []
    for question in QUESTIONS:
        kind, name = question.source.split(":", 1)
        answer: Any = None
        source = missing
        if kind == "place":
            answer = PLACE_ANSWERS[name](place) if name in PLACE_ANSWERS else getattr(place, name)
            source = record if answer not in (None, "") else missing
        elif kind == "indicator":
            answer = _number(values.get(name))
            source = computed if answer is not None else missing
        elif kind == "declared":
            if declaration is not None:
                raw = getattr(declaration, name)
                if name == "premises_status":
                    answer = declaration.get_premises_status_display() if raw else None
                else:
                    answer = _number(float(raw)) if raw is not None else None
            if answer is not None:
                source = declared
            elif name == "surface_m2" and place.surface_m2:
                answer, source = place.surface_m2, record
        elif kind == "commuting":
            if commuting is None:
                months = commuting_avoided(
                    places=[place], start=date(year, 1, 1), end=date(year, 12, 31)
                ).months
                commuting = (
                    sum(month.km_avoided for month in months),
                    sum(month.kg_co2e_avoided for month in months),
                    bool(months),
                )
            if commuting[2]:
                answer = round(commuting[0] if name == "km" else commuting[1])
                source = computed
        answers.append(
            Answer(
                str(question.section), str(question.text), "" if answer is None else answer, source
            )
        )
    return answers
