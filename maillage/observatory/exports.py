"""The downloads of an observatory page: CSV and XLSX of the figures of an area (territory,
network, place) for a period, with the secrecy the reader is owed, and the open-data file of
every public aggregate.

The figures come from `selectors.area_figures` (what the reader may see: a value secrecy hides
from them is None, and stays an empty cell here — never a zero, never the hidden number). One
row per area (the area itself, then its children) and indicator:

    niveau, code, nom, lieux, période, indicateur, libellé, unité, valeur

- CSV for people: UTF-8 with a byte-order mark (French Excel), every text cell neutralised
  against formula injection (`common.tabular`).
- XLSX (xlsxwriter): text is written with `write_string` and numbers with `write_number`, and
  the workbook is told not to turn strings into formulas or links: a place named `=1+1` stays
  text. A second sheet gives the method of each indicator and the secrecy rules.
- Open data (`open_data_rows`): every aggregate of a period that secrecy does not hide, for all
  territories and networks, under the Licence Ouverte 2.0 (Etalab), with a Data Package
  descriptor (`datapackage`) that names the licence and describes the columns.
"""

import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import xlsxwriter
from django.utils.translation import gettext as _

from maillage.common.tabular import iter_csv, with_byte_order_mark
from maillage.places.models import Network
from maillage.territories.models import Territory

from . import catalogue
from .models import AggregateValue
from .periods import Period
from .selectors import Figures

LICENCE = {
    "name": "etalab-2.0",
    "title": "Licence Ouverte / Open Licence version 2.0",
    "path": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
}
OPEN_DATA_NAME = "maillage-observatoire-agregats"
HIDDEN = None  # a value secrecy hides: an empty cell


def header() -> list[str]:
    return [
        _("niveau"),
        _("code"),
        _("nom"),
        _("lieux"),
        _("période"),
        _("indicateur"),
        _("libellé"),
        _("unité"),
        _("valeur"),
    ]


@dataclass(frozen=True)
class Row:
    level: str
    code: str
    name: str
    places: int
    period: str
    indicator: str
    label: str
    unit: str
    value: float | None

    def cells(self) -> list[Any]:
        return [
            self.level,
            self.code,
            self.name,
            self.places,
            self.period,
            self.indicator,
            self.label,
            self.unit,
            self.value,
        ]


def figure_rows(figures: Figures, period: Period) -> list[Row]:
    """The rows of `figures` (the area, then each child) for every published indicator."""
    indicators = catalogue.published()
    rows = []
    for area in [figures, *figures.children]:
        for indicator in indicators:
            rows.append(
                Row(
                    area.level,
                    area.code,
                    str(area.name),
                    area.places,
                    period.key,
                    indicator.code,
                    str(indicator.label),
                    str(indicator.unit_label),
                    area.values.get(indicator.code),
                )
            )
    return rows


def csv_chunks(rows: Iterable[Row]) -> Iterator[str]:
    """CSV text for people (byte-order mark, neutralised cells)."""
    return with_byte_order_mark(
        iter_csv(header(), (row.cells() for row in rows), rows_per_chunk=500)
    )


def method_rows() -> list[list[str]]:
    rows = [
        [
            _("indicateur"),
            _("libellé"),
            _("définition"),
            _("unité"),
            _("formule"),
            _("agrégation"),
            _("secret"),
        ]
    ]
    for indicator in catalogue.published():
        rows.append(
            [
                indicator.code,
                str(indicator.label),
                str(indicator.definition),
                str(indicator.unit_label),
                indicator.formula,
                indicator.aggregation,
                indicator.secrecy_text,
            ]
        )
    rows.append([])
    rows.append([_("Règles du secret statistique")])
    rows.extend([str(rule)] for rule in catalogue.SECRECY_RULES)
    return rows


def _write_cell(sheet, row: int, column: int, value: Any, fmt=None) -> None:
    if value is None:
        sheet.write_blank(row, column, None, fmt)
    elif isinstance(value, bool):
        sheet.write_boolean(row, column, value)
    elif isinstance(value, int | float):
        sheet.write_number(row, column, value, fmt)
    else:
        sheet.write_string(row, column, str(value), fmt)


def xlsx_bytes(sheets: Sequence[tuple[str, Sequence[Sequence[Any]]]]) -> bytes:
    """An XLSX workbook of `sheets` ((name, rows), the first row of each in bold). Strings are
    written as strings: never as formulas, links or numbers."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    bold = workbook.add_format({"bold": True})
    for name, rows in sheets:
        sheet = workbook.add_worksheet(name[:31])
        for row_index, row in enumerate(rows):
            for column, value in enumerate(row):
                _write_cell(sheet, row_index, column, value, bold if row_index == 0 else None)
        if rows:
            sheet.freeze_panes(1, 0)
    workbook.close()
    return buffer.getvalue()


def figures_xlsx(rows: Sequence[Row]) -> bytes:
    return xlsx_bytes(
        [
            (_("Chiffres"), [header(), *(row.cells() for row in rows)]),
            (_("Méthode"), method_rows()),
        ]
    )


# --- open data ----------------------------------------------------------------------------


def open_data_header() -> list[str]:
    return ["niveau", "code", "nom", "periode", "indicateur", "unite", "lieux", "valeur"]


def open_data_rows(period: Period) -> Iterator[list[Any]]:
    """Every aggregate of `period` as the public sees it (a hidden value is an empty cell),
    for every territory and network; three queries, streamed."""
    names = {
        (level, code): name
        for level, code, name in Territory.objects.values_list("level", "code", "name")
    }
    names.update(
        {("network", slug): name for slug, name in Network.objects.values_list("slug", "name")}
    )
    names[("france", "FR")] = "France"
    units = {indicator.code: indicator.unit for indicator in catalogue.published()}
    rows = (
        AggregateValue.objects.filter(period=period.key, indicator__in=list(units))
        .order_by("level", "code", "indicator")
        .values_list("level", "code", "indicator", "places", "value", "hidden")
        .iterator(chunk_size=5000)
    )
    for level, code, indicator, places, value, hidden in rows:
        yield [
            level,
            code,
            names.get((level, code), ""),
            period.key,
            indicator,
            units[indicator],
            places,
            HIDDEN if hidden else value,
        ]


def open_data_csv(period: Period) -> Iterator[str]:
    """The open-data CSV: UTF-8 without byte-order mark (for programs), neutralised cells."""
    return iter_csv(open_data_header(), open_data_rows(period), rows_per_chunk=2000)


def datapackage(period: Period, *, csv_url: str) -> dict:
    """The Data Package descriptor (frictionless) of the open-data file of `period`."""
    return {
        "name": f"{OPEN_DATA_NAME}-{period.key.lower()}",
        "title": "Observatoire des tiers-lieux — agrégats publics " + period.key,
        "description": (
            "Indicateurs des tiers-lieux agrégés par territoire (France, région, département, "
            "EPCI, commune) et par réseau, secret statistique appliqué : une valeur masquée est "
            "vide. Méthode : le catalogue des indicateurs de l'observatoire."
        ),
        "licenses": [LICENCE],
        "resources": [
            {
                "name": "agregats",
                "path": csv_url,
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "licenses": [LICENCE],
                "schema": {
                    "fields": [
                        {
                            "name": "niveau",
                            "type": "string",
                            "constraints": {
                                "enum": [c for c, _label in AggregateValue.Level.choices]
                            },
                        },
                        {"name": "code", "type": "string"},
                        {"name": "nom", "type": "string"},
                        {"name": "periode", "type": "string"},
                        {"name": "indicateur", "type": "string"},
                        {"name": "unite", "type": "string"},
                        {"name": "lieux", "type": "integer"},
                        {
                            "name": "valeur",
                            "type": "number",
                            "description": "vide quand le secret statistique masque la valeur",
                        },
                    ],
                    "primaryKey": ["niveau", "code", "periode", "indicateur"],
                },
            }
        ],
    }
