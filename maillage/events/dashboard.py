"""The section events adds to a place's staff dashboard (registry: `members.dashboard`): the
next events of the place with their seats taken, waiting lists and a link to each roll call."""

from django.http import HttpRequest
from django.utils import timezone

from maillage.members.dashboard import register_section
from maillage.places.models import Place

from .models import Event

SHOWN = 8


def coming_events_context(request: HttpRequest, place: Place) -> dict:
    from django.db.models import Count, Q

    events = list(
        Event.objects.filter(place=place, end__gt=timezone.now())
        .annotate(waiting=Count("registrations", filter=Q(registrations__status="waiting")))
        .order_by("start", "pk")[:SHOWN]
    )
    zone = place.timezone
    for event in events:
        event.local_start = event.start.astimezone(zone)
    return {"events": events}


def register() -> None:
    register_section(
        "evenements",
        template="events/dashboard/_coming.html",
        context=coming_events_context,
        order=35,
    )
