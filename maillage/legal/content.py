"""What the trust pages state, kept as data so that the tests can hold the pages to it.

`PERSONAL_DATA` lists each kind of personal data Maillage keeps; each row names the section of
the personal-data export (`accounts.personal_data`) that hands it back to the person, and a test
fails when an app registers a section this table does not mention. `AUDITED_PAGES` are the pages
the browser suite checks with axe-core (tests/browser/test_accessibility.py): the accessibility
statement lists them, so it says exactly what was tested.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class DataRow:
    what: str
    why: str
    basis: str
    kept: str
    section: str | None  # the export section that returns it (None: part of the account itself)


CONTRACT = _("exécution du service demandé (RGPD, art. 6.1.b)")
INTEREST = _("intérêt légitime : la sécurité du service (RGPD, art. 6.1.f)")
CONSENT = _("consentement, retirable à tout moment (RGPD, art. 6.1.a)")
UNTIL_DELETED = _("tant que le compte existe ; supprimé avec lui")
ANONYMISED = _(
    "tant que le compte existe ; à sa suppression, la ligne reste sans nom pour les chiffres du "
    "lieu"
)

PERSONAL_DATA = [
    DataRow(
        _(
            "Compte : nom d'utilisateur, adresse électronique, mot de passe (chiffré), dates de "
            "connexion"
        ),
        _("vous identifier, vous écrire (confirmation, réservations, invitations)"),
        CONTRACT,
        UNTIL_DELETED,
        None,
    ),
    DataRow(
        _("Jetons d'API : nom, empreinte SHA-256, dates de création et de dernière utilisation"),
        _("permettre à vos programmes d'écrire en votre nom"),
        CONTRACT,
        UNTIL_DELETED,
        None,
    ),
    DataRow(
        _("Adhésions : lieu, formule, statut, message de demande, fiche d'annuaire"),
        _(
            "gérer votre adhésion et ce que vous devez au lieu ; l'annuaire ne montre que ce que "
            "vous acceptez d'y montrer"
        ),
        CONTRACT,
        ANONYMISED,
        "memberships",
    ),
    DataRow(
        _("Réservations et habilitations : ressource, horaires, note, formations suivies"),
        _("réserver sans double réservation, vérifier qu'une machine vous est ouverte"),
        CONTRACT,
        ANONYMISED,
        "bookings",
    ),
    DataRow(
        _("Agendas : adresse secrète de votre flux iCalendar"),
        _("afficher vos réservations dans votre agenda"),
        CONTRACT,
        UNTIL_DELETED,
        "calendar_feeds",
    ),
    DataRow(
        _("Présences : arrivées et départs dans un lieu, visibilité auprès des autres membres"),
        _("savoir qui est présent (sécurité, capacité) et compter la fréquentation"),
        CONTRACT,
        ANONYMISED,
        "checkins",
    ),
    DataRow(
        _(
            "Structures hébergées : rôle dans une structure, déclarations d'effectifs, "
            "déclaration de trajet domicile-travail"
        ),
        _(
            "suivre l'hébergement des structures ; le trajet sert aux chiffres de mobilité du "
            "territoire"
        ),
        CONSENT,
        _("tant que le compte existe ; le trajet est supprimé avec lui, le rôle reste sans nom"),
        "organisations",
    ),
    DataRow(
        _(
            "Gouvernance : participations aux votes, bulletins publics, commentaires, "
            "propositions suivies"
        ),
        _(
            "décider ensemble ; un bulletin secret n'est relié à personne et ne peut donc pas "
            "être exporté"
        ),
        CONTRACT,
        _(
            "tant que le compte existe ; à sa suppression, les participations restent comme "
            "décomptes anonymes et les commentaires sont effacés"
        ),
        "governance",
    ),
    DataRow(
        _(
            "Événements : inscriptions (nom et adresse des invité·es sans compte comprises), "
            "liste d'attente, présence, adresse secrète de votre agenda d'événements"
        ),
        _(
            "tenir les places sans surréservation, prévenir la personne suivante en liste "
            "d'attente, envoyer les rappels ; la présence compte la fréquentation du lieu"
        ),
        CONTRACT,
        _(
            "tant que le compte existe ; à sa suppression, l'inscription reste comme place "
            "anonyme, sans nom ni adresse"
        ),
        "event_registrations",
    ),
    DataRow(
        _(
            "Prêts d'objets et entraide : emprunts, réservations, annonces, messages relayés, "
            "banque de temps"
        ),
        _(
            "prêter sans prêter deux fois le même objet, prévenir la personne qui attend, "
            "relayer les réponses sans dévoiler les adresses, tenir les soldes de temps"
        ),
        CONTRACT,
        _(
            "tant que le compte existe ; à sa suppression, prêts et échanges restent sans nom "
            "(les soldes de la banque de temps restent justes), annonces et messages sont "
            "effacés"
        ),
        "sharing",
    ),
    DataRow(
        _("Journal d'audit : qui a créé, modifié ou supprimé quoi"),
        _("rendre compte des modifications de l'annuaire et des droits"),
        INTEREST,
        _("sans limite pour les faits ; votre nom et votre adresse en sont effacés avec le compte"),
        None,
    ),
    DataRow(
        _("Tentatives de connexion échouées : nom d'utilisateur, adresse IP, navigateur"),
        _("bloquer les attaques par essais de mots de passe"),
        INTEREST,
        _("une heure de blocage ; effacées à la connexion réussie suivante"),
        None,
    ),
    DataRow(
        _("Fichiers d'import déposés par les administrateurs"),
        _("importer des lieux ; le rapport d'import est conservé"),
        CONTRACT,
        _("supprimés à la fin de l'import, ou après le délai choisi par l'instance"),
        None,
    ),
]


@dataclass(frozen=True)
class AuditedPage:
    path: str
    label: str


AUDITED_PAGES = [
    AuditedPage("/", _("la carte")),
    AuditedPage("/lieux/", _("la liste des lieux et ses filtres")),
    AuditedPage("/lieux/<lieu>/", _("la page d'un lieu")),
    AuditedPage("/territoires/", _("l'index des territoires")),
    AuditedPage("/territoires/departement/64/", _("la page d'un territoire")),
    AuditedPage("/analyse/couverture/departement/64/", _("la couverture d'un territoire")),
    AuditedPage("/analyse/planifier/", _("la planification")),
    AuditedPage("/comptes/connexion/", _("la connexion")),
    AuditedPage("/comptes/inscription/", _("l'inscription")),
    AuditedPage("/comptes/jetons/", _("les jetons d'API")),
    AuditedPage("/mentions-legales/", _("les mentions légales")),
    AuditedPage("/donnees-personnelles/", _("les données personnelles")),
    AuditedPage("/accessibilite/", _("cette déclaration")),
    AuditedPage("/conditions-d-utilisation/", _("les conditions d'utilisation")),
    AuditedPage("/contact/", _("le contact")),
]
