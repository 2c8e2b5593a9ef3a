"""Analysis pages: the coverage section of territory pages, plans and their downloads.

The coverage section is loaded by htmx into the territory page (which stays fast: figures are
computed, or read from the cache, only by this second request); without JavaScript the page
links to the same URL, which then renders a page of its own.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from maillage.common.errors import PermissionDenied, ValidationFailed
from maillage.common.lifecycle import IllegalTransition
from maillage.common.tabular import BYTE_ORDER_MARK, with_byte_order_mark
from maillage.common.text import control_characters_message, has_control_characters
from maillage.places.kinds import PlaceKind
from maillage.places.views import geojson_url
from maillage.territories.models import Territory
from maillage.territories.selectors import (
    choose_territory,
    get_territory,
    outline_url,
    suggestion_label,
)

from . import reports
from .forms import CoverageFilterForm, PlanForm
from .models import PlanJob, PlanState
from .rules import can_create_plan, can_retry_plan
from .selectors import TABLE_WHITE_ZONES, get_plan_job, plan_jobs_for, territory_coverage
from .services import create_plan_job, launch_plan_job, retry_plan_job

HISTORY_LENGTH = 50


def _territory_or_404(level: str, code: str) -> Territory:
    if level not in Territory.Level.values:
        raise Http404(_("Niveau de territoire inconnu."))
    try:
        return get_territory(level=level, code=code)
    except Territory.DoesNotExist:
        raise Http404(_("Territoire introuvable.")) from None


def _percent(share: float | None) -> float | None:
    return None if share is None else 100 * share


@require_GET
def coverage_section(request: HttpRequest, level: str, code: str) -> HttpResponse:
    """Coverage of a territory by kind at 5, 10 and 20 km, distances, and its white zones."""
    territory = _territory_or_404(level, code)
    form = CoverageFilterForm(request.GET or None)
    kind, radius_km = form.values()
    figures = territory_coverage(territory=territory, kind=kind, radius_km=radius_km)
    labels = dict(PlaceKind.choices)
    rows = [
        {
            "kind": row["kind"],
            "label": labels.get(row["kind"], row["kind"]) if row["kind"] else _("Tous les lieux"),
            "own_places": figures["own_places"].get(row["kind"], 0),
            "places": row["places"],
            "percents": [_percent(share) for share in row["shares"]],
            "distance": row["distance_km"],
        }
        for row in figures["rows"]
    ]
    zones = figures["white_zones"]
    context = {
        "territory": territory,
        "form": form,
        "kind": kind,
        "kind_label": labels.get(kind, ""),
        "radius_km": radius_km,
        "radii_km": figures["radii_km"],
        "population_total": figures["population_total"],
        "rows": rows,
        "zones_table": zones[:TABLE_WHITE_ZONES],
        "zones_count": figures["white_zones_count"],
        "zones_on_map": len(zones),
        "population_uncovered": round(figures["population_uncovered"]),
        "share_uncovered": (
            _percent(figures["population_uncovered"] / figures["population_total"])
            if figures["population_total"]
            else None
        ),
        "map_zones": [
            [z["latitude"], z["longitude"], z["population_uncovered"], z["name"], z["code"]]
            for z in zones
        ],
        "section_url": reverse("planning:coverage", args=[territory.level, territory.code]),
        **_white_zone_downloads(territory, kind=kind, radius_km=radius_km),
    }
    template = "planning/_coverage_section.html" if request.htmx else "planning/coverage_page.html"
    return render(request, template, context)


@require_GET
def coverage_search(request: HttpRequest) -> HttpResponse:
    """`/analyse/couverture/?territory=Gironde`: the coverage page of the territory a name says,
    or the territories an ambiguous name may mean, to choose from (works without JavaScript)."""
    text = request.GET.get("territory", "").strip()[:100]
    candidates: list[Territory] = []
    error = ""
    if has_control_characters(text):
        error, text = control_characters_message(), ""
    elif text:
        choice = choose_territory(text, limit=20)
        if choice.territory is not None:
            return redirect(
                "planning:coverage", level=choice.territory.level, code=choice.territory.code
            )
        candidates = list(choice.candidates)
        if not candidates:
            error = (
                _(
                    "Aucun territoire ne s'appelle « %s ». Tapez le début de son nom, ou son code "
                    "INSEE."
                )
                % text
            )
    return render(
        request,
        "planning/coverage_search.html",
        {"query": text, "candidates": candidates, "error": error},
        status=400 if error else 200,
    )


def _territory_label(text: str) -> str:
    """A territory passed in a link (`departement:64`) shown as a person reads it."""
    text = text.strip()[:100]
    if not text or has_control_characters(text):
        return ""
    choice = choose_territory(text)
    return suggestion_label(choice.territory) if choice.territory is not None else text


def _white_zone_downloads(territory: Territory, *, kind: str, radius_km: float) -> dict:
    params = {"kind": kind, "radius_km": f"{radius_km:g}"} if kind else {"radius_km": radius_km}
    query = urlencode(params)
    args = [territory.level, territory.code]
    existing = {"territory": [territory.ref], "status": ["open"]}
    if kind:
        existing["kind"] = [kind]
    return {
        "zones_csv_url": f"{reverse('planning:white_zones_csv', args=args)}?{query}",
        "zones_geojson_url": f"{reverse('planning:white_zones_geojson', args=args)}?{query}",
        # The open places counted, drawn on the white-zone map with the zones.
        "zones_existing_url": geojson_url(existing),
        # And the territory's outline under them (analysis_maps.js draws it).
        "zones_outline_url": outline_url(territory),
    }


def _coverage_of(request: HttpRequest, level: str, code: str) -> tuple[Territory, dict]:
    territory = _territory_or_404(level, code)
    kind, radius_km = CoverageFilterForm(request.GET or None).values()
    return territory, territory_coverage(territory=territory, kind=kind, radius_km=radius_km)


@require_GET
def white_zones_csv(request: HttpRequest, level: str, code: str) -> StreamingHttpResponse:
    """The white zones the coverage page maps (same kind and radius), largest first:
    `code,name,population_uncovered,population_total`, with a byte-order mark for Excel."""
    territory, figures = _coverage_of(request, level, code)
    response = StreamingHttpResponse(
        with_byte_order_mark(reports.white_zones_csv(figures["white_zones"])),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="zones-blanches-{territory.level}-{territory.code}.csv"'
    )
    return response


@require_GET
def white_zones_geojson(request: HttpRequest, level: str, code: str) -> HttpResponse:
    """The same white zones as GeoJSON points (each commune's centre)."""
    territory, figures = _coverage_of(request, level, code)
    response = JsonResponse(
        reports.white_zones_geojson(figures["white_zones"]),
        content_type="application/geo+json",
        json_dumps_params={"ensure_ascii": False},
    )
    response["Content-Disposition"] = (
        f'attachment; filename="zones-blanches-{territory.level}-{territory.code}.geojson"'
    )
    return response


@require_http_methods(["GET", "POST"])
def plan_list(request: HttpRequest) -> HttpResponse:
    """The form that asks for a plan (signed-in people) and the plans one may follow."""
    if request.method == "POST" and not can_create_plan(request.user):
        return redirect(f"{reverse('accounts:login')}?next={request.path}")
    initial = {"territory": _territory_label(request.GET.get("territory", ""))}
    if request.GET.get("kind") in PlaceKind.values:
        initial["kind"] = request.GET["kind"]
    form = PlanForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            job = create_plan_job(actor=request.user, **form.cleaned_data)
        except ValidationFailed as exc:
            exc.add_to_form(form)
        else:
            job = launch_plan_job(job=job)
            return redirect("planning:plan", job_id=job.pk)
    return render(
        request,
        "planning/plan_list.html",
        {
            "form": form,
            "may_create": can_create_plan(request.user),
            "jobs": plan_jobs_for(request.user)[:HISTORY_LENGTH],
        },
    )


def _job_or_404(request: HttpRequest, job_id: int) -> PlanJob:
    try:
        return get_plan_job(user=request.user, job_id=job_id)
    except PlanJob.DoesNotExist:
        raise Http404(_("Plan introuvable.")) from None


@require_GET
def plan_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    """A plan: its progress while it runs (polled by htmx), then the chosen sites."""
    job = _job_or_404(request, job_id)
    result = job.result or {}
    total = result.get("population_total") or 0
    context = {
        "job": job,
        "may_retry": can_retry_plan(request.user, job),
        "result": result,
        "territory_label": reports.territory_label(job.territory),
        "share_before": _percent(result["population_covered_before"] / total) if total else None,
        "share_after": _percent(result["population_covered_after"] / total) if total else None,
        "gap_percent": _percent(result.get("gap")),
        "existing_url": geojson_url(
            {"status": ["open"], **({"kind": [job.kind]} if job.kind else {})}
        ),
    }
    template = "planning/_plan_status.html" if request.htmx else "planning/plan_detail.html"
    return render(request, template, context)


@require_POST
def plan_retry(request: HttpRequest, job_id: int) -> HttpResponse:
    """Run a failed or stalled plan again (the button its author and admins see)."""
    job = _job_or_404(request, job_id)
    try:
        retry_plan_job(actor=request.user, job=job)
    except IllegalTransition:
        messages.error(request, _("Ce plan n'est ni échoué ni bloqué : il n'est pas relancé."))
    except PermissionDenied:
        raise Http404(_("Plan introuvable.")) from None
    except ValidationFailed as exc:
        for error in exc.errors:
            messages.error(request, error.message)
    return redirect("planning:plan", job_id=job.pk)


def _succeeded_result(request: HttpRequest, job_id: int) -> tuple[PlanJob, dict]:
    job = _job_or_404(request, job_id)
    if job.state != PlanState.SUCCEEDED:
        raise Http404(_("Ce plan n'a pas de résultat."))
    return job, job.result


@require_GET
def plan_csv(request: HttpRequest, job_id: int) -> HttpResponse:
    """The chosen sites as CSV: `rank,id,name,latitude,longitude,gain`, with a byte-order mark
    for French Excel (common.tabular)."""
    job, result = _succeeded_result(request, job_id)
    response = HttpResponse(
        BYTE_ORDER_MARK + reports.chosen_csv(result), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="plan-{job.pk}.csv"'
    return response


@require_GET
def plan_geojson(request: HttpRequest, job_id: int) -> HttpResponse:
    """The chosen sites as a GeoJSON FeatureCollection."""
    job, result = _succeeded_result(request, job_id)
    response = JsonResponse(
        reports.chosen_geojson(result),
        content_type="application/geo+json",
        json_dumps_params={"ensure_ascii": False},
    )
    response["Content-Disposition"] = f'attachment; filename="plan-{job.pk}.geojson"'
    return response
