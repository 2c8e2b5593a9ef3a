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
