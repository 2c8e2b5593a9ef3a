"""`maillage export_places --format csv|geojson|jsonld|osm|mednum|data-inclusion-structures|…
[--kind …] [--territory …] [--source …]`.

Standard output carries the file only; standard error the licence and attribution of the
export (`places.formats.licensing`) and, for the national schemas, one line per place left out
with why (`Lieu omis : …`), so that nothing is dropped silently.

`osm`: GeoJSON whose properties are OpenStreetMap tags, for mappers to review (docs/data.md).
"""

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from maillage.opendata.selectors import iter_export_rows
from maillage.places.formats import datainclusion, licensing, mednum
from maillage.places.formats.canonical import iter_places_csv
from maillage.places.formats.geojson import place_feature
from maillage.places.formats.osm import osm_features
from maillage.places.formats.schemaorg import place_jsonld
from maillage.places.kinds import PlaceKind
from maillage.places.selectors import PlaceFilters, filter_places
from maillage.territories.selectors import UnknownTerritory, resolve_territory

FORMATS = (
    "csv",
    "geojson",
    "jsonld",
    "osm",
    "mednum",
    datainclusion.STRUCTURE_FORMAT,
    datainclusion.SERVICE_FORMAT,
)


class Command(BaseCommand):
    help = _(
        "Exporte les lieux sur la sortie standard (CSV canonique, GeoJSON, JSON-LD schema.org, "
        "schéma national des lieux de médiation numérique, structures et services "
        "data·inclusion). L'export d'une source se réimporte sous cette source sans rien changer."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=FORMATS, default="csv")
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
            help=_("adresse du site, pour les URL absolues du JSON-LD et de data·inclusion"),
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
        sources = list(filter_places(filters).values_list("source", flat=True).distinct())
        base_url = options["base_url"]
        file_format = options["format"]
        rows = iter_export_rows(filters, fields=mednum.ROW_FIELDS)
        omitted: list[mednum.Omission] = []
        if file_format == "csv":
            for chunk in iter_places_csv(rows):
                self.stdout.write(chunk, ending="")
        elif file_format == "osm":
            self._write_json_array(
                '{"type":"FeatureCollection","features":[', osm_features(rows), "]}"
            )
        elif file_format == "geojson":
            meta = licensing.licence_document(sources)
            closing = (
                '],"licence":'
                + json.dumps(meta["licence"], ensure_ascii=False)
                + ',"attribution":'
                + json.dumps(meta["attribution"], ensure_ascii=False)
                + "}"
            )
            self._write_json_array(
                '{"type":"FeatureCollection","features":[', map(place_feature, rows), closing
            )
        elif file_format == "jsonld":
            nodes = (
                {
                    key: value
                    for key, value in place_jsonld(row, base_url).items()
                    if key != "@context"
                }
                for row in rows
            )
            licence = licensing.current_licence()
            closing = (
                f'],"license":{json.dumps(licence.url)},"creditText":'
                + json.dumps(licensing.attribution(sources), ensure_ascii=False)
                + "}"
            )
            self._write_json_array('{"@context":"https://schema.org","@graph":[', nodes, closing)
        elif file_format == "mednum":
            records = mednum.mednum_records(rows, on_omitted=omitted.append)
            for chunk in mednum.iter_mednum_csv(records):
                self.stdout.write(chunk, ending="")
        elif file_format == datainclusion.STRUCTURE_FORMAT:
            records = datainclusion.structure_records(rows, base_url, on_omitted=omitted.append)
            self._write_json_array("[", records, "]")
        else:
            self._write_json_array("[", datainclusion.service_records(rows, base_url), "]")
        for omission in omitted:
            self.stderr.write(omission.line())
        if omitted:
            self.stderr.write(_("%d lieu(x) omis de l'export.") % len(omitted))
        self.stderr.write(licensing.licence_note(sources))

    def _write_json_array(self, opening: str, items, closing: str) -> None:
        """One JSON document written item by item, so that memory does not grow with it."""
        self.stdout.write(opening, ending="")
        for index, item in enumerate(items):
            separator = "," if index else ""
            self.stdout.write(separator + json.dumps(item, ensure_ascii=False), ending="")
        self.stdout.write(closing)
