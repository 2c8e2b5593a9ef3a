from django import forms
from django.utils.translation import gettext_lazy as _

from .services import SOURCE_MAX_LENGTH


class ImportUploadForm(forms.Form):
    """The upload form of the import page; the service validates the file itself."""

    file = forms.FileField(
        label=_("Fichier"),
        help_text=_(
            "CSV canonique (séparateur « , » ou « ; », UTF-8 ou Windows-1252), GeoJSON, CSV du "
            "schéma national « Lieux de médiation numérique », JSON des structures "
            "data·inclusion, ou extrait OpenStreetMap (.osm.pbf, .osm) : le format est reconnu "
            "d'après le contenu."
        ),
    )
    source = forms.CharField(
        label=_("Source"),
        max_length=SOURCE_MAX_LENGTH,
        help_text=_(
            "Nom de la provenance des données (ex. « reseau-na ») : réimporter sous la même "
            "source met à jour les lieux déjà importés."
        ),
    )
    dry_run = forms.BooleanField(
        label=_("Simulation : ne rien écrire, montrer ce qui changerait"), required=False
    )
    partial = forms.BooleanField(
        label=_("Import partiel : écrire les lignes valides même si d'autres sont rejetées"),
        required=False,
    )
