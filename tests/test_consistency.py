"""Repository-wide rules that review would otherwise have to remember."""

import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "maillage"


def test_migrations_are_named():
    names = [path.name for path in PACKAGE.glob("*/migrations/0*.py")]
    assert names, "no migrations found"
    unnamed = [
        name for name in names if "auto" in name or not re.fullmatch(r"\d{4}_[a-z_]+\.py", name)
    ]
    assert unnamed == [], "name migrations: makemigrations <app> --name <what_changed>"


def test_no_cdn_is_referenced_by_templates():
    """Leaflet and htmx are shipped as static files: pages must work on a closed network."""
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("templates/**/*.html")
        if re.search(r"(unpkg\.com|cdn\.jsdelivr|cdnjs\.cloudflare)", path.read_text())
    ]
    assert offenders == []
