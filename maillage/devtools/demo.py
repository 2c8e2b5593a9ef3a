"""Invented but plausible demo places, generated deterministically (issue 2 §7, docs/data.md).

No open list of French tiers-lieux can be downloaded from the machines that build Maillage, so
`maillage load_demo` fills the directory with about 150 invented places that make every screen
meaningful: dense around Pau (Pau Cité Multimédia is the anchor), across Nouvelle-Aquitaine, and
spread over France, overseas included, for national views.

The generation is a pure function of a fixed plan (which kinds in which commune, by INSEE code)
and of the communes' reference data: a `random.Random` seeded with a constant draws everything
else, and nothing depends on database ids or on the clock, so two runs give the same rows.
Rows are canonical CSV rows (the columns of `maillage import_places`), written under the source
`"demo"` with stable source ids, so a second load leaves every place unchanged.

Contact data is made safe to publish: websites and e-mails use the reserved `example.org`
domain, and telephone numbers come from the blocks ARCEP reserves for fiction
(01 99 00, 02 61 91, 03 53 01, 04 65 71, 05 36 49), which are never assigned to anyone.
"""

import csv
import io
import itertools
import math
import random
from collections.abc import Mapping
from dataclasses import dataclass

from django.db import transaction
from django.utils.text import slugify

from maillage.common.actors import SYSTEM
from maillage.common.geo import EARTH_RADIUS_KM
from maillage.opendata.services import import_places
from maillage.places.formats.canonical import CANONICAL_FIELDS
from maillage.places.models import Place
from maillage.places.services import delete_place
from maillage.territories.models import Territory

DEMO_SOURCE = "demo"
DEMO_SEED = 20131115  # any constant: the rows depend only on it, the plan and the communes
DEMO_NOTICE = "Lieu de démonstration (données inventées)."
PAU_INSEE_CODE = "64445"
PAU_CITE_MULTIMEDIA = "Pau Cité Multimédia"

# The plan: for each commune (INSEE code), one entry per place, giving its kinds (`a|b`), and
# optionally its status when it is not open. Kinds and places are chosen by hand so that every
# kind appears, at least six fablabs lie within 30 km of Pau, and rural areas are represented.
Entry = str | tuple[str, str]
PLAN: tuple[tuple[str, tuple[Entry, ...]], ...] = (
    # Pau and its surroundings (within 30 km): the dense core of the demo.
    (
        "64445",  # Pau
        (
            "coworking|incubator",
            "social_innovation_lab",
            "fablab",
            "makerspace",
            "repair_cafe|associative_cafe",
            "ressourcerie",
            "tool_library",
            "digital_inclusion",
            "digital_inclusion",
            "cultural",
            "cultural|food",
            "food",
            "associative_cafe",
            "connected_campus",
            "coworking",
            "telecentre",
            "other",
            ("coworking", "project"),
        ),
    ),
    ("64129", ("fablab", "cultural")),  # Billère
    ("64348", ("fablab|makerspace", "repair_cafe")),  # Lons
    ("64335", ("fablab", "ressourcerie", "coworking")),  # Lescar
    ("64284", ("food", "associative_cafe")),  # Jurançon
    ("64230", ("tool_library", "telecentre")),  # Gan
    ("64405", ("fablab", "coworking|telecentre")),  # Morlaàs
    ("64417", ("makerspace", "digital_inclusion")),  # Nay
    ("64519", ("incubator",)),  # Serres-Castet
    ("64269", ("repair_cafe",)),  # Idron
    ("64132", ("social_innovation_lab",)),  # Bizanos
    ("64393", ("telecentre|coworking", ("food", "project"))),  # Monein
    ("64061", ("fablab",)),  # Artix
    # The rest of the Pyrénées-Atlantiques.
    ("64102", ("coworking", "fablab", "cultural")),  # Bayonne
    ("64024", ("coworking|incubator", "repair_cafe")),  # Anglet
    ("64122", ("food",)),  # Biarritz
    ("64422", ("fablab", "associative_cafe")),  # Oloron-Sainte-Marie
    ("64430", ("telecentre", "tool_library")),  # Orthez
    ("64371", ("digital_inclusion|associative_cafe",)),  # Mauléon-Licharre
    ("64485", ("telecentre",)),  # Saint-Jean-Pied-de-Port
    ("64320", ("other",)),  # Laruns
    # Nouvelle-Aquitaine: prefectures, sub-prefectures and rural communes.
    (
        "33063",  # Bordeaux
        (
            "coworking",
            "fablab",
            "cultural",
            "food",
            "social_innovation_lab",
            "ressourcerie",
        ),
    ),
    ("33281", ("incubator|coworking",)),  # Mérignac
    ("33039", ("ressourcerie|repair_cafe",)),  # Bègles
    ("33243", ("coworking", "connected_campus")),  # Libourne
    ("33240", ("digital_inclusion",)),  # Lesparre-Médoc
    ("33036", ("associative_cafe",)),  # Bazas
    ("33352", ("tool_library",)),  # La Réole
    ("87085", ("fablab", "cultural", "digital_inclusion")),  # Limoges
    ("87064", ("cultural|other",)),  # Eymoutiers
    ("86194", ("coworking", "social_innovation_lab")),  # Poitiers
    ("86066", ("connected_campus",)),  # Châtellerault
    ("86165", ("telecentre",)),  # Montmorillon
    ("17300", ("coworking", "food")),  # La Rochelle
    ("17299", ("repair_cafe",)),  # Rochefort
    ("17415", ("cultural",)),  # Saintes
    ("17197", (("digital_inclusion", "closed"),)),  # Jonzac
    ("24322", ("coworking", "fablab")),  # Périgueux
    ("24037", ("ressourcerie",)),  # Bergerac
    ("24520", ("associative_cafe",)),  # Sarlat-la-Canéda
    ("24311", ("makerspace|telecentre",)),  # Nontron
    ("47001", ("coworking", "digital_inclusion")),  # Agen
    ("47323", ("fablab",)),  # Villeneuve-sur-Lot
    ("47157", ("connected_campus",)),  # Marmande
    ("47195", ("food",)),  # Nérac
    ("40192", ("coworking", "fablab")),  # Mont-de-Marsan
    ("40088", ("cultural",)),  # Dax
    ("40184", ("telecentre",)),  # Mimizan
    ("40282", ("tool_library",)),  # Saint-Sever
    ("16015", ("cultural", "incubator")),  # Angoulême
    ("16102", ("food",)),  # Cognac
    ("16292", (("telecentre", "project"),)),  # Ruffec
    ("79191", ("coworking", "social_innovation_lab")),  # Niort
    ("79202", ("fablab",)),  # Parthenay
    ("79174", ("repair_cafe|tool_library",)),  # Melle
    ("23096", ("connected_campus", "digital_inclusion")),  # Guéret
    ("23079", ("makerspace",)),  # Felletin
    ("19272", ("fablab",)),  # Tulle
    ("19031", ("coworking",)),  # Brive-la-Gaillarde
    ("19136", ("other",)),  # Meymac
    # The rest of France: large cities first, then rural areas and overseas.
    (
        "75056",  # Paris
        (
            "coworking",
            "fablab",
            "cultural",
            "ressourcerie",
            "social_innovation_lab",
            "incubator",
            "repair_cafe",
        ),
    ),
    ("13055", ("coworking", "cultural")),  # Marseille
    ("69123", ("makerspace", "food")),  # Lyon
    ("31555", ("fablab", "incubator")),  # Toulouse
    ("44109", ("ressourcerie",)),  # Nantes
    ("59350", ("social_innovation_lab",)),  # Lille
    ("67482", ("associative_cafe",)),  # Strasbourg
    ("35238", ("digital_inclusion",)),  # Rennes
    ("34172", ("coworking",)),  # Montpellier
    ("38185", ("fablab",)),  # Grenoble
    ("21231", ("coworking",)),  # Dijon
    ("63113", ("cultural",)),  # Clermont-Ferrand
    ("29019", ("fablab",)),  # Brest
    ("37261", ("tool_library",)),  # Tours
    ("76540", ("ressourcerie",)),  # Rouen
    ("54395", ("coworking",)),  # Nancy
    ("14118", ("digital_inclusion",)),  # Caen
    ("06088", ("incubator",)),  # Nice
    ("2A004", ("coworking",)),  # Ajaccio
    ("2B033", ("digital_inclusion",)),  # Bastia
    ("26113", ("cultural|food",)),  # Die
    ("46102", ("fablab",)),  # Figeac
    ("12145", ("coworking",)),  # Millau
    ("22113", ("makerspace",)),  # Lannion
    ("52269", ("telecentre",)),  # Langres
    ("04088", ("associative_cafe",)),  # Forcalquier
    ("48095", ("connected_campus",)),  # Mende
    ("15187", ("telecentre",)),  # Saint-Flour
    ("58062", ("digital_inclusion",)),  # Château-Chinon (Ville)
    ("34142", ("ressourcerie",)),  # Lodève
    ("12208", ("tool_library",)),  # Saint-Affrique
    ("36018", ("connected_campus",)),  # Le Blanc
    ("29046", ("food",)),  # Douarnenez
    ("65440", ("coworking",)),  # Tarbes
    ("65286", ("repair_cafe",)),  # Lourdes
    ("97411", ("coworking", "fablab")),  # Saint-Denis (La Réunion)
    ("97120", ("digital_inclusion",)),  # Pointe-à-Pitre
    ("97209", ("cultural",)),  # Fort-de-France
    ("97302", ("connected_campus",)),  # Cayenne
    ("97611", ("digital_inclusion",)),  # Mamoudzou
)
# The first places of Pau are in the business park that anchors the demo.
PAU_CITE_MULTIMEDIA_PLACES = 3


@dataclass(frozen=True)
class DemoCommune:
    """What the generator needs to know about a commune (from the territory table)."""

    code: str
    name: str
    latitude: float
    longitude: float
    postal_code: str
    population: int
    departement_code: str
    region_code: str


@dataclass(frozen=True)
class KindProfile:
    """What places of one kind are like: names, blurbs, opening hours, services, equipment."""

    names: tuple[str, ...]
    blurbs: tuple[str, ...]
    hours: tuple[str, ...]
    services: tuple[str, ...]
    equipment: tuple[str, ...]


# Names may use {city} and {de_city} ("de Pau", "d'Agen", "du Blanc"); blurbs may use {city}.
PROFILES: dict[str, KindProfile] = {
    "coworking": KindProfile(
        names=(
            "Le Comptoir partagé",
            "L'Escale coworking",
            "Cowork'{city}",
            "Le Bureau d'à côté",
            "La Passerelle",
            "Les Bureaux partagés {de_city}",
            "L'Atelier des indépendants",
            "Le Quai des possibles",
        ),
        blurbs=(
            "Espace de coworking au cœur de {city} : postes nomades, bureaux fermés et salles "
            "de réunion pour indépendants, télétravailleurs et petites équipes.",
            "Un plateau lumineux où travaillent une trentaine de coworkers à {city}, avec des "
            "petits-déjeuners mensuels pour se rencontrer.",
        ),
        hours=(
            "Mo-Fr 08:30-19:00; PH off",
            "Mo-Fr 09:00-18:00; Sa 10:00-13:00; PH off",
            "Mo-Fr 08:00-20:00; PH off",
        ),
        services=(
            "Poste de travail nomade",
            "Bureau fermé",
            "Location de salle",
            "Domiciliation",
            "Café-rencontres",
        ),
        equipment=("Visioconférence", "Fibre optique", "Imprimante", "Cabine téléphonique"),
    ),
    "telecentre": KindProfile(
        names=(
            "Télécentre {de_city}",
            "L'Antenne",
            "Le Relais numérique",
            "La Station de travail {de_city}",
        ),
        blurbs=(
            "Télécentre pour travailler près de chez soi plutôt que de faire la route : bureaux "
            "équipés et connexion très haut débit à {city}.",
            "Des bureaux à la journée ou au mois pour les salariés en télétravail et les "
            "entrepreneurs de {city} et des environs.",
        ),
        hours=("Mo-Fr 08:00-19:00; PH off", "Mo-Fr 08:30-18:30; PH off"),
        services=("Poste de travail nomade", "Bureau fermé", "Location de salle"),
        equipment=("Visioconférence", "Fibre optique", "Imprimante", "Vidéoprojecteur"),
    ),
    "fablab": KindProfile(
        names=(
            "Fab'{city}",
            "Le Fablab {de_city}",
            "L'Établi numérique",
            "La Fabrique",
            "Lab'Oratoire",
            "Le Labo des bidouilleurs",
            "Le Bazar des makers",
            "Atelier de fabrication numérique {de_city}",
        ),
        blurbs=(
            "Fablab ouvert à toutes et tous à {city} : on y apprend à modéliser, imprimer en 3D "
            "et découper au laser, accompagné par des bénévoles passionnés.",
            "Atelier de fabrication numérique de {city} : prototypage pour les entreprises, "
            "ateliers pour les scolaires et soirées ouvertes pour les curieux.",
        ),
        hours=(
            "Tu-Fr 14:00-19:00; Sa 10:00-17:00; PH off",
            "We 14:00-21:00; Th 17:00-21:00; Sa 10:00-18:00; PH off",
            "Mo-Fr 09:00-18:00; Sa 14:00-18:00; PH off",
        ),
        services=(
            "Formation",
            "Impression 3D",
            "Accompagnement de projets",
            "Open lab",
            "Ateliers enfants",
        ),
        equipment=(
            "Imprimante 3D",
            "Découpeuse laser",
            "Fraiseuse numérique",
            "Découpeuse vinyle",
            "Brodeuse numérique",
            "Scanner 3D",
            "Station de soudure électronique",
        ),
    ),
    "makerspace": KindProfile(
        names=(
            "L'Atelier partagé {de_city}",
            "La Menuiserie collective",
            "Les Mains dans le cambouis",
            "Le Hangar",
        ),
        blurbs=(
            "Atelier partagé de {city} : bois, métal et textile, avec des machines en accès "
            "libre après une formation à la sécurité.",
            "Un grand hangar où artisans, artistes et bricoleurs de {city} partagent leurs "
            "machines et leurs savoir-faire.",
        ),
        hours=("Tu,Th 18:00-22:00; Sa 14:00-19:00", "We-Sa 10:00-18:00; PH off"),
        services=("Atelier bois", "Accompagnement de projets", "Formation"),
        equipment=(
            "Établi",
            "Scie à ruban",
            "Perceuse à colonne",
            "Imprimante 3D",
            "Machine à coudre",
        ),
    ),
    "repair_cafe": KindProfile(
        names=(
            "Repair café {de_city}",
            "Le Tournevis solidaire",
            "Répare et partage",
            "Le Café bricole",
        ),
        blurbs=(
            "Une fois par mois, des bénévoles aident les habitants de {city} à réparer leurs "
            "objets plutôt que de les jeter : petit électroménager, vélos, vêtements.",
        ),
        hours=("Sa[1] 14:00-17:00", "Sa[3] 09:30-12:30", "We[2] 18:00-21:00"),
        services=("Réparation accompagnée", "Diagnostic électroménager", "Couture"),
        equipment=("Fer à souder", "Multimètre", "Machine à coudre"),
    ),
    "ressourcerie": KindProfile(
        names=(
            "La Ressourcerie {de_city}",
            "Trésors de récup",
            "La Recyclerie",
            "Le Grenier solidaire",
        ),
        blurbs=(
            "Ressourcerie de {city} : collecte, tri, réparation et revente à petit prix des "
            "objets dont les habitants n'ont plus besoin.",
        ),
        hours=(
            "We-Sa 10:00-12:30,14:00-18:00; PH off",
            "Tu-Sa 09:30-18:00; PH off",
        ),
        services=("Collecte d'objets", "Vente solidaire", "Ateliers de réemploi"),
        equipment=("Atelier de réparation", "Camion de collecte"),
    ),
    "tool_library": KindProfile(
        names=(
            "L'Outilthèque {de_city}",
            "La Boîte à outils",
            "L'Objethèque",
            "Prête-moi ta perceuse",
        ),
        blurbs=(
            "Outilthèque de {city} : pour une petite cotisation annuelle, les adhérents "
            "empruntent perceuses, escabeaux, appareils à raclette et tentes.",
        ),
        hours=("We 16:00-19:00; Sa 10:00-12:00", "Sa 09:00-12:00; We 17:00-19:00; Aug off"),
        services=("Prêt d'outils", "Prêt d'objets", "Ateliers bricolage"),
        equipment=("Perceuse", "Ponceuse", "Nettoyeur haute pression", "Remorque"),
    ),
    "digital_inclusion": KindProfile(
        names=(
            "Espace public numérique {de_city}",
            "Le Point numérique",
            "Connect'{city}",
            "La Maison du numérique",
        ),
        blurbs=(
            "Des conseillers numériques accompagnent les habitants de {city} dans leurs "
            "démarches en ligne et l'usage de l'ordinateur et du smartphone.",
            "Espace public numérique de {city} : accès libre aux ordinateurs, ateliers "
            "d'initiation et aide aux démarches administratives.",
        ),
        hours=(
            "Mo-Fr 09:00-12:00,13:30-17:00; PH off",
            "Tu-Fr 09:00-12:30,14:00-18:00; Sa 09:00-12:00; PH off",
        ),
        services=(
            "Accompagnement numérique",
            "Aide aux démarches en ligne",
            "Accès libre à internet",
            "Impression et numérisation",
        ),
        equipment=("Ordinateurs en libre accès", "Imprimante", "Scanner", "Tablettes"),
    ),
    "cultural": KindProfile(
        names=(
            "La Friche {de_city}",
            "La Bobine",
            "Le Local",
            "L'Usine à sons",
            "Le Théâtre de poche",
            "La Grange",
        ),
        blurbs=(
            "Tiers-lieu culturel installé dans une ancienne usine de {city} : résidences "
            "d'artistes, concerts, expositions et ateliers pour les familles.",
            "Une friche réinvestie par un collectif d'artistes de {city}, ouverte au public "
            "les soirs de programmation.",
        ),
        hours=("We-Su 14:00-23:00", "Th-Sa 18:00-01:00; Su 15:00-20:00"),
        services=("Résidence d'artistes", "Programmation culturelle", "Location de salle"),
        equipment=("Scène", "Sonorisation", "Studio d'enregistrement", "Vidéoprojecteur"),
    ),
    "food": KindProfile(
        names=(
            "La Cuisine partagée {de_city}",
            "Le Garde-manger",
            "La Table commune",
            "Les Jardins du coin",
        ),
        blurbs=(
            "Tiers-lieu nourricier de {city} : cuisine professionnelle partagée, épicerie "
            "solidaire et jardin cultivé par les habitants du quartier.",
        ),
        hours=(
            "Tu-Sa 11:30-14:30; Fr,Sa 19:00-22:30; PH off",
            "Mo-Fr 08:00-16:00; PH off",
        ),
        services=("Cuisine partagée", "Épicerie solidaire", "Jardin partagé", "Restauration"),
        equipment=("Cuisine professionnelle", "Chambre froide", "Four à pain"),
    ),
    "social_innovation_lab": KindProfile(
        names=("Le Labo des transitions", "Living lab {de_city}", "La Fabrique à projets"),
        blurbs=(
            "Laboratoire d'innovation sociale où habitants, associations et collectivité de "
            "{city} conçoivent ensemble des réponses aux besoins du territoire.",
        ),
        hours=("Mo-Th 09:30-17:30; PH off", "Mo-Fr 09:00-17:00; PH off"),
        services=("Accompagnement de projets", "Animation de réseau", "Formation"),
        equipment=("Vidéoprojecteur", "Visioconférence", "Tableau blanc interactif"),
    ),
    "incubator": KindProfile(
        names=("La Pépinière {de_city}", "L'Incubateur", "Le Booster", "Start'{city}"),
        blurbs=(
            "Incubateur et pépinière d'entreprises de {city} : hébergement à loyer modéré et "
            "accompagnement des créateurs pendant leurs trois premières années.",
        ),
        hours=("Mo-Fr 09:00-18:00; PH off", "Mo-Fr 08:30-18:30; PH off"),
        services=(
            "Incubation",
            "Hébergement d'entreprises",
            "Domiciliation",
            "Accompagnement de projets",
        ),
        equipment=("Visioconférence", "Fibre optique", "Vidéoprojecteur"),
    ),
    "connected_campus": KindProfile(
        names=("Campus connecté {de_city}", "Le Campus connecté", "L'Amphi connecté"),
        blurbs=(
            "Campus connecté : les étudiants de {city} suivent à distance une formation de "
            "l'enseignement supérieur, accompagnés par un tuteur, sans quitter leur territoire.",
        ),
        hours=("Mo-Fr 08:30-18:30; Aug off; PH off", "Mo-Fr 09:00-18:00; Jul-Aug off; PH off"),
        services=("Formation à distance", "Tutorat", "Poste de travail nomade"),
        equipment=("Visioconférence", "Ordinateurs en libre accès", "Fibre optique"),
    ),
    "associative_cafe": KindProfile(
        names=("Le Café des possibles", "Chez Nous", "Le Bistrot associatif", "La Causerie"),
        blurbs=(
            "Café associatif de {city} tenu par des bénévoles : un lieu pour se retrouver, "
            "jouer, débattre et écouter des concerts.",
        ),
        hours=("We-Su 10:00-19:00; PH off", "Tu-Sa 09:00-14:00,17:00-22:00"),
        services=("Restauration", "Programmation culturelle", "Jeux de société"),
        equipment=("Scène", "Sonorisation"),
    ),
    "other": KindProfile(
        names=("La Maison commune", "L'Auberge des communs", "Le Tiers-lieu {de_city}"),
        blurbs=(
            "Tiers-lieu polyvalent de {city} : un peu de tout, selon les envies des habitants "
            "qui le font vivre.",
        ),
        hours=("Mo-Fr 09:00-17:00; PH off", "We,Sa 10:00-18:00"),
        services=("Location de salle", "Accompagnement de projets"),
        equipment=("Vidéoprojecteur",),
    ),
}
STATUS_NOTES = {
    "project": "Le lieu est en projet : le collectif cherche encore son local.",
    "closed": "Le lieu a fermé ses portes ; sa fiche est conservée pour l'historique.",
}
STREETS = (
    "rue Victor-Hugo",
    "avenue Jean-Jaurès",
    "place de la République",
    "rue de la Gare",
    "rue des Écoles",
    "boulevard Gambetta",
    "rue Pasteur",
    "chemin du Moulin",
    "allée des Tilleuls",
    "rue de la Liberté",
    "place du Marché",
    "rue Jules-Ferry",
    "rue des Artisans",
    "quai des Tanneurs",
    "impasse des Ateliers",
)
# Legal forms in the proportions of the France Tiers-Lieux 2023 census (docs/data.md): 51 %
# associations, 19 % companies, 11 % local authorities, 7 % SCIC; the rest shared out.
LEGAL_FORM_WEIGHTS = {
    "association": 51,
    "company": 19,
    "local_authority": 11,
    "scic": 7,
    "scop": 3,
    "public_body": 3,
    "collective": 3,
    "university": 2,
    "other": 1,
}
# Kinds that a single kind of body runs: campuses are run with a university or a collectivity.
LEGAL_FORMS_FOR_KIND = {
    "connected_campus": {"local_authority": 3, "university": 2, "public_body": 1},
    "digital_inclusion": {"local_authority": 3, "association": 3, "public_body": 1},
}
WHEELCHAIR_WEIGHTS = {"yes": 55, "limited": 25, "no": 10, "": 10}
# ARCEP's numbers reserved for fiction, by the first digits of the geographic zone.
FICTION_PHONE_BLOCKS = {
    "01": "01 99 00",
    "02": "02 61 91",
    "03": "03 53 01",
    "04": "04 65 71",
    "05": "05 36 49",
}
# Telephone zone of each metropolitan région (Occitanie spans two zones, see below).
PHONE_ZONE_FOR_REGION = {
    "11": "01",
    "24": "02",
    "27": "03",
    "28": "02",
    "32": "03",
    "44": "03",
    "52": "02",
    "53": "02",
    "75": "05",
    "76": "05",
    "84": "04",
    "93": "04",
    "94": "04",
}
OCCITANIE_ZONE_04 = {"11", "30", "34", "48", "66"}


class MissingCommunes(LookupError):  # noqa: N818 - reads as a sentence: raise MissingCommunes
    """Communes of the demo plan are not in the territory table (territories not loaded)."""

    def __init__(self, codes: list[str]) -> None:
        super().__init__(", ".join(codes))
        self.codes = codes


def plan_communes() -> list[str]:
    """INSEE codes of the communes the demo places are in, in plan order."""
    return [code for code, _ in PLAN]


def demo_rows(*, communes: Mapping[str, DemoCommune]) -> list[dict[str, str]]:
    """The demo places as canonical CSV rows (every value a string), in a stable order.

    `communes` maps INSEE codes to their reference data and must hold every code of
    `plan_communes()`, else `MissingCommunes` is raised. The result depends on nothing else:
    two calls with the same communes return equal rows.
    """
    missing = [code for code in plan_communes() if code not in communes]
    if missing:
        raise MissingCommunes(missing)
    rng = random.Random(DEMO_SEED)  # noqa: S311 - reproducible demo data, not a secret
    used_names: set[str] = set()
    rows = []
    for code, entries in PLAN:
        commune = communes[code]
        for position, entry in enumerate(entries):
            kinds_spec, status = (entry, "open") if isinstance(entry, str) else entry
            at_cite = code == PAU_INSEE_CODE and position < PAU_CITE_MULTIMEDIA_PLACES
            rows.append(
                _row(
                    rng,
                    source_id=f"demo-{len(rows) + 1:03d}",
                    kinds=kinds_spec.split("|"),
                    status=status,
                    commune=commune,
                    at_cite=at_cite,
                    used_names=used_names,
                )
            )
    return rows


def _row(
    rng: random.Random,
    *,
    source_id: str,
    kinds: list[str],
    status: str,
    commune: DemoCommune,
    at_cite: bool,
    used_names: set[str],
) -> dict[str, str]:
    profiles = [PROFILES[kind] for kind in kinds]
    main = profiles[0]
    name = _unique_name(rng, main.names, commune.name, used_names)
    # A DNS label holds at most 63 characters.
    domain = slugify(name)[:40].strip("-") + ".example.org"
    latitude, longitude = _jitter(rng, commune)

    paragraphs = [DEMO_NOTICE, rng.choice(main.blurbs).format(city=commune.name)]
    paragraphs += [rng.choice(profile.blurbs).format(city=commune.name) for profile in profiles[1:]]
    if status in STATUS_NOTES:
        paragraphs.append(STATUS_NOTES[status])

    # Places that do not receive the public (yet, or any more) publish no hours; a few open
    # places publish none either, as in real directories.
    hours = rng.choice(main.hours)
    if status != "open" or rng.random() < 0.06:
        hours = ""

    services = _pick(rng, [label for profile in profiles for label in profile.services], 2, 4)
    equipment = _pick(rng, [label for profile in profiles for label in profile.equipment], 1, 4)
    legal_form = _weighted(rng, LEGAL_FORMS_FOR_KIND.get(kinds[0], LEGAL_FORM_WEIGHTS))
    # An informal collective has no SIRET; a few small structures leave it out.
    siret = "" if legal_form == "collective" or rng.random() < 0.1 else _siret(rng)

    address = (
        f"{PAU_CITE_MULTIMEDIA}, bâtiment {rng.choice('ABC')}"
        if at_cite
        else f"{rng.randint(1, 120)} {rng.choice(STREETS)}"
    )
    return {
        "source_id": source_id,
        "name": name,
        "kinds": "|".join(kinds),
        "status": status,
        "description": "\n\n".join(paragraphs),
        "address": address,
        "postal_code": commune.postal_code,
        "city": commune.name,
        "insee_code": commune.code,
        "latitude": f"{latitude:.5f}",
        "longitude": f"{longitude:.5f}",
        "opening_hours": hours,
        "website": f"https://{domain}",
        "email": f"contact@{domain}",
        "phone": _phone(rng, commune),
        "siret": siret,
        "legal_form": legal_form,
        "services": "|".join(services),
        "equipment": "|".join(equipment),
        "wheelchair": _weighted(rng, WHEELCHAIR_WEIGHTS),
        **_reception(source_id, kinds),
    }


def _reception(source_id: str, kinds: list[str]) -> dict[str, str]:
    """The national schema's closed lists of a place of digital inclusion (empty elsewhere).

    Drawn from a generator of the place's own, so that the other demo values stay as they were
    before these fields; one place in six is a bus (itinerant), one in twelve also fixed.
    """
    lists = dict.fromkeys(
        ("mobility", "audiences", "specific_support", "fees", "access_modes", "support_modes"), ""
    )
    if "digital_inclusion" not in kinds:
        return lists
    rng = random.Random(f"{DEMO_SEED}-{source_id}")  # noqa: S311 - reproducible demo data
    draw = rng.random()
    lists["mobility"] = "mobile" if draw < 1 / 12 else "fixed|mobile" if draw < 1 / 6 else "fixed"
    lists["fees"] = rng.choice(("free", "free", "free|free_conditional", "free_conditional|paid"))
    lists["access_modes"] = "|".join(
        _pick(rng, ["walk_in", "phone", "email", "online_booking"], 1, 3)
    )
    lists["support_modes"] = "|".join(
        _pick(rng, ["autonomous", "individual", "workshop", "remote"], 1, 3)
    )
    if rng.random() < 0.3:
        lists["audiences"] = rng.choice(("seniors", "youth|students", "families"))
    if rng.random() < 0.2:
        lists["specific_support"] = rng.choice(("illiteracy", "deafness|visual_impairment"))
    return lists


def _de(city: str) -> str:
    """French "de" before a commune name: de Pau, d'Agen, du Blanc, des Sables-d'Olonne."""
    if city.startswith("Le "):
        return "du " + city[3:]
    if city.startswith("Les "):
        return "des " + city[4:]
    if city[0] in "AEIOUYÉÈÊÂÎÔH":
        return "d'" + city
    return "de " + city


def _unique_name(rng: random.Random, names: tuple[str, ...], city: str, used: set[str]) -> str:
    """A name from the kind's list, not used elsewhere in the demo (the city disambiguates)."""
    options = [name.format(city=city, de_city=_de(city)) for name in rng.sample(names, len(names))]
    options += [f"{option} ({city})" for option in options if city not in option]
    fresh = [option for option in options if option not in used]
    numbered = (f"{options[0]} {number}" for number in itertools.count(2))
    name = fresh[0] if fresh else next(name for name in numbered if name not in used)
    used.add(name)
    return name


def _jitter(rng: random.Random, commune: DemoCommune) -> tuple[float, float]:
    """A point drawn uniformly in a disc around the commune centre, wider for larger towns."""
    radius_km = 2.5 if commune.population > 100_000 else 1.2 if commune.population > 20_000 else 0.5
    distance_km = radius_km * math.sqrt(rng.random())
    bearing = rng.uniform(0, 2 * math.pi)
    dlat = math.degrees(distance_km * math.cos(bearing) / EARTH_RADIUS_KM)
    dlon = math.degrees(
        distance_km
        * math.sin(bearing)
        / (EARTH_RADIUS_KM * math.cos(math.radians(commune.latitude)))
    )
    return commune.latitude + dlat, commune.longitude + dlon


def _pick(rng: random.Random, labels: list[str], low: int, high: int) -> list[str]:
    unique = list(dict.fromkeys(labels))
    return rng.sample(unique, min(len(unique), rng.randint(low, high)))


def _weighted(rng: random.Random, weights: Mapping[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _luhn_key(digits: str) -> int:
    """The digit that makes `digits` + key pass the Luhn check (as INSEE's SIREN and SIRET)."""
    total = 0
    for index, digit in enumerate(reversed(digits)):
        value = int(digit) * (1 if index % 2 else 2)
        total += value - 9 if value > 9 else value
    return (10 - total % 10) % 10


def _siret(rng: random.Random) -> str:
    """A Luhn-valid SIRET: a Luhn-valid SIREN, then an establishment number and its key."""
    # The SIREN is drawn above 400 000 000, so never La Poste's 356 000 000 (another rule).
    siren_body = str(rng.randint(40_000_000, 99_999_999))
    siren = siren_body + str(_luhn_key(siren_body))
    body = siren + f"{rng.randint(1, 99):04d}"
    return body + str(_luhn_key(body))


def _phone(rng: random.Random, commune: DemoCommune) -> str:
    """A number from ARCEP's fiction block of the commune's zone; none overseas."""
    zone = PHONE_ZONE_FOR_REGION.get(commune.region_code)
    if zone is None:
        return ""
    if commune.region_code == "76" and commune.departement_code in OCCITANIE_ZONE_04:
        zone = "04"
    number = rng.randrange(10_000)
    return f"{FICTION_PHONE_BLOCKS[zone]} {number // 100:02d} {number % 100:02d}"


def read_demo_communes() -> dict[str, DemoCommune]:
    """The communes of the plan, from the territory table (those missing are left out)."""
    communes = Territory.objects.filter(
        level=Territory.Level.COMMUNE, code__in=plan_communes(), latitude__isnull=False
    )
    return {
        commune.code: DemoCommune(
            code=commune.code,
            name=commune.name,
            latitude=commune.latitude,
            longitude=commune.longitude,
            postal_code=next(iter(commune.postal_code_list), ""),
            population=commune.population,
            departement_code=commune.departement_code,
            region_code=commune.region_code,
        )
        for commune in communes
    }


@dataclass(frozen=True)
class DemoLoadReport:
    """Counts of a demo load: the import's, and the demo places the plan no longer has."""

    created: int
    updated: int
    unchanged: int
    removed: int


class DemoRowsRejected(RuntimeError):  # noqa: N818 - reads as a sentence
    """The import refused generated rows: a bug in the generator, never a user's mistake."""


@transaction.atomic
def load_demo_places() -> DemoLoadReport:
    """Make the places of source "demo" equal to `demo_rows()`; a second run changes nothing.

    The rows go through `opendata.services.import_places` (upsert on source and source id,
    unchanged rows left untouched, `updated_at` included); demo places no longer in the plan
    are deleted. Raises MissingCommunes when the territories are not loaded.
    """
    rows = demo_rows(communes=read_demo_communes())
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CANONICAL_FIELDS)
    writer.writeheader()
    writer.writerows(rows)
    report = import_places(
        source=DEMO_SOURCE, stream=io.BytesIO(buffer.getvalue().encode()), actor=SYSTEM
    )
    if not report.succeeded:
        raise DemoRowsRejected(
            "; ".join(f"{e.line}: {e.field}: {e.message}" for e in report.errors)
        )
    stale = Place.objects.filter(source=DEMO_SOURCE).exclude(
        source_id__in=[row["source_id"] for row in rows]
    )
    removed = 0
    for place in stale:
        delete_place(actor=SYSTEM, place=place)
        removed += 1
    return DemoLoadReport(
        created=report.created,
        updated=report.updated,
        unchanged=report.unchanged,
        removed=removed,
    )
