"""Reads of the planning app: coverage figures from the database (cached), plan jobs.

Coverage figures are cached under a key made of their parameters and of the version of their
inputs (`places_version`, `territories_version`): any change of a place or of the communes gives
new keys, so figures are recomputed, never served stale; old entries expire.
"""

import hashlib
import json
from typing import Any

from django.core.cache import cache
from django.db.models import QuerySet

from maillage.places.selectors import open_places_by_kind
from maillage.territories.models import Territory

from .models import PlanJob, PlanState
from .rules import can_create_plan, can_view_plan, sees_every_plan

CACHE_TIMEOUT_S = 24 * 3600  # keys change with the data; this only frees memory
TERRITORY_RADII_KM = (5, 10, 20)
MAP_WHITE_ZONES = 1000  # drawn on the map; the table shows the largest ones
TABLE_WHITE_ZONES = 20


# The computations and their inputs bring numpy and scipy with them; they are imported when a
# figure is computed, so that the commands which only load the apps (every `maillage` command
# loads the admin, hence this module) start without them.


def analyse_coverage(**kwargs: Any) -> Any:
    """`computations.analyse_coverage`, imported on first use."""
    from .computations import analyse_coverage as compute

    return compute(**kwargs)


def inputs_version(territory: Territory | None) -> str:
    """The version of the places and of the communes of `territory` (all of France when None)
    that an analysis reads; two queries.
    """
    from maillage.places.arrays import places_version
    from maillage.territories.arrays import territories_version

    return f"{places_version()}|{territories_version(territory)}"


def _digest(name: str, parameters: dict[str, Any], version: str) -> str:
    text = json.dumps([name, parameters, version], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def coverage_report(
    *, territory: Territory | None, kinds: tuple[str, ...], radius_km: float
) -> dict[str, Any]:
    """The JSON of `maillage coverage` for the communes of `territory` (all of France when None)
    and the open places of the database, cached per version of the inputs.
    """
    parameters = {
        "territory": territory.ref if territory is not None else "",
        "kinds": list(kinds),
        "radius_km": radius_km,
    }
    key = "planning:coverage:" + _digest("coverage", parameters, inputs_version(territory))
    report = cache.get(key)
    if report is None:
        from .inputs import commune_population, open_sites

        analysis = analyse_coverage(
            population=commune_population(territory),
            sites=open_sites(),
            radius_km=radius_km,
            kinds=kinds,
        )
        report = analysis.as_json()
        cache.set(key, report, CACHE_TIMEOUT_S)
    return report


def territory_coverage(*, territory: Territory, kind: str, radius_km: float) -> dict[str, Any]:
    """What the coverage section of a territory page shows, cached per version of the inputs.

    - ``rows``: the share of the population within 5, 10 and 20 km of an open place, and the
      distance to the nearest one (mean, median, 90th percentile), for any place then per kind;
    - ``own_places``: the open places inside the territory, under "" for all then per kind
      (the analysis also counts those outside: the nearest place may lie across a border);
    - ``white_zones``: the communes with inhabitants farther than `radius_km` from every place
      of `kind` (any kind when empty), largest first (at most MAP_WHITE_ZONES), with their
      position; ``white_zones_count`` and ``population_uncovered`` count all of them.
    """
    parameters = {"territory": territory.ref, "kind": kind, "radius_km": radius_km}
    key = "planning:territory:" + _digest("territory", parameters, inputs_version(territory))
    figures = cache.get(key)
    if figures is None:
        from .computations import coverage_table, number
        from .inputs import commune_population, open_sites

        population = commune_population(territory)
        sites = open_sites()
        own_total, own_by_kind = open_places_by_kind(territory)
        analysis = analyse_coverage(
            population=population,
            sites=sites,
            radius_km=radius_km,
            kinds=(kind,) if kind else (),
        )
        figures = {
            "population_total": number(analysis.result.population_total),
            "radii_km": list(TERRITORY_RADII_KM),
            "rows": coverage_table(population=population, sites=sites, radii_km=TERRITORY_RADII_KM),
            "own_places": {"": own_total, **own_by_kind},
            "white_zones": analysis.white_zones(MAP_WHITE_ZONES),
            "white_zones_count": len(analysis.zones),
            "population_uncovered": float(analysis.zones.population_uncovered.sum()),
        }
        cache.set(key, figures, CACHE_TIMEOUT_S)
    return figures


# --- plan jobs ----------------------------------------------------------------------------------


def plan_jobs_for(user) -> QuerySet[PlanJob]:
    """The plans a person lists: every plan for instance administrators, their own for others."""
    jobs = PlanJob.objects.select_related("territory", "created_by")
    if sees_every_plan(user):
        return jobs
    if not can_create_plan(user):
        return jobs.none()
    return jobs.filter(created_by=user)


def get_plan_job(*, user, job_id: int) -> PlanJob:
    """One plan the person may view (see `rules.can_view_plan`); PlanJob.DoesNotExist otherwise."""
    job = PlanJob.objects.select_related("territory", "created_by").get(pk=job_id)
    if not can_view_plan(user, job):
        raise PlanJob.DoesNotExist
    return job


def plan_digest(job: PlanJob) -> str:
    """The digest of a plan's parameters and of the current version of its inputs."""
    parameters = {
        "territory": job.territory.ref,
        "kind": job.kind,
        "radius_km": job.radius_km,
        "n_new": job.n_new,
        "method": job.method,
        "objective": job.objective,
        "time_limit_s": job.time_limit_s,
    }
    return _digest("plan", parameters, inputs_version(job.territory))


def cached_plan_result(digest: str) -> dict[str, Any] | None:
    """The result of an earlier plan with the same digest, if one succeeded."""
    return (
        PlanJob.objects.filter(inputs_digest=digest, state=PlanState.SUCCEEDED)
        .order_by("-finished_at")
        .values_list("result", flat=True)
        .first()
    )
