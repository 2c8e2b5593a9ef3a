"""The observatory's monthly charts, shared by the pages and the PDF reports: an indicator's
points drawn by `maillage.stats.charts`, in the reader's language, with the rows of the data
table that goes beside every chart.

Each row says what the chart shows: a value, a value statistical secrecy hides (« secret »,
hatched) or a month without data (« none », a dashed outline): a place's own report, never
hidden from its readers, has only values and months without data.
"""

from collections.abc import Sequence

from django.utils.formats import get_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from maillage.stats.charts import HIDDEN, Point, Wording, line_chart

from .catalogue import Indicator


def wording() -> Wording:
    """Every word the charts write (notes, tooltips, the sentence of their ``<desc>``, numbers),
    in the active language."""
    return Wording(
        hidden_note=_("Zone hachurée : valeur masquée par le secret statistique."),
        no_data_note=_("Cadre pointillé : aucune donnée."),
        hidden_value=_("valeur masquée"),
        no_data_value=_("aucune donnée"),
        # Translators: the months a chart covers, as in "janv. 2026 à déc. 2026".
        span=_("{first} à {last}"),
        value_range=_("{name} : de {low} à {high} {unit}"),
        no_value=_("{name} : aucune valeur publiée"),
        hidden_count=_hidden_count,
        missing_count=_missing_count,
        # Translators: between the series of a chart's description (French puts a space before ;).
        series_separator=_(" ; "),
        thousands_separator=get_format("THOUSAND_SEPARATOR"),
        decimal_separator=get_format("DECIMAL_SEPARATOR"),
    )


def _hidden_count(count: int) -> str:
    return ngettext("%(count)d valeur masquée", "%(count)d valeurs masquées", count) % {
        "count": count
    }


def _missing_count(count: int) -> str:
    return ngettext("%(count)d sans donnée", "%(count)d sans donnée", count) % {"count": count}


def _state(point: Point) -> str:
    if point is HIDDEN:
        return "secret"
    return "none" if point is None else "value"


def monthly_chart(
    indicator: Indicator,
    labels: Sequence[str],
    points: Sequence[Point],
    *,
    width: int = 640,
    height: int = 240,
) -> dict:
    """The SVG line chart of `indicator`'s `points` (shares in per cent) and its data rows:
    `{"indicator", "svg", "rows": [{"label", "value", "state"}]}`, the value None unless the
    state is « value »."""
    share = indicator.unit == "share"
    shown = [point * 100 if share and isinstance(point, int | float) else point for point in points]
    svg = line_chart(
        [(str(indicator.label), shown)],
        labels,
        title=str(indicator.label),
        unit="%" if share else str(indicator.unit_label),
        width=width,
        height=height,
        wording=wording(),
    )
    return {
        "indicator": indicator,
        # maillage.stats.charts escapes every text it writes.
        "svg": mark_safe(svg),  # noqa: S308
        "rows": [
            {
                "label": label,
                "value": point if isinstance(point, int | float) else None,
                "state": _state(point),
            }
            for label, point in zip(labels, points, strict=True)
        ],
    }
