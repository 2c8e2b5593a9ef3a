"""The indicator catalogue: each indicator declared once, with its method and secrecy rule.

The catalogue page (`/observatoire/indicateurs/`) and `GET /api/v1/observatory/indicators`
publish every entry, so the method is public. An entry says:

- `kind`: `computed` (from the day-to-day data, by `source`, a function of `compute.py`),
  `declared` (filled in once a year by the place: the declared questionnaire adds its entries
  here, with `source=None`), or `distribution` (a breakdown, not a number: members' home
  communes, shown to the place's staff only);
- `aggregation`: how places combine into a territory or a network — `sum` (the places' values
  added), `mean` (their average), `weighted_mean` (numerators and denominators added, then
  divided: a rate over all the territory's hours, registrations…), `median`;
- `ratio`: whether the value is numerator / denominator;
- `over_time`: how a quarter or a year relates to its months — `additive` (the sum of the
  months: flows), `distinct` (computed directly over the period: people or items counted
  once), `stock` (a state during the period, not added up);
- `counts_people`: the value counts persons (the rule of 11 applies);
- `additive`: territories add up (France = its régions…): secondary suppression applies along
  the hierarchy (and over time when `over_time` is `additive`).

Secrecy (`SECRECY_RULES`, applied by `maillage.stats.secrecy.suppress`): a territory or network
figure built from fewer than 3 places, or where one place makes more than 85 % of the total, is
hidden; a count of people below 11 is hidden; then enough other cells are hidden that no hidden
value can be recovered by subtraction along the hierarchy or over time.
"""

from dataclasses import dataclass, field
from typing import Literal

from django.utils.functional import Promise, lazy
from django.utils.translation import gettext_lazy as _

from maillage.members.models import ResourceKind

from . import compute, declared


def _interpolate(text: Promise | str, values: dict) -> Promise:
    """`text % values`, translated when it is read (not at import)."""
    return lazy(lambda: str(text) % values, str)()


Kind = Literal["computed", "declared", "distribution"]
AggregationName = Literal["sum", "mean", "weighted_mean", "median"]
OverTime = Literal["additive", "distinct", "stock"]

MIN_PLACES = 3
DOMINANCE_SHARE = 0.85
MIN_PEOPLE = 11

SECRECY_RULES = (
    _interpolate(
        _(
            "Un chiffre de territoire ou de réseau calculé sur moins de %(places)d lieux n'est "
            "pas publié (règle des trois unités : INSEE, Guide du secret statistique)."
        ),
        {"places": MIN_PLACES},
    ),
    _interpolate(
        _(
            "Un chiffre dont un seul lieu représente plus de %(share)d %% du total n'est pas "
            "publié (règle de dominance de la statistique d'entreprise : INSEE, Guide du secret "
            "statistique)."
        ),
        {"share": round(DOMINANCE_SHARE * 100)},
    ),
    _interpolate(
        _(
            "Un nombre de personnes inférieur à %(people)d n'est pas publié (règle des 11 "
            "individus de la statistique publique, DGFiP et INSEE)."
        ),
        {"people": MIN_PEOPLE},
    ),
    _(
        "Secret secondaire : d'autres cases sont masquées pour qu'aucun chiffre masqué ne se "
        "déduise par soustraction des totaux publiés (région moins ses autres départements, "
        "année moins ses autres trimestres)."
    ),
    _(
        "Les chiffres d'un lieu ne sont montrés qu'à son équipe, aux coordinateur·rices de ses "
        "réseaux et aux administrateur·rices de l'instance."
    ),
)

UNITS: dict[str, Promise] = {
    "people": _("personnes"),
    "visits": _("passages"),
    "days": _("jours"),
    "hours": _("heures"),
    "share": _("part (0 à 1)"),
    "events": _("événements"),
    "registrations": _("inscriptions"),
    "trainings": _("formations"),
    "qualifications": _("habilitations"),
    "loans": _("prêts"),
    "items": _("objets"),
    "exchanges": _("échanges"),
    "organisations": _("structures"),
    "jobs": _("emplois"),
    "decisions": _("décisions"),
    "hours_per_week": _("heures par semaine"),
    "communes": _("communes"),
    "km": _("km"),
    "kg_co2e": _("kg CO₂e"),
    "euros": _("euros"),
    "fte": _("ETP"),
    "m2": _("m²"),
}


@dataclass(frozen=True)
class Indicator:
    code: str
    label: Promise | str
    definition: Promise | str
    unit: str
    formula: str
    reads: str
    theme: Promise | str
    source: compute.Source | None
    kind: Kind = "computed"
    aggregation: AggregationName = "sum"
    ratio: bool = False
    over_time: OverTime = "additive"
    counts_people: bool = False
    additive: bool = True
    tags: tuple[str, ...] = field(default=())

    @property
    def unit_label(self) -> Promise | str:
        return UNITS.get(self.unit, self.unit)

    @property
    def secrecy(self) -> str:
        """The secrecy rule of this indicator, as the API and the catalogue page state it:
        `places-dominance`, plus `people` for counts of people, plus `secondary` when it adds up
        along the hierarchy; `staff-only` for a distribution never published."""
        if self.kind == "distribution":
            return "staff-only"
        rules = ["places", "dominance"]
        if self.counts_people:
            rules.append("people")
        if self.additive:
            rules.append("secondary")
        return "+".join(rules)

    @property
    def secrecy_text(self) -> str:
        if self.kind == "distribution":
            return str(_("Montré à l'équipe du lieu seulement, jamais publié."))
        parts = [str(_("au moins 3 lieux, aucun au-delà de 85 % du total"))]
        if self.counts_people:
            parts.append(str(_("au moins 11 personnes")))
        if self.additive:
            parts.append(str(_("secret secondaire le long des territoires")))
        return " ; ".join(parts)


MEMBERS = _("Membres")
VISITS = _("Fréquentation")
BOOKINGS = _("Réservations")
EVENTS = _("Événements et formations")
SHARING = _("Partage")
HOSTING = _("Structures hébergées")
GOVERNANCE = _("Gouvernance")
PLACE = _("Le lieu")
IMPACT = _("Impact")
DECLARED = _("Déclaré par le lieu")

_KIND_LABELS = dict(ResourceKind.choices)


def _per_kind() -> list[Indicator]:
    entries = []
    for kind in ResourceKind.values:
        name = _KIND_LABELS[kind]
        entries.append(
            Indicator(
                f"hours_booked_{kind}",
                _interpolate(_("Heures réservées (%(kind)s)"), {"kind": name}),
                _("Heures réservées sur les ressources de ce type."),
                "hours",
                "Σ (fin − début) × places, réservations confirmées",
                "bookings.Booking, bookings.Resource.kind",
                BOOKINGS,
                compute.bookings,
            )
        )
        entries.append(
            Indicator(
                f"occupancy_rate_{kind}",
                _interpolate(_("Taux d'occupation (%(kind)s)"), {"kind": name}),
                _("Heures réservées rapportées aux heures réservables des ressources de ce type."),
                "share",
                "heures réservées / (heures réservables par semaine × jours / 7 × capacité)",
                "bookings.Booking, bookings.Resource",
                BOOKINGS,
                compute.bookings,
                aggregation="weighted_mean",
                ratio=True,
            )
        )
    return entries


INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "active_members",
        _("Membres actifs"),
        _("Personnes dont l'adhésion était en cours à un moment de la période."),
        "people",
        "nombre de personnes distinctes : début ≤ fin de période et (pas de fin ou fin ≥ début)",
        "members.Membership",
        MEMBERS,
        compute.members,
        over_time="stock",
        counts_people=True,
    ),
    Indicator(
        "new_members",
        _("Nouveaux membres"),
        _("Adhésions qui ont commencé pendant la période."),
        "people",
        "nombre d'adhésions dont la date de début tombe dans la période",
        "members.Membership",
        MEMBERS,
        compute.members,
        counts_people=True,
    ),
    Indicator(
        "visits",
        _("Passages"),
        _("Présences enregistrées et visiteurs comptés sans compte."),
        "visits",
        "présences (par jour d'arrivée) + Σ visiteurs comptés",
        "checkins.CheckIn, checkins.VisitorCount",
        VISITS,
        compute.checkins,
    ),
    Indicator(
        "unique_visitors",
        _("Visiteur·ses distinct·es"),
        _("Personnes distinctes ayant enregistré au moins une présence."),
        "people",
        "nombre de personnes distinctes parmi les présences de la période",
        "checkins.CheckIn",
        VISITS,
        compute.checkins,
        over_time="distinct",
        counts_people=True,
    ),
    Indicator(
        "desk_days",
        _("Journées de poste"),
        _("Jours de présence : une journée à partir de 4 h sur place, une demi-journée sinon."),
        "days",
        "Σ par personne et par jour (1 si présent·e ≥ 4 h, sinon 0,5) + pass journée",
        "checkins.CheckIn, checkins.VisitorCount",
        VISITS,
        compute.checkins,
    ),
    Indicator(
        "hours_booked",
        _("Heures réservées"),
        _("Heures réservées sur toutes les ressources du lieu."),
        "hours",
        "Σ (fin − début) × places, réservations confirmées, par mois de début",
        "bookings.Booking",
        BOOKINGS,
        compute.bookings,
    ),
    Indicator(
        "occupancy_rate",
        _("Taux d'occupation"),
        _("Heures réservées rapportées aux heures réservables de toutes les ressources."),
        "share",
        "heures réservées / (heures réservables par semaine × jours / 7 × capacité) ; les heures "
        "réservables viennent des horaires de la ressource, ou à défaut de ceux du lieu",
        "bookings.Booking, bookings.Resource, places.Place.opening_hours",
        BOOKINGS,
        compute.bookings,
        aggregation="weighted_mean",
        ratio=True,
    ),
    *_per_kind(),
    Indicator(
        "events_held",
        _("Événements tenus"),
        _("Événements non annulés qui ont commencé pendant la période."),
        "events",
        "nombre d'événements prévus (non annulés) par mois de début",
        "events.Event",
        EVENTS,
        compute.events,
    ),
    Indicator(
        "public_events",
        _("Événements ouverts à tous"),
        _("Événements tenus ouverts au public."),
        "events",
        "événements tenus dont la visibilité est « ouvert à tous »",
        "events.Event",
        EVENTS,
        compute.events,
    ),
    Indicator(
        "registrations",
        _("Inscriptions"),
        _("Inscriptions confirmées aux événements tenus."),
        "registrations",
        "inscriptions confirmées, par mois de l'événement",
        "events.Registration",
        EVENTS,
        compute.events,
        counts_people=True,
    ),
    Indicator(
        "attendance",
        _("Participant·es présent·es"),
        _("Inscriptions marquées présentes."),
        "people",
        "inscriptions confirmées dont la présence est « présent·e »",
        "events.Registration",
        EVENTS,
        compute.events,
        counts_people=True,
    ),
    Indicator(
        "attendance_rate",
        _("Taux de présence"),
        _("Présent·es rapporté·es aux inscriptions des événements dont la présence a été notée."),
        "share",
        "présent·es / inscriptions confirmées des événements où la présence a été relevée",
        "events.Registration",
        EVENTS,
        compute.events,
        aggregation="weighted_mean",
        ratio=True,
    ),
    Indicator(
        "trainings_given",
        _("Formations données"),
        _("Événements tenus qui donnent une habilitation."),
        "trainings",
        "événements tenus liés à une habilitation",
        "events.Event.qualification",
        EVENTS,
        compute.qualifications,
    ),
    Indicator(
        "qualifications_granted",
        _("Habilitations attribuées"),
        _("Habilitations attribuées pendant la période (retirées depuis ou non)."),
        "qualifications",
        "attributions dont la date tombe dans la période",
        "bookings.QualificationGrant",
        EVENTS,
        compute.qualifications,
    ),
    Indicator(
        "loans",
        _("Prêts d'objets"),
        _("Prêts commencés pendant la période."),
        "loans",
        "nombre de prêts par jour d'emprunt",
        "sharing.Loan",
        SHARING,
        compute.sharing,
    ),
    Indicator(
        "items_lent",
        _("Objets prêtés"),
        _("Objets distincts prêtés au moins une fois."),
        "items",
        "nombre d'objets distincts parmi les prêts de la période",
        "sharing.Loan",
        SHARING,
        compute.sharing,
        over_time="distinct",
    ),
    Indicator(
        "borrowers",
        _("Emprunteur·ses"),
        _("Personnes distinctes ayant emprunté un objet."),
        "people",
        "nombre de personnes distinctes parmi les prêts de la période",
        "sharing.Loan",
        SHARING,
        compute.sharing,
        over_time="distinct",
        counts_people=True,
    ),
    Indicator(
        "catalogue_share",
        _("Part du catalogue utilisée"),
        _("Objets prêtés rapportés aux objets proposés au prêt."),
        "share",
        "objets distincts prêtés / objets proposés au prêt à la fin de la période",
        "sharing.Loan, sharing.Item",
        SHARING,
        compute.sharing,
        aggregation="weighted_mean",
        ratio=True,
        over_time="distinct",
    ),
    Indicator(
        "exchanges_fulfilled",
        _("Échanges réalisés"),
        _("Offres et demandes du lieu marquées réalisées."),
        "exchanges",
        "offres et demandes à l'état « réalisée », par jour de leur dernière modification",
        "sharing.Post",
        SHARING,
        compute.sharing,
    ),
    Indicator(
        "hours_exchanged",
        _("Heures échangées"),
        _(
            "Heures transférées dans la banque de temps du lieu, et dans celle d'un réseau au "
            "lieu de la personne qui a donné le temps."
        ),
        "hours",
        "Σ minutes des transferts / 60 ; un transfert d'une banque de réseau compte au lieu du "
        "réseau dont la personne créditée était membre ce jour-là (l'adhésion la plus ancienne, "
        "puis le plus petit id de lieu)",
        "sharing.TimeTransfer",
        SHARING,
        compute.sharing,
    ),
    Indicator(
        "hosted_organisations",
        _("Structures hébergées"),
        _("Structures hébergées à un moment de la période."),
        "organisations",
        "hébergements en cours pendant la période",
        "organisations.Hosting",
        HOSTING,
        compute.organisations,
        over_time="stock",
    ),
    Indicator(
        "jobs_hosted",
        _("Emplois hébergés"),
        _("Emplois des structures hébergées, d'après leur dernière déclaration."),
        "jobs",
        "Σ emplois de la dernière déclaration avant la fin de la période",
        "organisations.Hosting, organisations.HeadcountDeclaration",
        HOSTING,
        compute.organisations,
        over_time="stock",
    ),
    Indicator(
        "jobs_created",
        _("Emplois créés depuis l'accueil"),
        _("Emplois gagnés par les structures hébergées depuis le début de leur hébergement."),
        "jobs",
        "Σ (dernière déclaration − première déclaration depuis le début de l'hébergement)",
        "organisations.Hosting, organisations.HeadcountDeclaration",
        HOSTING,
        compute.organisations,
        over_time="stock",
    ),
    *(
        Indicator(
            f"survival_{years}y",
            _interpolate(_("Hébergements en cours après %(years)d an(s)"), {"years": years}),
            _interpolate(
                _(
                    "Part des hébergements toujours en cours %(years)d an(s) après leur début "
                    "(Kaplan–Meier)."
                ),
                {"years": years},
            ),
            "share",
            "estimateur de Kaplan–Meier sur les hébergements commencés avant la fin de la "
            "période, ceux encore en cours censurés ; territoires : moyenne pondérée par le "
            "nombre d'hébergements",
            "organisations.Hosting",
            HOSTING,
            compute.organisations,
            aggregation="weighted_mean",
            ratio=True,
            over_time="stock",
            additive=False,
        )
        for years in compute.SURVIVAL_YEARS
    ),
    Indicator(
        "decisions_taken",
        _("Décisions prises"),
        _("Propositions adoptées ou rejetées par les instances du lieu."),
        "decisions",
        "propositions adoptées ou rejetées, par jour de décision",
        "governance.Proposal",
        GOVERNANCE,
        compute.governance,
    ),
    Indicator(
        "participation_rate",
        _("Taux de participation aux votes"),
        _("Votant·es rapporté·es aux électeur·rices des votes clos."),
        "share",
        "participations / électeur·rices, votes clos pendant la période",
        "governance.Participation, governance.Elector",
        GOVERNANCE,
        compute.governance,
        aggregation="weighted_mean",
        ratio=True,
    ),
    Indicator(
        "opening_hours_per_week",
        _("Heures d'ouverture par semaine"),
        _("Heures d'ouverture hebdomadaires d'après les horaires du lieu."),
        "hours_per_week",
        "durée des plages de la semaine type des horaires (format OpenStreetMap)",
        "places.Place.opening_hours",
        PLACE,
        compute.opening,
        aggregation="mean",
        over_time="stock",
        additive=False,
    ),
    Indicator(
        "home_communes",
        _("Communes de résidence des membres"),
        _("Communes où habitent les membres actifs qui l'ont déclarée."),
        "communes",
        "membres actifs par commune de résidence déclarée",
        "organisations.CommutingDeclaration.home_commune, members.Membership",
        MEMBERS,
        None,
        kind="distribution",
        over_time="stock",
        counts_people=True,
        additive=False,
    ),
    # Commuting avoided and the yearly declaration: sources in declared.py (obsrep).
    Indicator(
        "commuting_km_avoided",
        _("Kilomètres de trajets évités"),
        _(
            "Trajets domicile-travail évités par les membres qui télétravaillent au lieu, nets "
            "du trajet jusqu'au lieu."
        ),
        "km",
        "Σ jours de présence × 2 × détour × (d(domicile, employeur) − d(domicile, lieu))",
        "organisations.CommutingDeclaration, checkins.CheckIn",
        IMPACT,
        declared.commuting,
    ),
    Indicator(
        "commuting_kg_co2e_avoided",
        _("Émissions évitées (kg CO₂e)"),
        _("Les kilomètres évités multipliés par le facteur d'émission ADEME du mode déclaré."),
        "kg_co2e",
        "Σ km évités × facteur d'émission du mode (kg CO₂e par km, ADEME Base Carbone)",
        "organisations.CommutingDeclaration, checkins.CheckIn",
        IMPACT,
        declared.commuting,
    ),
    Indicator(
        "declared_revenue_eur",
        _("Chiffre d'affaires déclaré"),
        _("Le chiffre d'affaires de l'année, déclaré par le lieu."),
        "euros",
        "déclaration annuelle",
        "declarations.Declaration.revenue_eur",
        DECLARED,
        declared.declarations,
        kind="declared",
        over_time="stock",
    ),
    Indicator(
        "declared_public_funding_share",
        _("Part des financements publics"),
        _("La part publique du chiffre d'affaires déclaré (pondérée par le chiffre d'affaires)."),
        "share",
        "Σ chiffre d'affaires × part publique / Σ chiffre d'affaires",
        "declarations.Declaration.public_funding_pct, revenue_eur",
        DECLARED,
        declared.declarations,
        kind="declared",
        aggregation="weighted_mean",
        ratio=True,
        over_time="stock",
    ),
    Indicator(
        "declared_staff_fte",
        _("Salarié·es (ETP) déclaré·es"),
        _("Les salarié·es du lieu en équivalent temps plein, déclaré·es pour l'année."),
        "fte",
        "déclaration annuelle",
        "declarations.Declaration.staff_fte",
        DECLARED,
        declared.declarations,
        kind="declared",
        over_time="stock",
    ),
    Indicator(
        "declared_volunteers",
        _("Bénévoles déclaré·es"),
        _("Les bénévoles réguliers du lieu, déclaré·es pour l'année."),
        "people",
        "déclaration annuelle",
        "declarations.Declaration.volunteers",
        DECLARED,
        declared.declarations,
        kind="declared",
        over_time="stock",
        counts_people=True,
    ),
    Indicator(
        "declared_surface_m2",
        _("Surface déclarée"),
        _("La surface du lieu, déclarée pour l'année."),
        "m2",
        "déclaration annuelle",
        "declarations.Declaration.surface_m2",
        DECLARED,
        declared.declarations,
        kind="declared",
        over_time="stock",
    ),
)

BY_CODE: dict[str, Indicator] = {indicator.code: indicator for indicator in INDICATORS}


def computed() -> list[Indicator]:
    """The indicators the computation stores, in catalogue order: those computed from the
    data, and the declared ones (read from the yearly declarations by their source)."""
    return [indicator for indicator in INDICATORS if indicator.source is not None]


def published() -> list[Indicator]:
    """The indicators that have a value per place and period (computed and declared)."""
    return [indicator for indicator in INDICATORS if indicator.kind != "distribution"]


def key_figures() -> list[Indicator]:
    """The figures the pages show first."""
    codes = (
        "active_members",
        "visits",
        "desk_days",
        "occupancy_rate",
        "events_held",
        "loans",
        "hosted_organisations",
        "jobs_hosted",
    )
    return [BY_CODE[code] for code in codes]
