"""`maillage import_places FILE --source NAME [--dry-run] [--partial] [--format text|json]`."""

from django.utils.translation import gettext as _

from maillage.opendata.services import ImportReport, import_places

from ..importing import ImportCommand


class Command(ImportCommand):
    help = _(
        "Importe des lieux depuis un CSV canonique, un GeoJSON, un CSV du schéma national, un "
        "JSON data·inclusion ou un extrait OpenStreetMap (détectés d'après le contenu). Sortie 1 "
        "si une ligne est rejetée ou si le fichier est illisible."
    )
    file_help = _("fichier CSV, GeoJSON, JSON data·inclusion ou extrait OSM")
    source_help = _("nom de la source : la clé d'import est (source, source_id)")

    def import_file(self, **arguments) -> ImportReport:
        return import_places(**arguments)
