from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from maillage.observatory import catalogue

register = template.Library()


@register.filter
def figure(value, code: str = ""):
    """A value as the pages show it: a share in per cent, a count with thousands separators,
    « — » when there is no value (hidden by secrecy, or no data)."""
    if value is None:
        return "—"
    indicator = catalogue.BY_CODE.get(code)
    if indicator is not None and indicator.unit == "share":
        return f"{number_format(value * 100, 0)} %"
    if float(value).is_integer():
        return intcomma(int(value))
    return intcomma(number_format(value, 1))


@register.filter
def lookup(mapping, key):
    return mapping.get(key) if mapping else None


@register.simple_tag
def hidden_label():
    return _("masqué ou sans donnée")


@register.filter
def map_state(figures, code: str) -> str:
    """How the map draws `figures`' value of `code`: « value », « secret » (hidden by
    statistical secrecy) or « none » (no data): the two absences are told apart."""
    if code in getattr(figures, "hidden", ()):
        return "secret"
    value = figures.values.get(code) if figures.values else None
    return "none" if value is None else "value"


@register.filter
def raw_value(value) -> str:
    """A value as a machine reads it (a dot, no separators), "" when there is none."""
    return "" if value is None else repr(float(value))
