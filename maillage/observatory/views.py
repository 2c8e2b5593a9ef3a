"""The observatory pages: France, a territory, a network, a place, and the catalogue.

Thin: the selectors read the stored figures (a fixed number of queries per page), the charts
come from `maillage.stats.charts` (SVG, each with its data table), the map from `maps.py`.
"""

from datetime import date

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from maillage.places.models import Place

from . import catalogue, rules, selectors
from .charts import monthly_chart
from .maps import proportional_symbols
from .periods import BadPeriod, Period, last_months, parse_period

SERIES_MONTHS = 36
MAP_INDICATOR = "visits"


def _period(request: HttpRequest) -> Period:
    key = request.GET.get("periode", "")
    if key:
        try:
            return parse_period(key)
        except BadPeriod:
            raise Http404(_("Période inconnue : écrivez 2026, 2026-03 ou 2026-Q1.")) from None
    return Period("year", date(timezone.localdate().year, 1, 1))


def _charts(area: selectors.Area, *, user) -> list[dict]:
    months = last_months(timezone.localdate(), SERIES_MONTHS)
    labels = [month.key for month in months]
    indicators = catalogue.key_figures()
    values = selectors.series(area, months, [i.code for i in indicators], user=user)
    return [monthly_chart(indicator, labels, values[indicator.code]) for indicator in indicators]


def _map(figures: selectors.Figures) -> str:
    indicator = catalogue.BY_CODE[MAP_INDICATOR]
    points = [
        (child.name, child.latitude, child.longitude, child.values.get(MAP_INDICATOR))
        for child in figures.children
    ]
    return mark_safe(  # noqa: S308 - maps.py escapes every name it writes
        proportional_symbols(
            points,
            title=_("%(indicator)s : carte de %(area)s")
            % {"indicator": indicator.label, "area": figures.name},
            desc=_(
                "Un cercle par territoire, de surface proportionnelle à la valeur ; le tableau "
                "qui suit donne les mêmes chiffres."
            ),
        )
    )


def _communes_outlines_url(area: selectors.Area, figures: selectors.Figures) -> str:
    """One request for the outlines of an EPCI's communes (the map's script fetches each
    other child territory's outline from its row): no query, the territories are read."""
    if figures.children and figures.children[0].level == "commune" and area.level == "epci":
        return f"/api/v1/territories/{area.level}/{area.code}/communes/outlines"
    return ""


def _render_area(
    request: HttpRequest, area: selectors.Area, *, template="observatory/area.html", extra=None
):
    period = _period(request)
    user = request.user
    figures = selectors.area_figures(area, period, user=user)
    parent = selectors.parent_figures(area, period, user=user)
    year = timezone.localdate().year
    context = {
        "area": area,
        "period": period,
        "periods": [str(y) for y in range(year, year - 3, -1)],
        "figures": figures,
        "parent": parent,
        "key_figures": catalogue.key_figures(),
        "indicators": catalogue.published(),
        "charts": _charts(area, user=user),
        "map_svg": _map(figures) if figures.children and area.level != "place" else "",
        "map_indicator": catalogue.BY_CODE[MAP_INDICATOR],
        "communes_outlines_url": _communes_outlines_url(area, figures),
        "undisguised": selectors.sees_undisguised(user, area),
        "section": "observatory",
        **(extra or {}),
    }
    return render(request, template, context)


def index(request: HttpRequest) -> HttpResponse:
    """France: the key figures, the régions, the networks."""
    area = selectors.resolve_area("france", "FR")
    return _render_area(request, area, extra={"networks": selectors.networks_with_figures()})


def territory(request: HttpRequest, level: str, code: str) -> HttpResponse:
    if level not in selectors.TERRITORY_LEVELS:
        raise Http404(_("Niveau inconnu."))
    area = selectors.resolve_area(level, code)
    return _render_area(request, area)


def network(request: HttpRequest, slug: str) -> HttpResponse:
    area = selectors.resolve_area("network", slug)
    return _render_area(request, area)


def place(request: HttpRequest, slug: str) -> HttpResponse:
    """A place's own figures: for its staff, its networks' coordinators and instance
    administrators; 404 for anyone else (a single place's figures are never public)."""
    found = get_object_or_404(Place, slug=slug)
    if not rules.can_see_place_figures(request.user, found):
        raise Http404(_("Lieu introuvable, ou ses chiffres ne vous sont pas ouverts."))
    area = selectors.resolve_area("place", slug, user=request.user)
    communes = selectors.home_communes(found, user=request.user)
    return _render_area(request, area, extra={"home_communes": communes})


def indicators(request: HttpRequest) -> HttpResponse:
    """The catalogue: every indicator with its method, and the secrecy rules."""
    return render(
        request,
        "observatory/indicators.html",
        {
            "indicators": catalogue.INDICATORS,
            "rules": catalogue.SECRECY_RULES,
            "section": "observatory",
        },
    )
