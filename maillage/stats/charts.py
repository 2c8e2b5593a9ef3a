"""Charts rendered on the server as SVG: they work without JavaScript, print, and go into the
WeasyPrint PDF reports.

`line_chart` draws time series, `bar_chart` grouped bars. The first series is the subject (a
place or a territory), a second one is drawn as its comparison (the parent territory: dashed
line, lighter bars), further ones in other colours. Two absences are told apart, because they
mean different things to the reader: ``HIDDEN`` is a value statistical secrecy hides (the
line breaks there and a hatched band marks the gap), ``None`` a value that does not exist —
no activity was recorded (the line breaks too, and a dashed outline without hatching marks the
gap). A note under the chart explains each mark the chart uses.

Accessibility and safety: the ``<svg>`` has ``role="img"`` and is labelled by its ``<title>``
and ``<desc>`` (a sentence summarising the series; the page gives the full data table beside
it); every text (labels are territory and place names) is escaped with `html.escape`; only
SVG presentation attributes are used (``fill=``, ``stroke=``), never ``style=`` nor scripts, so
the strict Content-Security-Policy holds; the colours contrast at least 4.5:1 with the white
background (WCAG 2.1, 1.4.3 and 1.4.11), and the comparison series differs by its dash pattern
too, not by colour alone (1.4.1). Texts are French by default; the caller passes translated
`Wording` (the notes and the words of the marks' tooltips) and ``desc`` when needed.
"""

from __future__ import annotations

import enum
import hashlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape


class Hidden(enum.Enum):
    """The mark of a value that exists but that statistical secrecy hides from the reader."""

    BY_SECRECY = "by secrecy"


HIDDEN = Hidden.BY_SECRECY
# A point of a series: its value, HIDDEN (by secrecy) or None (no data).
Point = float | Hidden | None
Series = Sequence[tuple[str, Sequence[Point]]]

# Contrast with white: 8.4:1, 7.0:1, 5.9:1, 6.3:1 (WCAG relative luminance).
PALETTE = ("#1f4e8c", "#595959", "#a8431d", "#2f6b2f")
TEXT = "#333333"  # 12.6:1
GRID = "#d9d9d9"  # decorative grid lines
HATCH = "#595959"
FONT = 'font-family="sans-serif"'


def _french_hidden(count: int) -> str:
    return f"{count} valeur masquée" if count == 1 else f"{count} valeurs masquées"


def _french_missing(count: int) -> str:
    return f"{count} sans donnée"


@dataclass(frozen=True)
class Wording:
    """Every word a chart writes, French by default (the pages pass their language): the notes
    about its gaps, the words of the marks' tooltips, the sentence of its ``<desc>`` and the
    way it writes numbers. The sentence's templates are `str.format` strings; the counts are
    functions of the count, for the language's plurals."""

    hidden_note: str = "Zone hachurée : valeur masquée par le secret statistique."
    no_data_note: str = "Cadre pointillé : aucune donnée."
    hidden_value: str = "valeur masquée"
    no_data_value: str = "aucune donnée"
    span: str = "{first} à {last}"
    value_range: str = "{name} : de {low} à {high} {unit}"
    no_value: str = "{name} : aucune valeur publiée"
    hidden_count: Callable[[int], str] = _french_hidden
    missing_count: Callable[[int], str] = _french_missing
    series_separator: str = " ; "
    # Thin spaces between thousands and a decimal comma, as French typography writes them.
    thousands_separator: str = "\u202f"
    decimal_separator: str = ","


FRENCH = Wording()

MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 60, 16, 32, 58
NOTE_LINE = 14  # each further note under the legend takes the plot this much height


def _fmt(value: float, wording: Wording) -> str:
    """A number as `wording` writes them (French: thin spaces between thousands, a decimal
    comma)."""
    if math.isclose(value, round(value), abs_tol=1e-9):
        text = f"{round(value):,}"
    else:
        text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return "".join(
        wording.thousands_separator
        if char == ","
        else wording.decimal_separator
        if char == "."
        else char
        for char in text
    )


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high]: steps of 1, 2 or 5 × 10^k (Heckbert, "Nice
    numbers for graph labels", *Graphics Gems*, 1990).

    >>> nice_ticks(0, 87)
    [0.0, 20.0, 40.0, 60.0, 80.0, 100.0]
    """
    if not math.isfinite(low) or not math.isfinite(high):
        raise ValueError("tick bounds must be finite")
    if high < low:
        low, high = high, low
    if high == low:
        high = low + 1
    raw = (high - low) / max(count, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    start = math.floor(low / step) * step
    ticks = [round(start, 10) + 0.0]
    while ticks[-1] < high - step * 1e-9:
        ticks.append(round(start + step * len(ticks), 10) + 0.0)
    return ticks


def _chart_id(kind: str, title: str, series: Series, labels: Sequence[str]) -> str:
    text = repr((kind, title, [(n, list(v)) for n, v in series], list(labels)))
    return "chart-" + hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()[:10]


def _check(series: Series, labels: Sequence[str]) -> None:
    if not series:
        raise ValueError("a chart needs at least one series")
    for name, values in series:
        if len(values) != len(labels):
            raise ValueError(f"series {name!r} has {len(values)} values for {len(labels)} labels")


def _describe(series: Series, labels: Sequence[str], unit: str, wording: Wording) -> str:
    """The ``<desc>`` sentence: the span of the labels, then each series' range of values and
    how many of its values are hidden or missing."""
    parts = []
    for name, values in series:
        shown = [v for v in values if isinstance(v, int | float)]
        hidden = sum(1 for v in values if v is HIDDEN)
        missing = sum(1 for v in values if v is None)
        if shown:
            text = wording.value_range.format(
                name=name,
                low=_fmt(min(shown), wording),
                high=_fmt(max(shown), wording),
                unit=unit,
            ).rstrip()
        else:
            text = wording.no_value.format(name=name)
        if hidden:
            text += f", {wording.hidden_count(hidden)}"
        if missing:
            text += f", {wording.missing_count(missing)}"
        parts.append(text)
    span = wording.span.format(first=labels[0], last=labels[-1]) if labels else ""
    # A label may end with its own full stop (« avr. »): the sentence does not add another.
    opening = (span if span.endswith(".") else f"{span}.") + " " if span else ""
    return opening + wording.series_separator.join(parts) + "."


class _Frame:
    """The plot area, the value scale and the shared decorations."""

    def __init__(
        self,
        series: Series,
        labels: Sequence[str],
        width: int,
        height: int,
        chart_id: str,
        *,
        wording: Wording,
    ) -> None:
        self.width, self.height, self.id = width, height, chart_id
        self.wording = wording
        points = [v for _, vs in series for v in vs]
        # One line of note under the legend per kind of gap the chart draws.
        self.notes = [
            note
            for note, present in (
                ("hidden", any(v is HIDDEN for v in points)),
                ("no-data", any(v is None for v in points)),
            )
            if present
        ]
        self.left, self.top = MARGIN_LEFT, MARGIN_TOP
        self.right = width - MARGIN_RIGHT
        self.bottom = height - MARGIN_BOTTOM - NOTE_LINE * max(len(self.notes) - 1, 0)
        values = [v for v in points if isinstance(v, int | float)]
        low = min([0.0, *values])
        high = max([0.0, *values])
        self.ticks = nice_ticks(low, high if high > low else low + 1)
        self.low, self.high = self.ticks[0], self.ticks[-1]
        self.labels = labels

    def y(self, value: float) -> float:
        span = self.high - self.low or 1.0
        return self.bottom - (value - self.low) / span * (self.bottom - self.top)

    def axes(self, x_of: Sequence[float]) -> list[str]:
        out = [f'<g class="axis y-axis" fill="{TEXT}" font-size="11" {FONT}>']
        for tick in self.ticks:
            y = self.y(tick)
            out.append(
                f'<line x1="{self.left}" y1="{y:.1f}" x2="{self.right}" y2="{y:.1f}" '
                f'stroke="{GRID}" stroke-width="1"/>'
            )
            out.append(
                f'<text x="{self.left - 6}" y="{y + 4:.1f}" text-anchor="end">'
                f"{escape(_fmt(tick, self.wording))}</text>"
            )
        out.append("</g>")
        out.append(f'<g class="axis x-axis" fill="{TEXT}" font-size="11" {FONT}>')
        out.append(
            f'<line x1="{self.left}" y1="{self.y(max(self.low, 0)):.1f}" x2="{self.right}" '
            f'y2="{self.y(max(self.low, 0)):.1f}" stroke="{TEXT}" stroke-width="1"/>'
        )
        every = max(1, math.ceil(len(self.labels) / max(1, (self.right - self.left) // 56)))
        for index, (label, x) in enumerate(zip(self.labels, x_of, strict=True)):
            if index % every == 0:
                out.append(
                    f'<text x="{x:.1f}" y="{self.bottom + 16}" text-anchor="middle">'
                    f"{escape(label)}</text>"
                )
        out.append("</g>")
        return out

    def hatch_defs(self) -> str:
        return (
            f'<defs><pattern id="{self.id}-hatch" patternUnits="userSpaceOnUse" width="6" '
            f'height="6" patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="6" '
            f'stroke="{HATCH}" stroke-width="1.5"/></pattern></defs>'
        )

    def gap_mark(self, value: Hidden | None, x: float, half: float, label: str, name: str) -> str:
        """The band over a missing point: hatched when secrecy hides it, a dashed outline
        without hatching when there is no data."""
        box = (
            f'x="{x - half:.1f}" y="{self.top}" width="{2 * half:.1f}" '
            f'height="{self.bottom - self.top}"'
        )
        if value is HIDDEN:
            return (
                f'<rect class="hidden-value" {box} fill="url(#{self.id}-hatch)" '
                f'fill-opacity="0.35"><title>{escape(name)}, {escape(label)} : '
                f"{escape(self.wording.hidden_value)}</title></rect>"
            )
        return (
            f'<rect class="no-data" {box} fill="none" stroke="{HATCH}" stroke-width="1" '
            f'stroke-dasharray="3 3"><title>{escape(name)}, {escape(label)} : '
            f"{escape(self.wording.no_data_value)}</title></rect>"
        )

    def legend(self, series: Series, bars: bool) -> list[str]:
        out = [f'<g class="legend" fill="{TEXT}" font-size="11" {FONT}>']
        x = float(self.left)
        y = self.height - 24 - NOTE_LINE * max(len(self.notes) - 1, 0)
        for index, (name, _) in enumerate(series):
            colour = PALETTE[index % len(PALETTE)]
            if bars:
                out.append(
                    f'<rect x="{x:.1f}" y="{y - 9}" width="12" height="10" fill="{colour}"'
                    + (' fill-opacity="0.6"' if index == 1 else "")
                    + "/>"
                )
            else:
                dash = ' stroke-dasharray="6 4"' if index == 1 else ""
                out.append(
                    f'<line x1="{x:.1f}" y1="{y - 4}" x2="{x + 18:.1f}" y2="{y - 4}" '
                    f'stroke="{colour}" stroke-width="2"{dash}/>'
                )
            out.append(f'<text x="{x + 24:.1f}" y="{y}">{escape(name)}</text>')
            x += 24 + 7 * len(name) + 20
        out.append("</g>")
        for line, note in enumerate(self.notes):
            top = y + 8 + NOTE_LINE * line
            if note == "hidden":
                swatch = f'fill="url(#{self.id}-hatch)" stroke="{HATCH}" stroke-width="0.5"'
                text = self.wording.hidden_note
            else:
                swatch = f'fill="none" stroke="{HATCH}" stroke-width="1" stroke-dasharray="3 3"'
                text = self.wording.no_data_note
            out.append(
                f'<g class="{"hidden-note" if note == "hidden" else "no-data-note"}" '
                f'fill="{TEXT}" font-size="11" {FONT}>'
                f'<rect x="{self.left}" y="{top}" width="12" height="10" {swatch}/>'
                f'<text x="{self.left + 18}" y="{top + 9}">{escape(text)}</text></g>'
            )
        return out


def _open(kind: str, frame: _Frame, title: str, desc: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {kind}" role="img" '
        f'width="{frame.width}" height="{frame.height}" '
        f'viewBox="0 0 {frame.width} {frame.height}" '
        f'aria-labelledby="{frame.id}-title {frame.id}-desc">',
        f'<title id="{frame.id}-title">{escape(title)}</title>',
        f'<desc id="{frame.id}-desc">{escape(desc)}</desc>',
        frame.hatch_defs(),
        f'<text class="chart-title" x="{frame.left}" y="18" fill="{TEXT}" font-size="13" '
        f'font-weight="bold" {FONT}>{escape(title)}</text>',
    ]


def line_chart(
    series: Series,
    labels: Sequence[str],
    *,
    title: str,
    unit: str,
    width: int = 640,
    height: int = 240,
    desc: str | None = None,
    wording: Wording = FRENCH,
) -> str:
    """An SVG line chart: one polyline per run of values, a point per value (with its value
    in a tooltip), a hatched band where secrecy hides a value, a dashed outline where there is
    no data."""
    _check(series, labels)
    chart_id = _chart_id("line", title, series, labels)
    frame = _Frame(series, labels, width, height, chart_id, wording=wording)
    count = len(labels)
    step = (frame.right - frame.left) / max(count - 1, 1)
    xs = [
        frame.left + step * i if count > 1 else (frame.left + frame.right) / 2 for i in range(count)
    ]
    out = _open("line-chart", frame, title, desc or _describe(series, labels, unit, wording))
    if unit:
        out.append(
            f'<text class="unit" x="{frame.left - 6}" y="{frame.top - 8}" text-anchor="end" '
            f'fill="{TEXT}" font-size="11" {FONT}>{escape(unit)}</text>'
        )
    out.extend(frame.axes(xs))
    for index, (name, values) in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        dash = ' stroke-dasharray="6 4"' if index == 1 else ""
        out.append(f'<g class="series series-{index}" data-series="{escape(name)}">')
        run: list[str] = []
        runs: list[list[str]] = []
        for x, value in zip(xs, values, strict=True):
            if value is None or value is HIDDEN:
                if run:
                    runs.append(run)
                run = []
            else:
                run.append(f"{x:.1f},{frame.y(value):.1f}")
        if run:
            runs.append(run)
        for points in runs:
            if len(points) > 1:
                out.append(
                    f'<polyline points="{" ".join(points)}" fill="none" stroke="{colour}" '
                    f'stroke-width="2"{dash}/>'
                )
        for x, value, label in zip(xs, values, labels, strict=True):
            if value is None or value is HIDDEN:
                out.append(frame.gap_mark(value, x, max(step / 4, 3), label, name))
            else:
                out.append(
                    f'<circle class="point" cx="{x:.1f}" cy="{frame.y(value):.1f}" r="3" '
                    f'fill="{"#ffffff" if index == 1 else colour}" stroke="{colour}" '
                    f'stroke-width="1.5"><title>{escape(name)}, {escape(label)} : '
                    f"{escape(_fmt(value, wording))} {escape(unit)}</title></circle>"
                )
        out.append("</g>")
    out.extend(frame.legend(series, bars=False))
    out.append("</svg>")
    return "\n".join(out)


def bar_chart(
    series: Series,
    labels: Sequence[str],
    *,
    title: str,
    unit: str,
    width: int = 640,
    height: int = 240,
    desc: str | None = None,
    wording: Wording = FRENCH,
) -> str:
    """An SVG grouped bar chart: one bar per value, a hatched band where secrecy hides one, a
    dashed outline where there is none."""
    _check(series, labels)
    chart_id = _chart_id("bar", title, series, labels)
    frame = _Frame(series, labels, width, height, chart_id, wording=wording)
    count = max(len(labels), 1)
    slot = (frame.right - frame.left) / count
    xs = [frame.left + slot * (i + 0.5) for i in range(len(labels))]
    bar = slot * 0.8 / len(series)
    out = _open("bar-chart", frame, title, desc or _describe(series, labels, unit, wording))
    if unit:
        out.append(
            f'<text class="unit" x="{frame.left - 6}" y="{frame.top - 8}" text-anchor="end" '
            f'fill="{TEXT}" font-size="11" {FONT}>{escape(unit)}</text>'
        )
    out.extend(frame.axes(xs))
    zero = frame.y(max(frame.low, 0.0))
    for index, (name, values) in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        opacity = ' fill-opacity="0.6"' if index == 1 else ""
        out.append(f'<g class="series series-{index}" data-series="{escape(name)}">')
        for x, value, label in zip(xs, values, labels, strict=True):
            left = x - slot * 0.4 + bar * index
            if value is None or value is HIDDEN:
                out.append(frame.gap_mark(value, left + bar / 2, bar / 2, label, name))
                continue
            top = min(zero, frame.y(value))
            out.append(
                f'<rect class="bar" x="{left:.1f}" y="{top:.1f}" width="{bar:.1f}" '
                f'height="{abs(frame.y(value) - zero):.1f}" fill="{colour}"{opacity}>'
                f"<title>{escape(name)}, {escape(label)} : {escape(_fmt(value, wording))} "
                f"{escape(unit)}</title></rect>"
            )
        out.append("</g>")
    out.extend(frame.legend(series, bars=True))
    out.append("</svg>")
    return "\n".join(out)
