"""The section events adds to a member's page, « Mon espace » (registry:
`members.member_page`): the person's coming registrations and their calendar feed."""

from django.http import HttpRequest

from maillage.members.member_page import register_section

from .models import EventFeed
from .selectors import coming_registrations, waiting_positions


def my_registrations_context(request: HttpRequest) -> dict | None:
    if not request.user.is_authenticated:
        return None
    coming = coming_registrations(request.user)
    for registration in coming:
        event = registration.event
        zone = event.timezone
        registration.local_start = event.start.astimezone(zone)
        if registration.status == "waiting":
            registration.position = waiting_positions(event).get(registration.pk)
    live = EventFeed.objects.filter(user=request.user, revoked_at__isnull=True).first()
    return {"coming": coming, "own_feed": live}


def register() -> None:
    register_section(
        "evenements", "events/my_space/_registrations.html", my_registrations_context, order=30
    )
