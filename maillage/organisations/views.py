"""Pages of hosted organisations (for the place's operators) and of a member's commuting.

Views read the form, call a service and render; a service's field errors go back onto the
form's fields. Places the person does not run, and organisations that place never hosted,
answer 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from maillage.accounts.models import User
from maillage.common.errors import Conflict, FieldError, ValidationFailed
from maillage.places.models import Place

from . import selectors, services
from .forms import (
    CommutingForm,
    HeadcountForm,
    HostingForm,
    NewOrganisationForm,
    OrganisationForm,
    PersonForm,
)
from .models import Hosting, Organisation
from .rules import can_host_organisations
from .validation import FIELDS


def _run_place_or_404(request: HttpRequest, slug: str) -> Place:
    place = Place.objects.filter(slug=slug).first()
    if place is None or not can_host_organisations(request.user, place):
        raise Http404(_("Lieu introuvable."))
    return place


def _put_errors(form, exc: ValidationFailed) -> None:
    for error in exc.errors:
        form.add_error(error.field if error.field in form.fields else None, str(error.message))


def _organisation_values(data: dict) -> dict:
    return {name: data.get(name) for name in FIELDS}


@login_required
@require_http_methods(["GET", "POST"])
def hosted_list(request: HttpRequest, slug: str) -> HttpResponse:
    """The organisations a place hosts now (or ever, with `?toutes=1`), and the form to add one."""
    place = _run_place_or_404(request, slug)
    form = NewOrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            organisation = services.create_organisation(
                actor=request.user,
                place=place,
                kind=data["kind"],
                start_date=data["start_date"],
                end_date=data["end_date"],
                **_organisation_values(data),
            )
        except ValidationFailed as exc:
            _put_errors(form, exc)
        else:
            messages.success(request, _("Structure enregistrée."))
            return redirect("organisations:detail", slug=place.slug, pk=organisation.pk)
    everything = request.GET.get("toutes") == "1"
    return render(
        request,
        "organisations/list.html",
        {
            "place": place,
            "hostings": selectors.hostings_at(place, current_only=not everything),
            "everything": everything,
            "form": form,
        },
        status=422 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """An organisation hosted by the place: its record, hostings, people and headcounts."""
    place = _run_place_or_404(request, slug)
    organisation = Organisation.objects.filter(pk=pk, hostings__place=place).distinct().first()
    if organisation is None:
        raise Http404(_("Structure introuvable."))
    action = request.POST.get("action") if request.method == "POST" else None
    initial = {name: getattr(organisation, name) for name in FIELDS}
    forms = {
        "update": OrganisationForm(request.POST if action == "update" else None, initial=initial),
        "hosting": HostingForm(request.POST if action == "hosting" else None),
        "person": PersonForm(request.POST if action == "person" else None),
        "headcount": HeadcountForm(request.POST if action == "headcount" else None),
    }
    if action == "end_hosting":
        hosting = Hosting.objects.filter(pk=request.POST.get("hosting_id"), place=place).first()
        if hosting is None:
            raise Http404(_("Hébergement introuvable."))
        try:
            services.end_hosting(actor=request.user, hosting=hosting)
            messages.success(request, _("Fin de l'hébergement enregistrée."))
        except (Conflict, ValidationFailed) as exc:
            messages.error(request, str(exc))
        return redirect("organisations:detail", slug=place.slug, pk=organisation.pk)
    form = forms.get(action or "")
    if form is not None and form.is_valid():
        data = form.cleaned_data
        try:
            if action == "update":
                services.update_organisation(
                    actor=request.user, organisation=organisation, **_organisation_values(data)
                )
            elif action == "hosting":
                services.add_hosting(
                    actor=request.user, organisation=organisation, place=place, **data
                )
            elif action == "person":
                user = None
                if data["username"]:
                    user = User.objects.filter(username=data["username"]).first()
                    if user is None:
                        raise ValidationFailed([FieldError("username", _("Compte introuvable."))])
                services.link_person(
                    actor=request.user,
                    organisation=organisation,
                    role=data["role"],
                    user=user,
                    name=data["name"],
                    start_date=data["start_date"],
                )
            else:
                services.declare_headcount(actor=request.user, organisation=organisation, **data)
        except ValidationFailed as exc:
            _put_errors(form, exc)
        except Conflict as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Modification enregistrée."))
            return redirect("organisations:detail", slug=place.slug, pk=organisation.pk)
    return render(
        request,
        "organisations/detail.html",
        {
            "place": place,
            "organisation": organisation,
            "hostings": organisation.hostings.select_related("place").order_by("-start_date"),
            "people": organisation.people.select_related("user"),
            "headcounts": selectors.headcount_series(organisation),
            "forms": forms,
        },
        status=422 if form is not None and form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def commuting(request: HttpRequest) -> HttpResponse:
    """The person's own commuting declaration."""
    current = selectors.commuting_of(request.user)
    initial = {}
    if current is not None:
        initial = {
            "home_commune": current.home_commune.code,
            "teleworks": current.teleworks,
            "employer_commune": current.employer_commune.code if current.employer_commune else "",
            "transport_mode": current.transport_mode,
        }
    form = CommutingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.declare_commuting(actor=request.user, **form.cleaned_data)
        except ValidationFailed as exc:
            _put_errors(form, exc)
        else:
            messages.success(request, _("Merci, votre trajet est enregistré."))
            return redirect("organisations:commuting")
    return render(
        request,
        "organisations/commuting.html",
        {"form": form, "current": current},
        status=422 if form.errors else 200,
    )
