"""The sections of a place's staff dashboard, registered by the apps that own them.

The dashboard (`/lieux/<slug>/tableau-de-bord/`, served by the bookings app) is a list of
sections: today's bookings, pending membership requests, this week's occupancy (bookings), who
is here now (check-ins), and whatever comes next. The registry lives here, in `members`, the
layer below every app that runs a place (`bookings`, `checkins`, `organisations`): each of them
registers its sections in its `AppConfig.ready()`, and none imports another.

A section is a template rendered with its own context:

    from maillage.members.dashboard import register_section

    register_section(
        "presence",                          # unique name, also the section's HTML id
        template="checkins/dashboard/_here_now.html",
        context=here_now_context,            # (request, place) -> dict, a few queries at most
        order=40,                            # lower first; bookings uses 10 and 30, members 20
    )

The template receives the dict returned by `context`, plus `place`, `request` and `section`
(its name). It should start with an `<h2>` (the dashboard's title is the `<h1>`). Registering a
name again replaces the section (the test settings and autoreload import twice).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string

from maillage.places.models import Place

ContextFunction = Callable[[HttpRequest, Place], dict[str, Any]]


@dataclass(frozen=True)
class Section:
    name: str
    template: str
    context: ContextFunction
    order: int


_SECTIONS: dict[str, Section] = {}


def register_section(name: str, *, template: str, context: ContextFunction, order: int) -> None:
    """Add (or replace) the dashboard section `name`; see the module's docstring."""
    _SECTIONS[name] = Section(name=name, template=template, context=context, order=order)


def unregister_section(name: str) -> None:
    _SECTIONS.pop(name, None)


def sections() -> list[Section]:
    """The registered sections, in their order (then by name)."""
    return sorted(_SECTIONS.values(), key=lambda section: (section.order, section.name))


def render_sections(request: HttpRequest, place: Place) -> list[dict[str, Any]]:
    """Each section's name and HTML for `place`, in order, for the dashboard template."""
    rendered = []
    for section in sections():
        context = {**section.context(request, place), "place": place, "section": section.name}
        rendered.append(
            {
                "name": section.name,
                "html": render_to_string(section.template, context, request=request),
            }
        )
    return rendered
