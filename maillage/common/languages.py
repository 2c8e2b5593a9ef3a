"""A page's language may be chosen in its address (`?lang=en`), so that each language has an
address of its own: the `hreflang` alternates of every page point there, a shared link shows the
language it was copied in, and a search engine can index both. Without the parameter the
language comes, as before, from the language cookie or the browser (LocaleMiddleware).
"""

from django.conf import settings
from django.utils import translation

LANGUAGE_PARAMETER = "lang"


class QueryLanguageMiddleware:
    """After LocaleMiddleware: `?lang=xx`, a language of LANGUAGES, wins for this request only
    (nothing is stored: the cookie stays the person's own choice)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.codes = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        code = request.GET.get(LANGUAGE_PARAMETER, "")
        if code in self.codes:
            translation.activate(code)
            request.LANGUAGE_CODE = code
        return self.get_response(request)
