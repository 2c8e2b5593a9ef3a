"""Embeddable list and map of places (`/embed/lieux/`, `/embed/carte/`), for a network to put
on its own site in an `<iframe>`, with the filters of the list page (`?kind=…&territory=…`).

These two views are the only answers of the site that may be framed: they are exempt from
`X-Frame-Options` and their Content-Security-Policy says `frame-ancestors *` (every other
answer keeps `DENY` and `frame-ancestors 'none'`, so a page with forms or a session cannot be
framed for clickjacking). They show public data only, have no form that writes, and open their
links in the embedding window (`<base target="_top">`). The list is plain HTML that works
without JavaScript; the map page draws the same places with `places/maps.js` above the list.
"""

import math

from csp.decorators import csp_replace
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET

from . import selectors
from .formats import licensing
from .forms import parse_place_search
from .views import geojson_url

EMBED_PAGE_SIZE = 50


def framable(view):
    """May be framed by any site: no X-Frame-Options, CSP `frame-ancestors *`."""
    return require_GET(xframe_options_exempt(csp_replace({"frame-ancestors": ["*"]})(view)))


def _embed(request: HttpRequest, *, with_map: bool) -> HttpResponse:
    search = parse_place_search(request.GET)
    offset = (search.page - 1) * EMBED_PAGE_SIZE
    if not 0 <= offset <= selectors.MAX_OFFSET:
        raise Http404(_("Page introuvable."))
    results = selectors.search_places(
        search.filters, limit=EMBED_PAGE_SIZE, offset=offset, with_labels=False
    )
    page_count = max(1, math.ceil(results.count / EMBED_PAGE_SIZE))
    if search.page > page_count:
        raise Http404(_("Page introuvable."))
    sources = selectors.filter_places(search.filters).values_list("source", flat=True).distinct()
    context = {
        "search": search,
        "results": results,
        "page": search.page,
        "page_count": page_count,
        "previous_query": search.query_string(page=search.page - 1) if search.page > 1 else None,
        "next_query": search.query_string(page=search.page + 1)
        if search.page < page_count
        else None,
        "with_map": with_map,
        "geojson_url": geojson_url(dict(search.api_params.lists())),
        "licence": licensing.current_licence(),
        "attribution": licensing.attribution(sources),
        "full_list_query": search.api_params.urlencode(),
    }
    status = 400 if search.errors else 200
    return render(request, "places/embed/places.html", context, status=status)


@framable
def embed_list(request: HttpRequest) -> HttpResponse:
    """The places of the filters as a list, in plain HTML (no JavaScript needed)."""
    return _embed(request, with_map=False)


@framable
def embed_map(request: HttpRequest) -> HttpResponse:
    """The same places on a map (drawn by `places/maps.js`), the list below it."""
    return _embed(request, with_map=True)
