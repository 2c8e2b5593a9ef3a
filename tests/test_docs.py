"""The documentation lives in the repository, and what points to it points inside it."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
EXPECTED = {"README.md", "architecture.md", "glossary.md", "decisions.md", "api-changelog.md"}


def _sources() -> list[Path]:
    return [ROOT / "README.md", *DOCS.glob("*.md"), *(ROOT / "maillage").rglob("*.py")]


def test_the_docs_folder_has_its_files():
    assert {path.name for path in DOCS.glob("*.md")} >= EXPECTED


def test_nothing_points_outside_the_repository():
    offenders = [
        str(path.relative_to(ROOT))
        for path in _sources()
        if re.search(r"\.\./shared|shared/design", path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_every_docs_file_mentioned_exists():
    mentioned = {
        match
        for path in _sources()
        for match in re.findall(r"docs/[a-z-]+\.md", path.read_text(encoding="utf-8"))
    }
    assert mentioned, "the README points to docs/"
    assert sorted(name for name in mentioned if not (ROOT / name).exists()) == []


def test_relative_links_of_the_docs_resolve():
    broken = []
    for path in [ROOT / "README.md", *DOCS.glob("*.md")]:
        for target in re.findall(r"\]\(([^)#:]+)\)", path.read_text(encoding="utf-8")):
            if not (path.parent / target).exists():
                broken.append(f"{path.name} → {target}")
    assert broken == []


def test_the_api_changelog_is_dated():
    headings = re.findall(r"^## (.+)$", (DOCS / "api-changelog.md").read_text(), re.MULTILINE)
    assert headings
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", heading) for heading in headings)


def test_every_decision_is_dated():
    headings = re.findall(r"^## (.+)$", (DOCS / "decisions.md").read_text(), re.MULTILINE)
    assert len(headings) >= 8
    assert all(re.match(r"\d{4}-\d{2}-\d{2} — ", heading) for heading in headings)
