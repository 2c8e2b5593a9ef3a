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


def test_every_maillage_command_prints_its_help():
    """`maillage <command> --help` is how an operator discovers a command: it must not crash
    (argparse cannot format lazy translations, which once broke most of them)."""
    import io
    from contextlib import redirect_stdout

    import pytest
    from django.core.management import ManagementUtility, get_commands

    ours = sorted(name for name, app in get_commands().items() if app.startswith("maillage"))
    assert {"import_places", "verify_audit", "create_token", "db_worker"} <= set(ours)
    for name in ours:
        output = io.StringIO()
        with redirect_stdout(output), pytest.raises(SystemExit) as exit_:
            ManagementUtility(["maillage", name, "--help"]).execute()
        assert exit_.value.code == 0, name
        assert f"maillage {name}" in output.getvalue() or name in output.getvalue(), name
