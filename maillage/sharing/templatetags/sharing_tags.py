"""The library-of-things panel of a place page: how many objects it lends, and the way there."""

from django import template

from maillage.sharing.selectors import catalogue

register = template.Library()


@register.inclusion_tag("sharing/_place_panel.html", takes_context=True)
def place_sharing_panel(context, place):
    """Nothing when the place lends nothing the visitor may see (one query)."""
    user = context["request"].user
    return {"place": place, "item_count": catalogue(place, viewer=user).count()}
