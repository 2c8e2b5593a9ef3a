"""A map of proportional symbols on territory centres, drawn on the server as SVG.

It works without JavaScript and prints; the table of the same figures beside it is its
accessible equivalent. The projection is equirectangular, corrected by the cosine of the mean
latitude (fine at the scale of France, a région or a département); a circle's area is
proportional to the value, so its radius to the square root.
"""

import math
from collections.abc import Sequence
from html import escape

WIDTH, HEIGHT, MARGIN = 480, 400, 30
MAX_RADIUS = 28.0


def proportional_symbols(
    points: Sequence[tuple[str, float | None, float | None, float | None]], *, title: str, desc: str
) -> str:
    """SVG of `points` (name, latitude, longitude, value); a point without coordinates or value
    (hidden by secrecy) is drawn as a small empty ring, so absence is visible."""
    located = [p for p in points if p[1] is not None and p[2] is not None]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="map-title map-desc" class="observatory-map">',
        f'<title id="map-title">{escape(title)}</title>',
        f'<desc id="map-desc">{escape(desc)}</desc>',
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#f6f7f9" stroke="#c9ced6"/>',
    ]
    if not located:
        parts.append("</svg>")
        return "".join(parts)
    lats = [p[1] for p in located]
    lons = [p[2] for p in located]
    mid = math.radians(sum(lats) / len(lats))
    xs = [lon * math.cos(mid) for lon in lons]
    span_x = max(max(xs) - min(xs), 1e-6)
    span_y = max(max(lats) - min(lats), 1e-6)
    scale = min((WIDTH - 2 * MARGIN) / span_x, (HEIGHT - 2 * MARGIN) / span_y)
    if len(located) == 1:
        scale = 1.0
    largest = max((p[3] for p in located if p[3]), default=0) or 1
    for (name, lat, _lon, value), x in zip(located, xs, strict=True):
        cx = WIDTH / 2 + (x - (max(xs) + min(xs)) / 2) * scale
        cy = HEIGHT / 2 - (lat - (max(lats) + min(lats)) / 2) * scale
        label = escape(name)
        if value is None or value <= 0:
            parts.append(
                f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="3" fill="none" stroke="#6b7280">'
                f"<title>{label}</title></circle>"
            )
            continue
        radius = max(2.0, MAX_RADIUS * math.sqrt(value / largest))
        parts.append(
            f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{radius:.1f}" fill="#2563eb" '
            f'fill-opacity="0.55" stroke="#1e3a8a"><title>{label} : {value:g}</title></circle>'
        )
    parts.append("</svg>")
    return "".join(parts)
