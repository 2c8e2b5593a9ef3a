"""Template filters for place pages: kind labels, phone display, roles shown in the menu."""

import phonenumbers
from django import template
from django.utils.html import json_script

from maillage.accounts.rules import is_network_admin as _is_network_admin
from maillage.places.kinds import PlaceKind, PlaceStatus

register = template.Library()


@register.filter
def kind_label(code: str) -> str:
    """The translated label of a kind code; an unknown code is shown as is."""
    try:
        return PlaceKind(code).label
    except ValueError:
        return code


@register.filter
def status_label(code: str) -> str:
    try:
        return PlaceStatus(code).label
    except ValueError:
        return code


@register.filter
def phone_national(e164: str) -> str:
    """`+33559000000` → `05 59 00 00 00`; foreign numbers keep their international form."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, "FR")
    except phonenumbers.NumberParseException:
        return e164
    if number.country_code == 33:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


@register.filter
def is_network_admin(user) -> bool:
    return _is_network_admin(user)


@register.filter
def manages_places(user) -> bool:
    """Whether the menu shows "Mes lieux": one EXISTS query, for signed-in people only."""
    if not user.is_authenticated:
        return False
    return user.managed_places.exists()


@register.simple_tag
def kind_labels_script():
    """Kind labels in the page's language, for the map popups (a JSON <script> element)."""
    return json_script({code: str(label) for code, label in PlaceKind.choices}, "kind-labels")
