"""What each app holds about a person: how to export it and how to erase it.

A person may download everything Maillage holds about them and delete their account (GDPR,
articles 15, 17 and 20). Each app that stores personal data registers, in its
`AppConfig.ready()`, one exporter (the person's data as JSON-ready values) and one eraser
(removes or anonymises their rows, keeping what the figures need as anonymous counts). This
module sits low (accounts) so that every app above can register without accounts knowing them.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Exporter = Callable[[Any], Any]
Eraser = Callable[[Any], None]


@dataclass(frozen=True)
class PersonalDataSection:
    name: str
    export: Exporter
    erase: Eraser | None


_sections: dict[str, PersonalDataSection] = {}


def register(name: str, *, export: Exporter, erase: Eraser | None = None) -> None:
    """Declare the section `name` of a person's data; `erase` runs before the account row is
    deleted, inside the erasure's transaction (None: the rows go with the account, on cascade).
    """
    if name in _sections and _sections[name].export is not export:
        raise ValueError(f"personal data section {name!r} is registered twice")
    _sections[name] = PersonalDataSection(name, export, erase)


def sections() -> list[PersonalDataSection]:
    """The registered sections, in registration order (the apps' order in INSTALLED_APPS)."""
    return list(_sections.values())


def export_person(user) -> dict[str, Any]:
    """Everything the registered apps hold about `user`, one key per section."""
    return {section.name: section.export(user) for section in sections()}


def erase_person(user) -> None:
    """Run every registered eraser for `user` (the caller deletes the account afterwards, in the
    same transaction)."""
    for section in sections():
        if section.erase is not None:
            section.erase(user)
