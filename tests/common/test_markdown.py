"""The one Markdown policy of user-written texts (proposals, event descriptions)."""

import pytest

from maillage.common.markdown import render_markdown


@pytest.mark.parametrize(
    "text, forbidden",
    [
        ("<script>alert(1)</script>", "<script"),
        ("![x](https://example.org/x.png)", "<img"),
        ('<a href="#" onclick="alert(1)">x</a>', "onclick"),
        ("[clic](javascript:alert(1))", "javascript:"),
        ("<style>body{display:none}</style>", "<style"),
        ('<p style="color:red">x</p>', "style="),
    ],
)
def test_nothing_executable_or_styled_survives(text, forbidden):
    assert forbidden not in render_markdown(text)


def test_links_are_kept_and_marked_external():
    html = render_markdown("[Maillage](https://example.org/a)")
    assert 'href="https://example.org/a"' in html
    assert 'rel="noopener noreferrer nofollow"' in html


def test_lists_headings_and_tables_render():
    text = "## Ordre du jour\n\n1. Budget\n2. Vote\n\n| a | b |\n|---|---|\n| 1 | 2 |"
    html = render_markdown(text)
    assert "<h2>Ordre du jour</h2>" in html
    assert "<ol>" in html and "<li>Budget</li>" in html
    assert "<table>" in html and "<td>2</td>" in html


def test_empty_text_renders_nothing():
    assert render_markdown("") == ""
