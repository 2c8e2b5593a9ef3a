"""Server-rendered SVG charts (maillage.stats.charts), read back with xml.etree."""

import re
import xml.etree.ElementTree as ET

import pytest

from maillage.stats.charts import HIDDEN, PALETTE, Wording, bar_chart, line_chart, nice_ticks

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
        [("Pau", [12, 15, HIDDEN, 20, 18]), ("Pyrénées-Atlantiques", [10, 11, 12, 13, 14])],
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
    svg += bar_chart([("a", [1, HIDDEN]), ("b", [None, 2])], ["x", "y"], title="t", unit="u")
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
        [("Lieu", [3, HIDDEN, 7]), ("Département", [5, 6, 9])],
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
    root = parse(line_chart([("a", [HIDDEN, HIDDEN])], ["x", "y"], title="t", unit="u"))
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


def note_texts(root, cls):
    return [text.text for group in by_class(root, "g", cls) for text in group.iter(SVG + "text")]


@pytest.mark.parametrize("chart", [line_chart, bar_chart])
def test_no_data_is_a_gap_of_its_own_not_a_secret(chart):
    root = parse(chart([("Lieu", [4, None, 6])], ["janv.", "févr.", "mars"], title="t", unit="u"))
    assert not by_class(root, "rect", "hidden-value")
    assert not by_class(root, "g", "hidden-note")
    (gap,) = by_class(root, "rect", "no-data")
    assert gap.get("fill") == "none" and gap.get("stroke-dasharray")
    assert gap.find(SVG + "title").text == "Lieu, févr. : aucune donnée"
    assert note_texts(root, "no-data-note") == ["Cadre pointillé : aucune donnée."]
    desc = root.find(SVG + "desc").text
    assert "1 sans donnée" in desc and "masquée" not in desc
    assert "secret" not in ET.tostring(root, encoding="unicode")


def test_a_line_breaks_at_no_data_as_at_a_secret():
    root = parse(
        line_chart([("a", [1, 2, None, 4, HIDDEN, 6, 7])], list("abcdefg"), title="t", unit="")
    )
    lines = by_class(root, "g", "series")[0].findall(SVG + "polyline")
    assert [len(line.get("points").split()) for line in lines] == [2, 2]  # 6, 7; "d" alone
    assert len(by_class(root, "rect", "no-data")) == 1
    assert len(by_class(root, "rect", "hidden-value")) == 1


def test_both_notes_fit_under_the_plot_when_both_gaps_occur():
    height = 240
    root = parse(
        bar_chart([("a", [1, None, HIDDEN])], ["x", "y", "z"], title="t", unit="", height=height)
    )
    notes = [*by_class(root, "g", "hidden-note"), *by_class(root, "g", "no-data-note")]
    assert len(notes) == 2
    boxes = [float(group.find(SVG + "rect").get("y")) for group in notes]
    assert boxes[1] - boxes[0] >= 12  # one line each, not on top of each other
    assert max(boxes) + 10 <= height
    band = by_class(root, "rect", "no-data")[0]
    plot_bottom = float(band.get("y")) + float(band.get("height"))
    x_labels = [float(t.get("y")) for t in by_class(root, "g", "x-axis")[0].iter(SVG + "text")]
    legend = [float(t.get("y")) for t in by_class(root, "g", "legend")[0].iter(SVG + "text")]
    assert plot_bottom < min(x_labels) < min(legend) < min(boxes)


def test_the_caller_words_the_gaps():
    english = Wording(
        hidden_note="Hatched: hidden by statistical secrecy.",
        no_data_note="Dashed outline: no data.",
        hidden_value="hidden",
        no_data_value="no data",
    )
    root = parse(
        line_chart([("a", [None, HIDDEN])], ["x", "y"], title="t", unit="", wording=english)
    )
    assert note_texts(root, "no-data-note") == ["Dashed outline: no data."]
    assert note_texts(root, "hidden-note") == ["Hatched: hidden by statistical secrecy."]
    assert by_class(root, "rect", "no-data")[0].find(SVG + "title").text == "a, x : no data"
    assert by_class(root, "rect", "hidden-value")[0].find(SVG + "title").text == "a, y : hidden"


def test_the_caller_words_the_description_and_the_numbers():
    english = Wording(
        span="{first} to {last}",
        value_range="{name}: from {low} to {high} {unit}",
        no_value="{name}: no value published",
        hidden_count=lambda count: f"{count} hidden",
        missing_count=lambda count: f"{count} without data",
        series_separator="; ",
        thousands_separator=",",
        decimal_separator=".",
    )
    svg = line_chart(
        [("Pau", [1234.5, HIDDEN, None, 3]), ("Lescar", [None, None, HIDDEN, None])],
        ["Jan.", "Feb.", "Mar.", "Apr."],
        title="t",
        unit="visits",
        wording=english,
    )
    root = parse(svg)
    assert root.find(SVG + "desc").text == (
        "Jan. to Apr. Pau: from 3 to 1,234.5 visits, 1 hidden, 1 without data; "
        "Lescar: no value published, 1 hidden, 3 without data."
    )
    ticks = [t.text for t in by_class(root, "g", "y-axis")[0].iter(SVG + "text")]
    assert "1,000" in ticks
    french = parse(line_chart([("Pau", [1234.5, 2])], ["janv.", "févr."], title="t", unit="€"))
    assert french.find(SVG + "desc").text == "janv. à févr. Pau : de 2 à 1\u202f234,5 €."
