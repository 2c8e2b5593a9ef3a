"""The analysis part of the JSON API: coverage of a territory, plan jobs."""

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from maillage.accounts.auth import token_auth
from maillage.common.schemas import error_responses

from .models import PlanJob
from .schemas import CoverageOut, CoverageQuery, PlanCreatedOut, PlanIn, PlanJobOut
from .selectors import coverage_report, get_plan_job
from .services import create_plan_job, launch_plan_job
from .validation import clean_coverage_parameters

router = Router(tags=["analysis"])


@router.get(
    "coverage",
    response={200: CoverageOut, **error_responses(422)},
    operation_id="get_coverage",
    summary="Couverture d'un territoire par les tiers-lieux",
    description=(
        "La part de la population (communes, population légale) à moins de `radius_km` d'un "
        "lieu ouvert, la distance au lieu le plus proche (moyenne, médiane, 90e centile, "
        "pondérées par la population), les mêmes chiffres par type, et les 50 communes les "
        "plus peuplées sans lieu dans le rayon (`white_zones`). Les lieux hors du territoire "
        "comptent pour ses habitant·es. Même JSON que `maillage coverage --format json` ; "
        "résultat mis en cache tant que les lieux et les communes ne changent pas."
    ),
)
def get_coverage(request: HttpRequest, query: Query[CoverageQuery]):
    territory, kinds, radius_km = clean_coverage_parameters(
        territory=query.territory, kinds=query.kind, radius_km=query.radius_km
    )
    return coverage_report(territory=territory, kinds=kinds, radius_km=radius_km)


@router.post(
    "plans",
    auth=token_auth,
    response={202: PlanCreatedOut, **error_responses(400, 401, 422)},
    operation_id="create_plan",
    summary="Demander un plan d'implantation",
    description=(
        "Choisit `n_new` emplacements parmi les centres des communes du territoire pour couvrir "
        "le plus d'habitant·es à `radius_km` (ou réduire la distance moyenne, `objective="
        "distance`), compte tenu des lieux ouverts du type `kind`. Réponse 202 avec l'`id` du "
        "calcul : les petits territoires sont calculés pendant la requête (`status` vaut déjà "
        "`succeeded`), les autres en arrière-plan ; suivre `GET /analysis/plans/{id}`. Jeton "
        "requis."
    ),
)
def create_plan(request: HttpRequest, payload: PlanIn):
    job = create_plan_job(actor=request.auth, **payload.model_dump())
    job = launch_plan_job(job=job)
    return Status(202, {"id": job.pk, "status": job.state})


@router.get(
    "plans/{job_id}",
    response={200: PlanJobOut, **error_responses(404, 422)},
    operation_id="get_plan",
    summary="État et résultat d'un plan",
    description=(
        "`status`, `step` et `progress` (pourcentage) tant que le calcul tourne ; `result` "
        "(même JSON que `maillage plan --format json`) une fois `status` à `succeeded`, "
        "`error` s'il a échoué. Les plans sont publics : leur lien se partage."
    ),
)
def get_plan(request: HttpRequest, job_id: int):
    try:
        job = get_plan_job(user=request.user, job_id=job_id)
    except PlanJob.DoesNotExist:
        raise Http404(_("Aucun plan n° %d.") % job_id) from None
    return {
        "id": job.pk,
        "status": job.state,
        "step": job.step,
        "progress": job.progress_percent or 0,
        "territory": job.territory.ref,
        "kind": job.kind,
        "radius_km": job.radius_km,
        "n_new": job.n_new,
        "method": job.method,
        "objective": job.objective,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
        "error": job.stop_reason,
        "result": job.result,
    }
