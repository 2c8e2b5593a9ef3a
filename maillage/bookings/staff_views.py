"""Staff pages of a place's bookings set-up: its qualifications (create, grant, revoke) and its
resources (create, edit).

Thin views over `services.py` (the one write path): they read the form, call the service and
show its refusals next to the field they are about (answering 400). A place the person does not
run answers 404, as on the dashboard.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from maillage.common.errors import Conflict, PermissionDenied, ValidationFailed
from maillage.members.models import Plan
from maillage.members.selectors import members_of
from maillage.places.models import Place
from maillage.places.rules import places_where

from . import services
from .forms import GrantForm, QualificationForm, ResourceForm
from .models import Qualification, QualificationGrant, Resource


def _run_place_or_404(request: HttpRequest, slug: str) -> Place:
    try:
        return places_where(request.user, can="run").get(slug=slug)
    except Place.DoesNotExist:
        raise Http404(_("Lieu introuvable.")) from None


def _refusal(form, exc: Exception) -> None:
    if isinstance(exc, ValidationFailed):
        form.add_service_errors(exc.errors)
    else:
        form.add_error(None, str(exc) or _("Cette action n'est pas permise."))


# --- qualifications -----------------------------------------------------------------------------


def _qualifications_page(
    request: HttpRequest,
    place: Place,
    *,
    form: QualificationForm | None = None,
    grant_forms: dict[int, GrantForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    members = list(members_of(place))
    qualifications = list(
        Qualification.objects.filter(place=place)
        .prefetch_related(
            Prefetch(
                "grants",
                queryset=QualificationGrant.objects.select_related("user").order_by(
                    "-granted_on", "-pk"
                ),
            ),
            Prefetch("resources", queryset=Resource.objects.order_by("name")),
        )
        .order_by("name")
    )
    grant_forms = grant_forms or {}
    for qualification in qualifications:
        qualification.grant_form = grant_forms.get(
            qualification.pk, GrantForm(members=members, prefix=f"q{qualification.pk}")
        )
    return render(
        request,
        "bookings/qualifications.html",
        {
            "place": place,
            "qualifications": qualifications,
            "form": form or QualificationForm(),
            "today": timezone.localdate(timezone=place.timezone),
        },
        status=status,
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def qualifications(request: HttpRequest, slug: str) -> HttpResponse:
    """The place's qualifications with their training, resources and grants; POST creates one."""
    place = _run_place_or_404(request, slug)
    if request.method == "GET":
        return _qualifications_page(request, place)
    form = QualificationForm(request.POST)
    if form.is_valid():
        try:
            qualification = services.create_qualification(
                actor=request.user,
                place=place,
                name=form.cleaned_data["name"],
                training=form.cleaned_data["training"] or "",
                validity_days=form.cleaned_data["validity_days"],
            )
        except (ValidationFailed, PermissionDenied) as exc:
            _refusal(form, exc)
        else:
            messages.success(request, _("Habilitation « %s » créée.") % qualification.name)
            return redirect("bookings:qualifications", slug=place.slug)
    return _qualifications_page(request, place, form=form, status=400)


@login_required
@require_POST
def grant(request: HttpRequest, slug: str, qualification_id: int) -> HttpResponse:
    """Grant the qualification to one of the place's active members."""
    place = _run_place_or_404(request, slug)
    qualification = get_object_or_404(Qualification, pk=qualification_id, place=place)
    form = GrantForm(request.POST, members=members_of(place), prefix=f"q{qualification.pk}")
    if form.is_valid():
        try:
            services.grant_qualification(
                actor=request.user,
                qualification=qualification,
                user=form.cleaned_data["user"],
                expires_on=form.cleaned_data["expires_on"],
            )
        except (ValidationFailed, PermissionDenied) as exc:
            _refusal(form, exc)
        else:
            user = form.cleaned_data["user"]
            messages.success(
                request,
                _("Habilitation « %(qualification)s » attribuée à %(person)s.")
                % {
                    "qualification": qualification.name,
                    "person": user.get_full_name() or user.username,
                },
            )
            return redirect("bookings:qualifications", slug=place.slug)
    return _qualifications_page(request, place, grant_forms={qualification.pk: form}, status=400)


@login_required
@require_POST
def revoke(request: HttpRequest, slug: str, grant_id: int) -> HttpResponse:
    """Withdraw a grant (its row stays as history)."""
    place = _run_place_or_404(request, slug)
    grant_ = get_object_or_404(
        QualificationGrant.objects.select_related("qualification__place", "user"),
        pk=grant_id,
        qualification__place=place,
    )
    try:
        services.revoke_qualification(actor=request.user, grant=grant_)
    except (Conflict, PermissionDenied) as exc:
        messages.error(request, str(exc) or _("Cette action n'est pas permise."))
    else:
        messages.success(request, _("Habilitation « %s » retirée.") % grant_.qualification.name)
    return redirect("bookings:qualifications", slug=place.slug)


# --- resources ----------------------------------------------------------------------------------


def _resource_form_page(
    request: HttpRequest,
    place: Place,
    form: ResourceForm,
    resource: Resource | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "bookings/resource_form.html",
        {"place": place, "form": form, "resource": resource},
        status=status,
    )


def _choices(place: Place) -> dict:
    """The place's qualifications and plans a resource form offers."""
    return {
        "qualifications": list(Qualification.objects.filter(place=place).order_by("name")),
        "plans": list(Plan.objects.filter(place=place).order_by("name")),
    }


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def resource_create(request: HttpRequest, slug: str) -> HttpResponse:
    """A new resource of the place, through `services.create_resource`."""
    place = _run_place_or_404(request, slug)
    choices = _choices(place)
    if request.method == "GET":
        return _resource_form_page(request, place, ResourceForm(**choices))
    form = ResourceForm(request.POST, **choices)
    if form.is_valid():
        try:
            resource = services.create_resource(
                actor=request.user, place=place, **form.service_fields()
            )
        except (ValidationFailed, PermissionDenied) as exc:
            _refusal(form, exc)
        else:
            messages.success(request, _("Ressource « %s » créée.") % resource.name)
            return redirect("bookings:place_resources", slug=place.slug)
    return _resource_form_page(request, place, form, status=400)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def resource_edit(request: HttpRequest, slug: str, resource_id: int) -> HttpResponse:
    """Change a resource of the place, through `services.update_resource`."""
    place = _run_place_or_404(request, slug)
    resource = get_object_or_404(Resource, pk=resource_id, place=place)
    choices = _choices(place)
    if request.method == "GET":
        initial = {name: getattr(resource, name) for name in services.RESOURCE_FIELDS}
        initial["required_qualification"] = resource.required_qualification_id or ""
        plan_ids = resource.allowed_plans.values_list("pk", flat=True)
        initial["allowed_plans"] = [str(pk) for pk in plan_ids]
        form = ResourceForm(initial=initial, **choices)
        return _resource_form_page(request, place, form, resource)
    form = ResourceForm(request.POST, **choices)
    if form.is_valid():
        try:
            resource = services.update_resource(
                actor=request.user, resource=resource, **form.service_fields()
            )
        except (ValidationFailed, Conflict, PermissionDenied) as exc:
            _refusal(form, exc)
        else:
            messages.success(request, _("Ressource « %s » modifiée.") % resource.name)
            return redirect("bookings:place_resources", slug=place.slug)
    return _resource_form_page(request, place, form, resource, status=400)
