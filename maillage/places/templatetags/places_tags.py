"""Template filters for place pages: kind labels, phone display, roles shown in the menu."""

import json
import math

import phonenumbers
from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.template.defaultfilters import floatformat
from django.utils.html import format_html, json_script
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from maillage.accounts.rules import is_instance_admin as _is_instance_admin
from maillage.places.kinds import PlaceKind, PlaceStatus
from maillage.places.map_styles import kind_styles, kind_svg
from maillage.places.selectors import places_run_by

register = template.Library()

# Inside a <script> element the HTML parser looks for "</script" and, after "<!--", for
# "<script" too: a name like "<!--<script>" would swallow the rest of the page. With every "<",
# ">" and "&" written as a JSON escape no such sequence is left, and the JSON decodes to the
# same data (as Django's json_script does for application/json).
_SCRIPT_JSON_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026"}


@register.filter
def ratio(value: float | None) -> str:
    """A ratio with two significant digits (French or English decimal mark): 1 place for 12
    million people is « 0,00081 » per 10,000, not « 0,00 »; 12.34 is « 12 »."""
    if value is None:
        return "—"
    if value == 0:
        return "0"
    digits = max(0, 1 - math.floor(math.log10(abs(value))))
    return floatformat(value, digits)


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
def is_instance_admin(user) -> bool:
    return _is_instance_admin(user)


@register.filter
def manages_places(user) -> bool:
    """Whether the menu shows "Mes lieux": one EXISTS query, for signed-in people only."""
    if not user.is_authenticated:
        return False
    return places_run_by(user).exists()


@register.simple_tag
def kind_labels_script():
    """Kind labels in the page's language, for the map popups (a JSON <script> element)."""
    return json_script({code: str(label) for code, label in PlaceKind.choices}, "kind-labels")


@register.simple_tag
def kind_styles_script():
    """Each kind's label, colour, shape and SVG marker, for the maps (a JSON <script> element)."""
    return json_script(kind_styles(), "kind-styles")


@register.inclusion_tag("places/_map_legend.html")
def map_legend(map_id: str, *, kinds=None, near: bool = False, folded: bool = False):
    """The legend of a map: every kind (or `kinds`, codes) with its marker, the groups, and
    the search circle when `near`. HTML, so it reads without JavaScript; `folded` puts it in a
    closed <details> (the list page, whose first result must stay in a phone's first screen)."""
    codes = list(kinds) if kinds else list(PlaceKind.values)
    return {
        "map_id": map_id,
        "items": [(kind_svg(code), PlaceKind(code).label) for code in codes],
        "near": near,
        "folded": folded,
    }


# The views of the national map: metropolitan France and each overseas département, as
# (south, west, north, east) in degrees, with the territory page that lists its places.
MAP_VIEWS = (
    ("", _("France métropolitaine"), (41.3, -5.2, 51.1, 9.6)),
    ("971", "Guadeloupe", (15.83, -61.81, 16.52, -61.0)),
    ("972", "Martinique", (14.38, -61.23, 14.88, -60.81)),
    ("973", "Guyane", (2.1, -54.6, 5.8, -51.6)),
    ("974", "La Réunion", (-21.39, 55.21, -20.87, 55.84)),
    ("976", "Mayotte", (-13.0, 45.01, -12.63, 45.3)),
)


@register.inclusion_tag("places/_map_views.html")
def map_views(map_id: str):
    """Links to each view of the national map (overseas départements included): without
    JavaScript they open the territory's page, with it they move the map there."""
    return {
        "map_id": map_id,
        "views": [
            {"code": code, "name": str(name), "bounds": ",".join(f"{value:g}" for value in bounds)}
            for code, name, bounds in MAP_VIEWS
        ],
    }


@register.simple_tag
def jsonld_script(data: dict):
    """A `<script type="application/ld+json">` of data that no text in it can end early."""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False)
    return format_html(
        '<script type="application/ld+json">{}</script>',
        mark_safe(text.translate(_SCRIPT_JSON_ESCAPES)),  # noqa: S308 (escaped just above)
    )
