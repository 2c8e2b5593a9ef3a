"""`POST /api/v1/imports`: the import of a file by an instance administrator, answered with
its report; `GET /api/v1/imports/{job_id}`: the report of an import, read again.
"""

from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from maillage.accounts.auth import token_auth
from maillage.common.schemas import ErrorOut, error_responses

from .models import ImportJob, ImportState
from .selectors import displayed_errors, displayed_warnings, get_import_job
from .services import FILE_FIELD, create_import_job, run_import_job

router = Router(tags=["imports"])


class ImportErrorOut(Schema):
    # The line of the file, or an OSM object's id (`n123`, `w456`) for an OSM extract.
    line: int | str
    field: str
    # A stable code (docs/data.md, « Import error codes »), "" for an error without one.
    code: str = ""
    params: dict[str, Any] = {}
    # Rendered from code and params in the request's language (Accept-Language).
    message: str


class ImportReportOut(Schema):
    """The report of `maillage import_places --format json`, with the job that ran it."""

    detail: str
    job_id: int
    state: str
    dry_run: bool
    partial: bool
    created: int
    updated: int
    unchanged: int
    rejected: int
    errors: list[ImportErrorOut]
    warnings: list[str]


def report_errors(job: ImportJob) -> list[dict]:
    """The rejected rows and, for an import stopped before its end, why: an error on the file at
    line 0, as the report has always given it. Messages are in the active language
    (`selectors.displayed_errors`)."""
    errors = displayed_errors(job.errors)
    if not job.error_message:
        return errors
    stopped = {"line": 0, "field": FILE_FIELD, "code": job.error_code, "params": job.error_params}
    return [*errors, {**stopped, "message": job.stop_reason}]


def _report(job: ImportJob) -> dict:
    if not job.is_finished:
        detail = _("Import en cours : son rapport sera complet à la fin.")
    elif job.state == ImportState.SUCCEEDED:
        detail = _("Import terminé.") if not job.dry_run else _("Simulation terminée.")
    elif job.rejected_count and not job.partial:
        detail = _("Des lignes sont rejetées : rien n'a été écrit.")
    elif job.rejected_count:
        detail = _("Des lignes sont rejetées ; les lignes valides sont importées.")
    else:
        detail = _("Le fichier n'a pas pu être importé.")
    return {
        "detail": detail,
        "job_id": job.pk,
        "state": job.state,
        "dry_run": job.dry_run,
        "partial": job.partial,
        "created": job.created_count,
        "updated": job.updated_count,
        "unchanged": job.unchanged_count,
        "rejected": job.rejected_count,
        "errors": report_errors(job),
        "warnings": displayed_warnings(job.warnings),
    }


@router.post(
    "",
    auth=token_auth,
    response={
        200: ImportReportOut,
        **error_responses(401, 403),
        # The report of a rejected import, or the error of a request that does not validate (no
        # file, no source).
        422: ImportReportOut | ErrorOut,
    },
    operation_id="create_import",
    summary="Importer des lieux",
    description=(
        "Réservé aux administrateur·rices de l’instance. Envoi `multipart/form-data` : `file` "
        "(CSV canonique, GeoJSON, CSV du schéma national « Lieux de médiation numérique », JSON "
        "des structures data·inclusion ou extrait OpenStreetMap `.osm.pbf`/`.osm`, reconnu "
        "d'après le contenu ; la « ligne » d'une erreur d'un extrait OSM est l'identifiant de "
        "l'objet, `n123`), `source` (clé d'import avec "
        "`source_id`), `dry_run` et `partial` (booléens, faux par défaut). L'import se fait "
        "pendant la requête ; la réponse est son rapport : 200 quand aucune ligne n'est "
        "rejetée, 422 sinon (même corps). Les erreurs de fichier portent le champ `__file__`. "
        "Une requête incomplète ou invalide (sans `file`, sans `source`…) reçoit aussi 422, "
        "avec le format d'erreur commun de l'API."
    ),
)
def create_import(
    request: HttpRequest,
    file: UploadedFile = File(...),  # noqa: B008 - ninja declares parameters this way
    source: str = Form(...),
    dry_run: bool = Form(False),
    partial: bool = Form(False),
):
    job = create_import_job(
        actor=request.auth, source=source, file=file, dry_run=dry_run, partial=partial
    )
    job = run_import_job(job_id=job.pk)
    return Status(200 if job.state == ImportState.SUCCEEDED else 422, _report(job))


@router.get(
    "/{job_id}",
    auth=token_auth,
    response={200: ImportReportOut, **error_responses(401, 404, 422)},
    operation_id="get_import",
    summary="Lire le rapport d’un import",
    description=(
        "Réservé aux administrateur·rices de l’instance (404 pour les autres). Le rapport d’un "
        "import, de la même forme que la réponse de `create_import`, quel que soit son état "
        "(`pending`, `running`, `succeeded`, `failed`). Les messages des erreurs sont rendus "
        "dans la langue de la requête (`Accept-Language`) d’après leur `code` et leurs "
        "`params`, quelle que soit la langue dans laquelle l’import a tourné."
    ),
)
def get_import(request: HttpRequest, job_id: int):
    try:
        job = get_import_job(user=request.auth, job_id=job_id)
    except ImportJob.DoesNotExist:
        raise Http404(_("Import introuvable.")) from None
    return _report(job)
