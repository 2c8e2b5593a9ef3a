"""The yearly declaration page of a place, under its staff pages.

`/lieux/<slug>/declaration-annuelle/?annee=2026`: the form prefilled with this year's answers
or last year's, and beside it what Maillage already computes. A place the person does not run
answers 404; its staff read the page, its managers write (a staff member's POST is 403).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from maillage.common.errors import Conflict, PermissionDenied, ValidationFailed
from maillage.places.models import Place

from . import selectors, services
from .forms import DeclarationForm
from .rules import can_declare, can_read_declarations
from .validation import FIELDS, FIRST_YEAR


def _place_or_404(request: HttpRequest, slug: str) -> Place:
    place = Place.objects.filter(slug=slug).first()
    if place is None or not can_read_declarations(request.user, place):
        raise Http404(_("Lieu introuvable."))
    return place


def _year(request: HttpRequest) -> int:
    # By default the year just ended: the declaration is made in the first months of the next.
    default = timezone.localdate().year - 1
    raw = request.GET.get("annee", "")
    if not raw:
        return default
    try:
        year = int(raw)
    except ValueError as exc:
        raise Http404(_("Année inconnue.")) from exc
    if not FIRST_YEAR <= year <= default + 1:
        raise Http404(_("Année inconnue."))
    return year


@login_required
@require_http_methods(["GET", "POST"])
def declaration(request: HttpRequest, slug: str) -> HttpResponse:
    place = _place_or_404(request, slug)
    year = _year(request)
    writable = can_declare(request.user, place)
    initial, from_year = selectors.initial_values(place, year)
    status = 200
    if request.method == "POST":
        if not writable:
            raise PermissionDenied
        form = DeclarationForm(request.POST)
        if form.is_valid():
            try:
                services.declare(
                    actor=request.user,
                    place=place,
                    year=year,
                    values={field: form.cleaned_data[field] for field in FIELDS},
                )
            except ValidationFailed as exc:
                exc.add_to_form(form)
            except Conflict as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Déclaration %(year)s enregistrée.") % {"year": year})
                url = reverse("declarations:declaration", args=[place.slug])
                return redirect(f"{url}?annee={year}")
        status = 422
    else:
        form = DeclarationForm(initial=initial)
    if not writable:
        for field in form.fields.values():
            field.disabled = True
    hints = selectors.computed_hints(place, year)
    this_year = timezone.localdate().year
    return render(
        request,
        "declarations/declaration.html",
        {
            "place": place,
            "year": year,
            "years": list(range(this_year, max(FIRST_YEAR, this_year - 6), -1)),
            "form": form,
            "writable": writable,
            "from_year": from_year,
            "hints_by_field": {hint.field: hint for hint in hints if hint.field},
            "other_hints": [hint for hint in hints if not hint.field],
            "history": selectors.declarations_of(place),
        },
        status=status,
    )
