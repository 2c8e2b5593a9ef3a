"""Proposal texts: revisions compared line by line (Markdown: `maillage.common.markdown`)."""

import difflib


def diff_lines(before: str, after: str) -> list[tuple[str, str]]:
    """The line differences from `before` to `after`: ("added" | "removed" | "same", line)."""
    kinds = {"+": "added", "-": "removed", " ": "same"}
    rows = []
    for line in difflib.ndiff(before.splitlines(), after.splitlines()):
        if line[:1] in kinds:
            rows.append((kinds[line[:1]], line[2:]))
    return rows
