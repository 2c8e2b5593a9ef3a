from django import template

from maillage.events.rules import can_create_event
from maillage.events.selectors import EventFilters, filter_events, upcoming

register = template.Library()


@register.filter
def euros(cents: int) -> str:
    """12050 → « 120,50 € » (integer arithmetic, no float)."""
    return f"{cents // 100},{cents % 100:02d} €"


@register.inclusion_tag("events/_place_panel.html", takes_context=True)
def place_events_panel(context, place, count: int = 3):
    """The next events of a place on its page, with the way to its whole agenda (and, for its
    staff, to a new event). Two queries, whatever the number of events."""
    user = context["request"].user
    filters = upcoming(EventFilters(place=place, include_cancelled=False))
    events = list(filter_events(user, filters)[:count])
    return {
        "place": place,
        "events": events,
        "can_create": can_create_event(user, place=place),
    }
