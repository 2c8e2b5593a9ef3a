"""Every string marked for translation in the code and templates has its English translation.

`makemessages` is run on a copy of the package (the repository's catalogue is never rewritten:
entries are appended by hand, see docs/architecture.md); a string it finds that the catalogue
lacks comes back as a new fuzzy guess or untranslated, and would show in French to an English
reader."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import maillage

PACKAGE = Path(maillage.__file__).parent
# GNU gettext's tool, beside msgfmt which compilemessages needs anyway.
MSGATTRIB = shutil.which("msgattrib") or "/usr/bin/msgattrib"
ENTRY = re.compile(r'^(#\| msgid "(?P<previous>.*)"\n)?msgid "(?P<msgid>.*)"$', re.M)


def _msgids(po: Path, *flags: str) -> list[tuple[str | None, str]]:
    out = subprocess.run(
        [MSGATTRIB, "--no-wrap", *flags, str(po)], check=True, capture_output=True, text=True
    ).stdout
    return [(match["previous"], match["msgid"]) for match in ENTRY.finditer(out) if match["msgid"]]


def test_every_marked_string_has_an_english_translation(tmp_path):
    copy = tmp_path / "maillage"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo", "static"))
    subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "en", "--no-obsolete"],
        cwd=copy,
        env={
            **os.environ,
            "PYTHONPATH": str(tmp_path),
            "DJANGO_SETTINGS_MODULE": "maillage.settings",
        },
        check=True,
        capture_output=True,
    )
    po = copy / "locale" / "en" / "LC_MESSAGES" / "django.po"
    # A fuzzy entry whose previous msgid is its own only gained a format flag: it is translated.
    missing = [msgid for previous, msgid in _msgids(po, "--only-fuzzy") if previous != msgid] + [
        msgid for _previous, msgid in _msgids(po, "--untranslated")
    ]
    assert missing == []
