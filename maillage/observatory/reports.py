"""The activity report of a place, a territory or a network for a period, as a PDF
(WeasyPrint): the report a place sends to its funders.

It holds what the page shows, laid out for print: the key figures beside the parent
territory's, the monthly charts of the period (SVG from `maillage.stats.charts`, each with its
data table), every indicator's figure, the commuting avoided with its method (for a place), the
method notes of the catalogue and the secrecy rules applied. The figures are those the reader
may see (`selectors.area_figures`): a value secrecy hides from them is an empty cell, and the
report says how many cells were hidden.

`report_html` renders the HTML (tested on its own: it is what the PDF is made of);
`report_pdf` turns it into PDF bytes. The report's title (the area's name and the period) is
also the PDF's title in its metadata.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from maillage.declarations.commuting import commuting_avoided, method_note

from . import catalogue, selectors
from .charts import monthly_chart
from .periods import Period, periods_between

STYLESHEET = "observatory/report.css"
# The charts of the report: the figures a funder asks first.
CHART_CODES = ("active_members", "visits", "desk_days", "events_held")


@dataclass(frozen=True)
class ReportRow:
    code: str
    label: str
    unit: str
    value: float | None
    parent: float | None
    definition: str
    formula: str
    secrecy: str


def _charts(area: selectors.Area, period: Period, *, user) -> list[dict]:
    months = periods_between("month", period.start, period.end)
    if len(months) < 2:
        # A month alone is no series: show the twelve months up to it.
        months = periods_between(
            "month", date(period.start.year - 1, period.start.month, 1), period.end
        )[-12:]
    labels = [month.key for month in months]
    codes = [code for code in CHART_CODES if code in catalogue.BY_CODE]
    values = selectors.series(area, months, codes, user=user)
    return [
        monthly_chart(catalogue.BY_CODE[code], labels, values[code], width=620, height=200)
        for code in codes
    ]


def _commuting(area: selectors.Area, period: Period) -> dict | None:
    if area.level != "place":
        return None
    result = commuting_avoided(
        places=[area.obj], start=period.start, end=period.end - timedelta(days=1)
    )
    return {
        "km": sum(month.km_avoided for month in result.months),
        "kg": sum(month.kg_co2e_avoided for month in result.months),
        "desk_days": sum(month.desk_days for month in result.months),
        "method": method_note(result.assumptions),
    }


def report_context(area: selectors.Area, period: Period, *, user) -> dict:
    figures = selectors.area_figures(area, period, user=user)
    parent = selectors.parent_figures(area, period, user=user)
    rows = [
        ReportRow(
            indicator.code,
            str(indicator.label),
            # Shares are printed in per cent (the `figure` filter), so is their unit.
            "%" if indicator.unit == "share" else str(indicator.unit_label),
            figures.values.get(indicator.code),
            parent.values.get(indicator.code) if parent else None,
            str(indicator.definition),
            indicator.formula,
            indicator.secrecy_text,
        )
        for indicator in catalogue.published()
    ]
    undisguised = selectors.sees_undisguised(user, area)
    empty = sum(1 for row in rows if row.value is None)
    return {
        "area": area,
        "period": period,
        "figures": figures,
        "parent": parent,
        "rows": rows,
        "charts": _charts(area, period, user=user),
        "commuting": _commuting(area, period),
        "undisguised": undisguised,
        "empty_cells": empty,
        "secrecy_rules": [str(rule) for rule in catalogue.SECRECY_RULES],
        "generated_on": timezone.localdate(),
        "title": _("Rapport d'activité — %(name)s — %(period)s")
        % {"name": area.name, "period": period.key},
    }


def report_html(area: selectors.Area, period: Period, *, user) -> str:
    return render_to_string(
        "observatory/reports/report.html", report_context(area, period, user=user)
    )


def report_pdf(area: selectors.Area, period: Period, *, user) -> bytes:
    """The PDF of the report (WeasyPrint). Nothing is fetched: the charts are inline SVG and
    the stylesheet is read from the static files."""
    from weasyprint import CSS, HTML  # imported here: loading pango takes a moment

    html = report_html(area, period, user=user)
    stylesheet = finders.find(STYLESHEET)
    stylesheets = [CSS(filename=stylesheet)] if stylesheet else []
    return HTML(string=html, base_url=None).write_pdf(stylesheets=stylesheets)
