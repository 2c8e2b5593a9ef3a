"""Links every page's head carries: its canonical address and its address in each language."""

from urllib.parse import urlencode

from django import template
from django.conf import settings

from maillage.common.languages import LANGUAGE_PARAMETER

register = template.Library()


def _query_without_language(request) -> list[tuple[str, str]]:
    return [
        (key, value)
        for key, values in request.GET.lists()
        if key != LANGUAGE_PARAMETER
        for value in values
    ]


@register.simple_tag(takes_context=True)
def canonical_url(context) -> str:
    """The page's absolute address, query kept (a filtered list is its own page) but without
    the language parameter: both languages are one page for search engines' canonical."""
    request = context.get("request")
    if request is None:  # a page rendered without a request (an error page of a test)
        return ""
    query = _query_without_language(request)
    url = request.build_absolute_uri(request.path)
    return f"{url}?{urlencode(query)}" if query else url


@register.simple_tag(takes_context=True)
def language_url(context, code: str) -> str:
    """The page's absolute address in the language `code` (`?lang=en`), for `hreflang`."""
    request = context.get("request")
    if request is None:
        return ""
    query = [*_query_without_language(request), (LANGUAGE_PARAMETER, code)]
    return f"{request.build_absolute_uri(request.path)}?{urlencode(query)}"


@register.simple_tag
def language_codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]
