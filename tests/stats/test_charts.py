"""Server-rendered SVG charts (maillage.stats.charts), read back with xml.etree."""

import re
import xml.etree.ElementTree as ET

import pytest

from maillage.stats.charts import PALETTE, bar_chart, line_chart, nice_ticks

SVG = "{http://www.w3.org/2000/svg}"
LABELS = ["janv.", "févr.", "mars", "avr.", "mai"]


def parse(svg):
    return ET.fromstring(svg)  # noqa: S314 (our own output, no entities)


def by_class(root, tag, cls):
    return [e for e in root.iter(SVG + tag) if cls in e.get("class", "").split()]


def luminance(colour):
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_line_chart_is_accessible_xml_with_one_point_per_value():
    svg = line_chart(
        [("Pau", [12, 15, None, 20, 18]), ("Pyrénées-Atlantiques", [10, 11, 12, 13, 14])],
        LABELS,
        title="Visites par mois",
        unit="visites",
    )
    root = parse(svg)
    assert root.get("role") == "img"
    title, desc = root.find(SVG + "title"), root.find(SVG + "desc")
    assert title.text == "Visites par mois"
    assert set(root.get("aria-labelledby").split()) == {title.get("id"), desc.get("id")}
    assert "1 valeur masquée" in desc.text
    series = by_class(root, "g", "series")
    assert len(series) == 2
    assert len(by_class(series[0], "circle", "point")) == 4  # the hidden one has no point
    assert len(by_class(series[1], "circle", "point")) == 5
    # The gap: the first series breaks into two lines around the hidden month, and the month
    # is marked and explained.
    lines = series[0].findall(SVG + "polyline")
    assert [len(line.get("points").split()) for line in lines] == [2, 2]
    assert len(by_class(series[0], "rect", "hidden-value")) == 1
    assert by_class(root, "g", "hidden-note")
    # The comparison series is dashed, the subject is not.
    assert series[1].find(SVG + "polyline").get("stroke-dasharray")
    assert lines[0].get("stroke-dasharray") is None


def test_no_style_attribute_and_no_script():
    svg = line_chart([("a", [1, 2])], ["x", "y"], title="t", unit="u")
    svg += bar_chart([("a", [1, None])], ["x", "y"], title="t", unit="u")
    assert "style=" not in svg
    assert "<script" not in svg


def test_labels_are_escaped():
    hostile = '<script>alert("x")</script> & Cie'
    for chart in (line_chart, bar_chart):
        svg = chart([(hostile, [1, 2])], [hostile, "b"], title=hostile, unit="€")
        root = parse(svg)  # still valid XML
        assert "<script" not in svg
        assert root.find(SVG + "title").text == hostile
        assert not list(root.iter(SVG + "script"))


def test_bar_chart_draws_one_bar_per_value_and_marks_hidden_ones():
    svg = bar_chart(
        [("Lieu", [3, None, 7]), ("Département", [5, 6, 9])],
        ["2024", "2025", "2026"],
        title="Événements",
        unit="événements",
    )
    root = parse(svg)
    series = by_class(root, "g", "series")
    assert len(by_class(series[0], "rect", "bar")) == 2
    assert len(by_class(series[0], "rect", "hidden-value")) == 1
    assert len(by_class(series[1], "rect", "bar")) == 3
    heights = [float(r.get("height")) for r in by_class(series[1], "rect", "bar")]
    assert heights == sorted(heights)  # 5 < 6 < 9


def test_the_axis_ticks_are_round_and_cover_the_values():
    assert nice_ticks(0, 87) == [0, 20, 40, 60, 80, 100]
    assert nice_ticks(0, 0.37) == pytest.approx([0, 0.1, 0.2, 0.3, 0.4])
    assert nice_ticks(-3, 12)[0] <= -3
    assert nice_ticks(-3, 12)[-1] >= 12
    root = parse(line_chart([("a", [0, 1234])], ["x", "y"], title="t", unit=""))
    ticks = [t.text for t in by_class(root, "g", "y-axis")[0].iter(SVG + "text")]
    assert ticks[-1] == "1\u202f500"


def test_colours_contrast_with_white():
    for colour in PALETTE:
        assert (1.05) / (luminance(colour) + 0.05) >= 4.5


def test_every_hidden_value_still_renders():
    root = parse(line_chart([("a", [None, None])], ["x", "y"], title="t", unit="u"))
    assert len(by_class(root, "rect", "hidden-value")) == 2
    assert not list(root.iter(SVG + "circle"))


def test_series_and_labels_must_match():
    with pytest.raises(ValueError, match="labels"):
        line_chart([("a", [1, 2, 3])], ["x", "y"], title="t", unit="u")
    with pytest.raises(ValueError, match="at least one"):
        bar_chart([], [], title="t", unit="u")


def test_ids_differ_between_charts_of_one_page():
    one = line_chart([("a", [1, 2])], ["x", "y"], title="t", unit="u")
    two = line_chart([("a", [1, 3])], ["x", "y"], title="t", unit="u")
    assert re.search(r'id="([^"]+)-title"', one).group(1) != re.search(
        r'id="([^"]+)-title"', two
    ).group(1)
