"""The members panel of a place page: join, or one's membership, and the staff's links."""

from django import template

from maillage.members.forms import JoinForm
from maillage.members.models import Plan
from maillage.members.rules import can_manage_members, can_request_membership, can_see_directory
from maillage.members.selectors import open_membership

register = template.Library()


@register.inclusion_tag("members/_place_panel.html", takes_context=True)
def members_panel(context, place):
    request = context["request"]
    user = request.user
    membership = open_membership(user, place)
    plans = Plan.objects.filter(place=place, is_active=True).order_by("price_cents", "name")
    can_join = membership is None and can_request_membership(user, place)
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "place": place,
        "user": user,
        "membership": membership,
        "can_join": can_join,
        "form": JoinForm(plans=plans) if can_join else None,
        "can_manage": can_manage_members(user, place),
        "can_see_directory": user.is_authenticated and can_see_directory(user, place),
    }


@register.filter
def euros(cents) -> str:
    """12000 → "120,00 €" (the French way; exact, from integer cents)."""
    if cents is None:
        return ""
    return f"{cents // 100},{cents % 100:02d} €"
