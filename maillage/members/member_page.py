"""The sections of a member's page ("Mon espace") that other apps fill.

The members app renders the page (my places, my plan, invitations); the apps above it
(bookings, trainings, check-ins…) add their own section from their `AppConfig.ready()`:

    from maillage.members.member_page import register_section
    register_section("bookings", "bookings/_my_space.html", my_bookings_context, order=20)

`context_function(request)` returns the template's context (a dict), or None to leave the
section out for this person. Sections render by `order`, then key.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string

ContextFunction = Callable[[HttpRequest], dict[str, Any] | None]


@dataclass(frozen=True)
class Section:
    key: str
    template_name: str
    context_function: ContextFunction
    order: int


_sections: dict[str, Section] = {}


def register_section(
    key: str, template_name: str, context_function: ContextFunction, order: int = 100
) -> None:
    """Add the section `key` to every member's page; registering the same key again with
    another template or function is a mistake (ValueError), the same one a no-op."""
    section = Section(key, template_name, context_function, order)
    existing = _sections.get(key)
    if existing is not None and existing != section:
        raise ValueError(f"member page section {key!r} is registered twice")
    _sections[key] = section


def unregister_section(key: str) -> None:
    """For tests: forget the section `key`."""
    _sections.pop(key, None)


def sections() -> list[Section]:
    return sorted(_sections.values(), key=lambda section: (section.order, section.key))


def render_sections(request: HttpRequest) -> list[dict[str, str]]:
    """Each registered section rendered for `request.user`: `[{"key", "html"}]`."""
    rendered = []
    for section in sections():
        context = section.context_function(request)
        if context is None:
            continue
        html = render_to_string(section.template_name, context, request=request)
        rendered.append({"key": section.key, "html": html})
    return rendered
