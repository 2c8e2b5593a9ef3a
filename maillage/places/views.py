"""Pages of the directory: the map, the list, a place, and the forms that change places.

Views only read parameters, check permissions through `rules`/selectors, call a selector or a
service and render. Places a visitor may not edit answer 404, as in the API.
"""

import math
from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from maillage.common.tabular import with_byte_order_mark
from maillage.common.timeranges import territory_timezone

from . import selectors, services
from .fields import BY_NAME
from .filters import CODE_LIST_PARAMS, filters_from_params
from .formats import EXPORT_FIELDS, osm, row_from_place
from .formats.canonical import iter_places_csv
from .formats.licensing import licensed
from .formats.schemaorg import place_jsonld
from .forms import PlaceForm, parse_place_search
from .hours import is_open_at, next_change, week_schedule
from .kinds import PlaceKind, PlaceStatus
from .models import Label, Network, Place
from .rules import can_create_place, can_edit_place

PAGE_SIZE = 20
# The API's GeoJSON of places (maillage/places/api.py), read by the maps of every page.
GEOJSON_PATH = "/api/v1/places.geojson"


def geojson_url(params: Mapping[str, list[str]] | None = None) -> str:
    """The compact GeoJSON of the API for these filters (each with its list of values)."""
    query = {"compact": ["1"], **(params or {})}
    return f"{GEOJSON_PATH}?{urlencode(query, doseq=True)}"


CLUSTERS_PATH = "/api/v1/places.clusters"


def clusters_url(params: Mapping[str, list[str]] | None = None) -> str:
    """The API's map view endpoint for these filters (the map adds its bbox and zoom)."""
    query = {name: values for name, values in (params or {}).items() if name != "bbox"}
    encoded = urlencode(query, doseq=True)
    return f"{CLUSTERS_PATH}?{encoded}" if encoded else CLUSTERS_PATH


def download_urls(params: Mapping[str, list[str]]) -> dict[str, str]:
    """« Télécharger ces résultats »: the CSV for people (with a byte-order mark, `export_csv`)
    and the full GeoJSON of the API, both for the same filters (API parameters)."""
    query = urlencode(params, doseq=True)
    suffix = f"?{query}" if query else ""
    return {
        "download_csv_url": f"{reverse('places:export_csv')}{suffix}",
        "download_geojson_url": f"{GEOJSON_PATH}{suffix}",
    }


@require_GET
def export_csv(request: HttpRequest) -> HttpResponse:
    """Every place matching the list's filters (the API's parameters, as `download_urls` writes
    them) in the canonical CSV, with a byte-order mark so that French Excel reads it as UTF-8;
    the importer reads it back. Filters that do not validate answer 400 with the messages."""
    filters, errors = filters_from_params(request.GET)
    if errors:
        return HttpResponse(
            "\n".join(f"{error.field}: {error.message}" for error in errors),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    rows = selectors.search_places(filters, fields=EXPORT_FIELDS)
    response = StreamingHttpResponse(
        with_byte_order_mark(iter_places_csv(rows.items)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="tiers-lieux.csv"'
    return licensed(response, request)


def home(request: HttpRequest) -> HttpResponse:
    """The map of every place, a search box, and the places counted by kind."""
    places = selectors.filter_places(selectors.PlaceFilters())
    counts = selectors.kind_counts(places)
    kinds = [
        {"code": code, "label": label, "count": counts.get(code, 0)}
        for code, label in PlaceKind.choices
    ]
    return render(
        request,
        "places/home.html",
        {
            "total": places.count(),
            "open_total": places.filter(status=PlaceStatus.OPEN).count(),
            "departement_total": places.exclude(departement_code="")
            .values("departement_code")
            .distinct()
            .count(),
            "kinds": kinds,
            "geojson_url": geojson_url(),
            "clusters_url": clusters_url(),
        },
    )


def _open_state(opening_hours: str, moment: datetime, zone: ZoneInfo) -> dict:
    """Open now or not, and when that changes (None values when the hours do not say)."""
    is_open = is_open_at(opening_hours, moment, zone=zone) if opening_hours else None
    change = next_change(opening_hours, moment, zone=zone) if is_open is not None else None
    local = moment.astimezone(zone)
    return {
        "is_open": is_open,
        "next_change": change,
        "next_change_today": change is not None and change.astimezone(zone).date() == local.date(),
    }


def place_list(request: HttpRequest) -> HttpResponse:
    """The directory as a paginated list with filters; htmx gets the results fragment only.

    A page number that is not one, or past the last page, answers 404; invalid filters are
    shown next to their field and answer 400 (the htmx fragment stays a 200: htmx swaps only
    successful answers, and the fragment carries the errors).
    """
    search = parse_place_search(request.GET)
    offset = (search.page - 1) * PAGE_SIZE
    if not 0 <= offset <= selectors.MAX_OFFSET:
        raise Http404(_("Page introuvable."))
    results = selectors.search_places(
        search.filters,
        limit=PAGE_SIZE,
        offset=offset,
        fields=(*selectors.LIST_FIELDS, "departement_code", "region_code"),
        with_labels=False,
    )
    moment = timezone.now()
    for item in results.items:
        # Hours say nothing about a place that is closed for good or not open yet.
        serving = item["status"] == PlaceStatus.OPEN
        zone = territory_timezone(
            departement_code=item["departement_code"], region_code=item["region_code"]
        )
        item["is_open"] = is_open_at(item["opening_hours"], moment, zone=zone) if serving else None
    page_count = max(1, math.ceil(results.count / PAGE_SIZE))
    if search.page > page_count:
        raise Http404(_("Page introuvable."))
    context = {
        "search": search,
        "results": results,
        "page": search.page,
        "page_count": page_count,
        "previous_query": search.query_string(page=search.page - 1) if search.page > 1 else None,
        "next_query": search.query_string(page=search.page + 1)
        if search.page < page_count
        else None,
        "kinds": PlaceKind.choices,
        "statuses": PlaceStatus.choices,
        # (parameter, legend, choices, checked codes, errors) of each closed code list.
        "code_lists": [
            (
                name,
                BY_NAME[field].label,
                choices.choices,
                getattr(search.filters, field),
                search.errors.get(name, []),
            )
            for name, (field, choices) in CODE_LIST_PARAMS.items()
        ],
        "service_suggestions": selectors.popular_labels(Label.Category.SERVICE),
        "geojson_url": geojson_url(dict(search.api_params.lists())),
        "clusters_url": clusters_url(dict(search.api_params.lists())),
        # The circle of a « près de » search, drawn on the map.
        "near": ",".join(f"{value:.5f}" for value in search.filters.near)
        if search.filters.near
        else "",
        "radius_km": f"{search.filters.radius_km:g}" if search.filters.radius_km else "",
        **download_urls(dict(search.api_params.lists())),
    }
    partial = request.htmx and request.htmx.target == "resultats"
    template = "places/_results.html" if partial else "places/place_list.html"
    status = 400 if search.errors and not partial else 200
    response = render(request, template, context, status=status)
    # One URL answers a fragment to htmx and a page to everyone else: caches must tell them apart.
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


def _place_or_404(slug: str) -> Place:
    try:
        return selectors.get_place(slug=slug)
    except Place.DoesNotExist:
        raise Http404(_("Lieu introuvable.")) from None


def place_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """Everything public about a place, its week of opening hours, and its schema.org data."""
    place = _place_or_404(slug)
    zone = place.timezone
    moment = timezone.now()
    today = moment.astimezone(zone).date()
    context = {
        "place": place,
        "kinds": [link.kind for link in place.kind_links.all()],
        "reception": selectors.code_list_facts(place),
        "open_state": _open_state(place.opening_hours, moment, zone)
        if place.status == PlaceStatus.OPEN
        else None,
        "schedule": week_schedule(place.opening_hours, today, zone=zone),
        "today": today,
        "zone_name": zone.key,
        "coordinates": f"{place.latitude},{place.longitude}",
        "can_edit": can_edit_place(request.user, place),
        "jsonld": place_jsonld(place, request.build_absolute_uri("/")),
    }
    if context["can_edit"]:
        context.update(_osm_comparison(place))
    # Times on the page ("ferme à 18:00") are the place's wall clock, like its hours.
    with timezone.override(zone):
        return render(request, "places/place_detail.html", context)


def _osm_comparison(place: Place) -> dict:
    """The OSM record of the place and how the place differs from it (for its editors)."""
    record = selectors.osm_record_of(place)
    if record is None:
        return {}
    return {
        "osm_record": record,
        "osm_url": osm.osm_url(record.osm_id),
        "osm_differences": osm.osm_diff(
            row_from_place(place), record.tags, record.latitude, record.longitude
        ),
    }


def _editable_or_404(request: HttpRequest, slug: str) -> Place:
    try:
        return selectors.get_place_for_edit(user=request.user, slug=slug)
    except Place.DoesNotExist:
        raise Http404(_("Lieu introuvable.")) from None


@login_required
def my_places(request: HttpRequest) -> HttpResponse:
    """The places the signed-in person runs (a role, or a network they coordinate), with a
    link to edit those they may edit.
    """
    places = selectors.places_run_by(request.user)
    return render(
        request,
        "places/my_places.html",
        {
            "places": places,
            "editable": selectors.editable_ids(request.user, places),
            "networks": selectors.networks_coordinated_by(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def place_edit(request: HttpRequest, slug: str) -> HttpResponse:
    """The edit form, for those who may edit the place (rules.can_edit_place; 404 for anyone
    else).
    """
    place = _editable_or_404(request, slug)
    form = PlaceForm(request.POST or None, place=place)
    if request.method == "POST" and form.is_valid():
        place = services.update_place(actor=request.user, place=place, changes=form.changes)
        messages.success(request, _("Les modifications sont enregistrées."))
        return redirect("places:detail", slug=place.slug)
    return render(request, "places/place_form.html", {"form": form, "place": place})


@login_required
@require_http_methods(["GET", "POST"])
def place_create(request: HttpRequest) -> HttpResponse:
    """The creation form, for instance administrators only (403 for other signed-in people)."""
    if not can_create_place(request.user):
        raise PermissionDenied
    form = PlaceForm(request.POST or None, initial={"status": PlaceStatus.OPEN})
    if request.method == "POST" and form.is_valid():
        place = services.create_place(actor=request.user, data=form.changes)
        messages.success(request, _("Le lieu « %s » est créé.") % place.name)
        return redirect("places:detail", slug=place.slug)
    return render(request, "places/place_form.html", {"form": form, "place": None})


@login_required
@require_http_methods(["GET", "POST"])
def place_delete(request: HttpRequest, slug: str) -> HttpResponse:
    """A confirmation page; the POST removes the place (same permission as editing)."""
    place = _editable_or_404(request, slug)
    if request.method == "POST":
        name = place.name
        services.delete_place(actor=request.user, place=place)
        messages.success(request, _("Le lieu « %s » est supprimé.") % name)
        return redirect(reverse("places:list"))
    return render(request, "places/place_confirm_delete.html", {"place": place})


def network_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """A network's places and their counts by kind, status and département, for its
    coordinators and instance administrators (rules.can_view_network; 404 for anyone else, so
    a network's existence is not told to strangers).
    """
    try:
        figures = selectors.get_network_figures(user=request.user, slug=slug)
    except Network.DoesNotExist:
        raise Http404(_("Réseau introuvable.")) from None
    # Who sees this page (the network's coordinators, instance administrators) is exactly who
    # runs the network's events (events.rules.can_run_network_events), so the page links to
    # the new-event page for everyone it shows; places may not import events (layers).
    return render(request, "places/network_detail.html", {"figures": figures, "runs_events": True})
