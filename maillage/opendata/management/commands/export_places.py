"""`maillage export_places --format csv|geojson|jsonld|osm [--kind …] [--territory …] [--source …]`.

`osm`: GeoJSON whose properties are OpenStreetMap tags, for mappers to review (docs/data.md).
"""

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from maillage.opendata.selectors import iter_export_rows
from maillage.places.formats.canonical import iter_places_csv
from maillage.places.formats.geojson import place_feature
from maillage.places.formats.osm import osm_features
from maillage.places.formats.schemaorg import place_jsonld
from maillage.places.kinds import PlaceKind
from maillage.places.selectors import PlaceFilters
from maillage.territories.selectors import UnknownTerritory, resolve_territory


class Command(BaseCommand):
    help = _(
        "Exporte les lieux sur la sortie standard (CSV canonique, GeoJSON ou JSON-LD "
        "schema.org). L'export d'une source se réimporte sous cette source sans rien changer."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=("csv", "geojson", "jsonld", "osm"), default="csv")
        parser.add_argument(
            "--kind",
            action="append",
            default=[],
            choices=PlaceKind.values,
            help=_("type de lieu (répétable)"),
        )
        parser.add_argument("--territory", help=_("territoire : departement:64, region:75, 64445…"))
        parser.add_argument("--source", default="", help=_("seulement les lieux de cette source"))
        parser.add_argument(
            "--base-url",
            default="http://127.0.0.1:8000",
            help=_("adresse du site, pour les URL absolues du JSON-LD"),
        )

    def handle(self, *args, **options):
        territory = None
        if options["territory"]:
            try:
                territory = resolve_territory(options["territory"])
            except UnknownTerritory as exc:
                raise CommandError(str(exc)) from None
        filters = PlaceFilters(
            kinds=tuple(options["kind"]), territory=territory, source=options["source"]
        )
        rows = iter_export_rows(filters)
        if options["format"] == "csv":
            for chunk in iter_places_csv(rows):
                self.stdout.write(chunk, ending="")
        elif options["format"] == "osm":
            self._write_json_array(
                '{"type":"FeatureCollection","features":[', osm_features(rows), "]}"
            )
        elif options["format"] == "geojson":
            self._write_json_array(
                '{"type":"FeatureCollection","features":[', map(place_feature, rows), "]}"
            )
        else:
            base_url = options["base_url"]
            nodes = (
                {
                    key: value
                    for key, value in place_jsonld(row, base_url).items()
                    if key != "@context"
                }
                for row in rows
            )
            self._write_json_array('{"@context":"https://schema.org","@graph":[', nodes, "]}")

    def _write_json_array(self, opening: str, items, closing: str) -> None:
        """One JSON document written item by item, so that memory does not grow with it."""
        self.stdout.write(opening, ending="")
        for index, item in enumerate(items):
            separator = "," if index else ""
            self.stdout.write(separator + json.dumps(item, ensure_ascii=False), ending="")
        self.stdout.write(closing)
