"""User text never becomes markup: the place page's JSON-LD, and rules every template keeps."""

import json
import re
from pathlib import Path

import pytest

import maillage
from maillage.places.formats.schemaorg import place_jsonld
from maillage.places.selectors import get_place
from tests.pages.page_helpers import parse
from tests.places.factories import make_place

TEMPLATES = sorted(Path(maillage.__file__).parent.glob("**/templates/**/*.html"))
# Executable inline script, inline style and event handler attributes: the
# Content-Security-Policy refuses all three, so they belong in static files.
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")")
INLINE_STYLE = re.compile(r"<style\b|\sstyle=")
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name", ["<!--<script>", "</script><script>alert(1)</script>", "Bar & Café <Pau>"]
)
def test_json_ld_holds_any_name_and_nothing_parses_as_markup(client, name):
    place = make_place(name=name, kinds=["fablab"], description="Ateliers <b>&</b> cafés")
    page = parse(client.get(f"/lieux/{place.slug}/"))
    scripts = page.find_all("script", type="application/ld+json")
    assert len(scripts) == 1
    raw = scripts[0].string
    assert not set("<>&") & set(raw)
    expected = json.loads(
        json.dumps(place_jsonld(get_place(slug=place.slug), "http://testserver/"))
    )
    assert json.loads(raw) == expected
    assert expected["name"] == name
    # The page goes on after the JSON-LD: its heading shows the name as text.
    assert page.h1.get_text() == name


def test_templates_have_no_inline_script_style_or_handler():
    offenders = [
        f"{path.relative_to(Path(maillage.__file__).parent)}: {match.group(0).strip()}"
        for path in TEMPLATES
        for pattern in (INLINE_SCRIPT, INLINE_STYLE, EVENT_HANDLER)
        for match in pattern.finditer(path.read_text())
    ]
    assert TEMPLATES
    assert offenders == []


def test_templates_do_not_mark_text_safe():
    """Autoescaping is the rule; JSON for scripts goes through json_script or jsonld_script."""
    offenders = [
        str(path)
        for path in TEMPLATES
        if re.search(r"\|\s*safe\b|autoescape off", path.read_text())
    ]
    assert offenders == []
