"""How the maps draw each kind: a colour of the Okabe–Ito palette and a shape.

The eight Okabe–Ito colours stay distinct for the common forms of colour blindness; each kind
also has its own shape (five shapes, cycled against the eight colours: 15 kinds, 15 distinct
pairs, neighbours differing in both), so that the legend reads without colour at all. The
legend (HTML, `places/_map_legend.html`) and the markers (`maps.js`, from the `kind-styles`
JSON element) draw the same SVG.
"""

from django.utils.html import format_html

from .kinds import PlaceKind

OKABE_ITO = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#E69F00",  # orange
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#F0E442",  # yellow
    "#000000",  # black
)
# 20 × 20 view box; the fill and outline are set on the element.
SHAPES = {
    "circle": '<circle cx="10" cy="10" r="7.5"{}/>',
    "square": '<rect x="3" y="3" width="14" height="14"{}/>',
    "triangle": '<path d="M10 1.5 19 17.5H1Z"{}/>',
    "diamond": '<path d="M10 .5 19.5 10 10 19.5 .5 10Z"{}/>',
    "hexagon": '<path d="M10 1 18 5.5v9L10 19l-8-4.5v-9Z"{}/>',
}
SHAPE_NAMES = tuple(SHAPES)
OUTLINE = "#1e1e1e"


def kind_style(code: str) -> tuple[str, str]:
    """(colour, shape) of a kind; an unknown code gets the style of « other »."""
    codes = PlaceKind.values
    index = codes.index(code) if code in codes else codes.index(PlaceKind.OTHER)
    return OKABE_ITO[index % len(OKABE_ITO)], SHAPE_NAMES[index % len(SHAPE_NAMES)]


def kind_svg(code: str, size: int = 18) -> str:
    """The marker of a kind as an SVG element (decorative: the label says what it is)."""
    colour, shape = kind_style(code)
    # Yellow and black need an outline of the other lightness to stand out on the tiles.
    outline = "#ffffff" if colour == "#000000" else OUTLINE
    attributes = format_html(' fill="{}" stroke="{}" stroke-width="1.5"', colour, outline)
    return format_html(
        '<svg class="kind-marker" width="{}" height="{}" viewBox="0 0 20 20" aria-hidden="true" '
        'focusable="false">{}</svg>',
        size,
        size,
        format_html(SHAPES[shape], attributes),
    )


def kind_styles() -> dict[str, dict[str, str]]:
    """Every kind's label, colour, shape and SVG, for the maps' script."""
    return {
        code: {
            "label": str(label),
            "colour": kind_style(code)[0],
            "shape": kind_style(code)[1],
            "svg": str(kind_svg(code)),
        }
        for code, label in PlaceKind.choices
    }
