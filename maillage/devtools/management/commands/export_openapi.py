"""Print the OpenAPI document of /api/v1, the committed `maillage/openapi.json`.

maillage export_openapi > maillage/openapi.json
"""

import json

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import translation

from maillage.api import api


def openapi_document() -> str:
    """The OpenAPI document as stable text: sorted keys, two-space indent, final newline.

    Rendered in the default language, so the committed copy does not depend on the locale
    of whoever regenerates it.
    """
    with translation.override(settings.LANGUAGE_CODE):
        schema = api.get_openapi_schema()
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


class Command(BaseCommand):
    help = "Affiche le document OpenAPI de l'API (à enregistrer dans maillage/openapi.json)."

    def handle(self, *args, **options):
        self.stdout.write(openapi_document(), ending="")
