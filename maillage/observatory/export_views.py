"""The downloads of the observatory: an area's figures as CSV, XLSX or a PDF report, a
place's census export, and the open-data file of public aggregates.

Thin: the area and the reader's rights are the pages' (`selectors.resolve_area`,
`selectors.area_figures`), so a download never shows more than the page: the public gets
territory and network figures with secrecy applied, a place's figures only reach the people
who see its page (others get 404).
"""

import json

from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from maillage.declarations.rules import can_read_declarations
from maillage.places.models import Place

from . import census, exports, reports, selectors
from .periods import BadPeriod, Period, parse_period

AREA_LEVELS = ("france", "region", "departement", "epci", "commune", "network", "place")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def _period(request: HttpRequest) -> Period:
    key = request.GET.get("periode", "")
    if not key:
        return Period("year", timezone.localdate().replace(month=1, day=1))
    try:
        return parse_period(key)
    except BadPeriod:
        raise Http404(_("Période inconnue : écrivez 2026, 2026-03 ou 2026-Q1.")) from None


def _attachment(response: HttpResponse, name: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _area(request: HttpRequest, level: str, code: str) -> selectors.Area:
    if level not in AREA_LEVELS:
        raise Http404(_("Niveau inconnu."))
    return selectors.resolve_area(level, code, user=request.user)


@require_GET
def area_download(request: HttpRequest, level: str, code: str, fmt: str) -> HttpResponse:
    """`/observatoire/telecharger/<level>/<code>/<csv|xlsx|pdf>/?periode=2026`."""
    area = _area(request, level, code)
    period = _period(request)
    stem = f"observatoire-{slugify(area.name) or area.code}-{period.key.lower()}"
    if fmt == "pdf":
        pdf = reports.report_pdf(area, period, user=request.user)
        return _attachment(HttpResponse(pdf, content_type=CONTENT_TYPES["pdf"]), f"{stem}.pdf")
    figures = selectors.area_figures(area, period, user=request.user)
    rows = exports.figure_rows(figures, period)
    if fmt == "csv":
        response = StreamingHttpResponse(
            exports.csv_chunks(rows), content_type=CONTENT_TYPES["csv"]
        )
        return _attachment(response, f"{stem}.csv")
    if fmt == "xlsx":
        data = exports.figures_xlsx(rows)
        return _attachment(HttpResponse(data, content_type=CONTENT_TYPES["xlsx"]), f"{stem}.xlsx")
    raise Http404(_("Format inconnu : csv, xlsx ou pdf."))


@require_GET
def census_download(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    """`/observatoire/recensement/<slug>/<csv|xlsx>/?annee=2025`: for the place's operators
    (it holds the declared revenue); 404 for anyone else."""
    place = Place.objects.filter(slug=slug).first()
    if place is None or not can_read_declarations(request.user, place):
        raise Http404(_("Lieu introuvable."))
    try:
        year = int(request.GET.get("annee") or timezone.localdate().year - 1)
    except ValueError:
        raise Http404(_("Année inconnue.")) from None
    answers = census.census_answers(place, year)
    stem = f"recensement-{place.slug}-{year}"
    table = [census.header(), *(answer.cells() for answer in answers)]
    if fmt == "csv":
        response = StreamingHttpResponse(
            exports.with_byte_order_mark(exports.iter_csv(table[0], table[1:])),
            content_type=CONTENT_TYPES["csv"],
        )
        return _attachment(response, f"{stem}.csv")
    if fmt == "xlsx":
        data = exports.xlsx_bytes([(_("Recensement"), table)])
        return _attachment(HttpResponse(data, content_type=CONTENT_TYPES["xlsx"]), f"{stem}.xlsx")
    raise Http404(_("Format inconnu : csv ou xlsx."))


def _open_period(key: str) -> Period:
    try:
        return parse_period(key)
    except BadPeriod:
        raise Http404(_("Période inconnue : écrivez 2026, 2026-03 ou 2026-Q1.")) from None


@require_GET
def open_data(request: HttpRequest) -> HttpResponse:
    """`/observatoire/donnees-ouvertes/`: the files, their licence, their columns."""
    year = timezone.localdate().year
    return render(
        request,
        "observatory/open_data.html",
        {
            "years": [str(y) for y in range(year, year - 3, -1)],
            "licence": exports.LICENCE,
            "columns": exports.open_data_header(),
            "section": "observatory",
        },
    )


@require_GET
def open_data_csv(request: HttpRequest, key: str) -> StreamingHttpResponse:
    period = _open_period(key)
    response = StreamingHttpResponse(
        exports.open_data_csv(period), content_type=CONTENT_TYPES["csv"]
    )
    response["Link"] = f'<{exports.LICENCE["path"]}>; rel="license"'
    return _attachment(response, f"{exports.OPEN_DATA_NAME}-{period.key.lower()}.csv")


@require_GET
def open_data_package(request: HttpRequest, key: str) -> HttpResponse:
    period = _open_period(key)
    url = request.build_absolute_uri(
        reverse("observatory_exports:open_data_csv", args=[period.key])
    )
    body = json.dumps(exports.datapackage(period, csv_url=url), ensure_ascii=False, indent=2)
    return HttpResponse(body, content_type="application/json; charset=utf-8")
