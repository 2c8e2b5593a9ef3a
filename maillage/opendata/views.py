"""Import pages for instance administrators: upload and history at /imports/, a job's
report below it.

Anonymous visitors are sent to the login page; signed-in people who may not import get 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from maillage.common.errors import PermissionDenied, ValidationFailed
from maillage.common.lifecycle import IllegalTransition

from .forms import ImportUploadForm
from .models import ImportJob
from .rules import can_import_places
from .selectors import (
    displayed_errors,
    displayed_warnings,
    get_import_job,
    import_jobs_for,
)
from .services import create_import_job, launch_import_job, retry_import_job

HISTORY_LENGTH = 50
# A report page with more errors than this shows the first ones; the API and the command
# give them all.
SHOWN_ERRORS = 1000


@login_required
@require_http_methods(["GET", "POST"])
def import_list(request):
    if not can_import_places(request.user):
        raise Http404
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = create_import_job(
                actor=request.user,
                source=form.cleaned_data["source"],
                file=form.cleaned_data["file"],
                dry_run=form.cleaned_data["dry_run"],
                partial=form.cleaned_data["partial"],
            )
        except ValidationFailed as exc:
            exc.add_to_form(form)
        else:
            job = launch_import_job(job=job)
            return redirect("opendata:job", job_id=job.pk)
    jobs = import_jobs_for(request.user)[:HISTORY_LENGTH]
    return render(request, "opendata/import_list.html", {"form": form, "jobs": jobs})


@login_required
def import_detail(request, job_id: int):
    try:
        job = get_import_job(user=request.user, job_id=job_id)
    except ImportJob.DoesNotExist:
        raise Http404 from None
    context = {
        "job": job,
        # Rendered in the reader's language, not the one the import ran in.
        "errors": displayed_errors(job.errors[:SHOWN_ERRORS]),
        "warnings": displayed_warnings(job.warnings),
        "stop_reason": job.stop_reason,
        "shown_errors": SHOWN_ERRORS,
    }
    # htmx polls the report while the job runs and swaps it in place.
    template = "opendata/_import_report.html" if request.htmx else "opendata/import_detail.html"
    return render(request, template, context)


@login_required
@require_POST
def import_retry(request, job_id: int):
    """Run a failed or stalled import again (the button of its page)."""
    try:
        job = get_import_job(user=request.user, job_id=job_id)
    except ImportJob.DoesNotExist:
        raise Http404 from None
    try:
        retry_import_job(actor=request.user, job=job)
    except IllegalTransition:
        messages.error(request, _("Cet import n'est ni échoué ni bloqué : il n'est pas relancé."))
    except PermissionDenied:
        raise Http404 from None
    except ValidationFailed as exc:
        for error in exc.errors:
            messages.error(request, error.message)
    return redirect("opendata:job", job_id=job.pk)
