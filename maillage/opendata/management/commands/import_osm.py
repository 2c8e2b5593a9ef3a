"""`maillage import_osm FILE [--source osm] [--dry-run] [--partial] [--format text|json]`."""

from django.utils.translation import gettext as _

from maillage.opendata.services import ImportReport, import_osm
from maillage.places.formats.osm import OSM_SOURCE

from ..importing import ImportCommand


class Command(ImportCommand):
    help = _(
        "Importe les tiers-lieux d'un extrait OpenStreetMap (.osm.pbf ou .osm) : coworkings, "
        "hackerspaces, repair cafés… (table des attributs dans docs/data.md). Sortie 1 si un "
        "objet est rejeté ou si le fichier est illisible."
    )
    file_help = _("extrait .osm.pbf ou .osm")
    default_source = OSM_SOURCE
    source_help = _("nom de la source (osm par défaut) : la clé d'import est (source, id OSM)")
    file_errors_alone = True

    def import_file(self, **arguments) -> ImportReport:
        return import_osm(**arguments)
