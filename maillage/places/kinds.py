"""Stable codes of the glossary: imports, exports and the API use them (see docs/glossary.md)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PlaceKind(models.TextChoices):
    COWORKING = "coworking", _("Espace de coworking")
    TELECENTRE = "telecentre", _("Télécentre")
    FABLAB = "fablab", _("Fablab")
    MAKERSPACE = "makerspace", _("Atelier partagé / makerspace")
    REPAIR_CAFE = "repair_cafe", _("Repair café")
    RESSOURCERIE = "ressourcerie", _("Ressourcerie / recyclerie")
    TOOL_LIBRARY = "tool_library", _("Outilthèque / objethèque")
    DIGITAL_INCLUSION = "digital_inclusion", _("Espace public numérique / médiation numérique")
    CULTURAL = "cultural", _("Tiers-lieu culturel")
    FOOD = "food", _("Tiers-lieu nourricier / cuisine partagée")
    SOCIAL_INNOVATION_LAB = (
        "social_innovation_lab",
        _("Laboratoire d'innovation sociale / living lab"),
    )
    INCUBATOR = "incubator", _("Incubateur / pépinière d'entreprises")
    CONNECTED_CAMPUS = "connected_campus", _("Campus connecté")
    ASSOCIATIVE_CAFE = "associative_cafe", _("Café associatif")
    OTHER = "other", _("Autre tiers-lieu")


# data·inclusion typology of each kind (None: no equivalent in that schema).
DATA_INCLUSION_TYPOLOGY: dict[str, str | None] = {
    "coworking": "TIERS_LIEUX",
    "telecentre": "TIERS_LIEUX",
    "fablab": "FABLAB",
    "makerspace": "FABLAB",
    "repair_cafe": None,
    "ressourcerie": "RESSOURCERIE",
    "tool_library": None,
    "digital_inclusion": "EPN",
    "cultural": "TIERS_LIEUX",
    "food": "TIERS_LIEUX",
    "social_innovation_lab": "TIERS_LIEUX",
    "incubator": None,
    "connected_campus": None,
    "associative_cafe": "TIERS_LIEUX",
    "other": "TIERS_LIEUX",
}


class PlaceStatus(models.TextChoices):
    PROJECT = "project", _("En projet")
    OPEN = "open", _("Ouvert")
    CLOSED = "closed", _("Fermé")


class LegalForm(models.TextChoices):
    ASSOCIATION = "association", _("Association")
    SCIC = "scic", _("SCIC")
    SCOP = "scop", _("SCOP")
    COMPANY = "company", _("Entreprise (SARL, SAS, SA…)")
    LOCAL_AUTHORITY = "local_authority", _("Collectivité")
    PUBLIC_BODY = "public_body", _("Établissement public")
    UNIVERSITY = "university", _("Université")
    COLLECTIVE = "collective", _("Collectif informel")
    OTHER = "other", _("Autre")


class Wheelchair(models.TextChoices):
    YES = "yes", _("Accessible en fauteuil roulant")
    LIMITED = "limited", _("Accès limité en fauteuil roulant")
    NO = "no", _("Non accessible en fauteuil roulant")


# What the national schema « Lieux de médiation numérique » says of a place with its closed
# lists (`formats.mednum` maps each code to the schema's value). Several codes may hold at once.
class Mobility(models.TextChoices):
    FIXED = "fixed", _("Lieu fixe")
    MOBILE = "mobile", _("Lieu itinérant (bus, camion…)")


class Audience(models.TextChoices):
    YOUTH = "youth", _("Jeunes")
    STUDENTS = "students", _("Étudiants")
    FAMILIES = "families", _("Familles et/ou enfants")
    SENIORS = "seniors", _("Seniors")
    WOMEN = "women", _("Femmes")


class SpecificSupport(models.TextChoices):
    DEAFNESS = "deafness", _("Surdité")
    MOTOR_DISABILITY = "motor_disability", _("Handicaps moteurs")
    MENTAL_DISABILITY = "mental_disability", _("Handicaps mentaux")
    ILLITERACY = "illiteracy", _("Illettrisme")
    ENGLISH = "english", _("Langues étrangères (anglais)")
    OTHER_LANGUAGES = "other_languages", _("Langues étrangères (autres)")
    VISUAL_IMPAIRMENT = "visual_impairment", _("Déficience visuelle")


class Fees(models.TextChoices):
    FREE = "free", _("Gratuit")
    FREE_CONDITIONAL = "free_conditional", _("Gratuit sous condition")
    PAID = "paid", _("Payant")


class AccessMode(models.TextChoices):
    WALK_IN = "walk_in", _("Se présenter")
    PHONE = "phone", _("Téléphoner")
    EMAIL = "email", _("Contacter par courriel")
    ONLINE_BOOKING = "online_booking", _("Prendre un rendez-vous en ligne")
    NO_PUBLIC = "no_public", _("Ce lieu n'accueille pas de public")
    PRESCRIPTION = "prescription", _("Envoyer un courriel avec une fiche de prescription")


class SupportMode(models.TextChoices):
    AUTONOMOUS = "autonomous", _("En autonomie")
    INDIVIDUAL = "individual", _("Accompagnement individuel")
    WORKSHOP = "workshop", _("Dans un atelier collectif")
    REMOTE = "remote", _("À distance")
