"""Pages of check-ins: the front desk (QR code and tablet), « qui est là », the scan of a
member's phone and the person's own stays.

Views read parameters, check the rules, call a service or a selector and render. The desk
pages are for the place's operators (a tablet signed in with a staff account); other people
get 404 on them, as on every page of a place they do not run.
"""

from datetime import timedelta

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from maillage.accounts.models import User
from maillage.common.compression import never_compress
from maillage.common.errors import Conflict, ValidationFailed
from maillage.places.models import Place

from . import desk_codes, selectors, services
from .forms import PresenceVisibilityForm, VisitorCountForm
from .models import CheckIn, CheckInSource
from .rules import can_check_in, can_record_presence, can_see_counts, can_see_presence

# The desk page reloads itself well within a code's life (two windows).
DESK_REFRESH_S = 60


def _place_or_404(slug: str) -> Place:
    place = Place.objects.filter(slug=slug).first()
    if place is None:
        raise Http404(_("Lieu introuvable."))
    return place


def _desk_place_or_404(request: HttpRequest, slug: str) -> Place:
    place = _place_or_404(slug)
    if not can_record_presence(request.user, place):
        raise Http404(_("Lieu introuvable."))
    return place


def _say_result(request: HttpRequest, result: services.CheckInResult, name: str) -> None:
    if result.already_here:
        messages.info(request, _("%(name)s est déjà enregistré·e ici.") % {"name": name})
        return
    if result.closed_elsewhere is not None:
        messages.info(
            request,
            _("La présence à « %(place)s » a été close.")
            % {"place": result.closed_elsewhere.place.name},
        )
    messages.success(request, _("Arrivée de %(name)s enregistrée.") % {"name": name})


@login_required
def presence(request: HttpRequest, slug: str) -> HttpResponse:
    """« Qui est là » : everyone for the operators, those who opted in for members."""
    place = _place_or_404(slug)
    if not can_see_presence(request.user, place):
        raise Http404(_("Lieu introuvable."))
    counts = []
    if can_see_counts(request.user, place):
        today = timezone.localdate(timezone=place.timezone)
        counts = list(reversed(selectors.daily_counts(place, today - timedelta(days=6), today)))
    return render(
        request,
        "checkins/presence.html",
        {
            "place": place,
            "present": selectors.present_now(place, viewer=request.user),
            "is_desk": can_record_presence(request.user, place),
            "counts": counts,
        },
    )


@never_compress  # prints a secret: see maillage.common.compression
@login_required
def desk(request: HttpRequest, slug: str) -> HttpResponse:
    """The front-desk screen: the place's current QR code, reloaded every minute."""
    place = _desk_place_or_404(request, slug)
    code = desk_codes.desk_code(place.pk)
    url = request.build_absolute_uri(reverse("checkins:scan", args=[place.slug, code]))
    svg = segno.make(url, error="m").svg_inline(
        scale=8, title=_("Code QR de présence"), svgclass="qr-code"
    )
    # segno writes the SVG from the code's modules; the only text in it is our own title.
    qr = mark_safe(svg)  # noqa: S308
    return render(
        request,
        "checkins/desk.html",
        {"place": place, "qr": qr, "scan_url": url, "refresh_s": DESK_REFRESH_S},
    )


@login_required
@require_http_methods(["GET", "POST"])
def tablet(request: HttpRequest, slug: str) -> HttpResponse:
    """The front-desk tablet: find a member by name, tap to check them in or out; count
    visitors without an account."""
    place = _desk_place_or_404(request, slug)
    query = request.GET.get("q", "")
    visitor_form = VisitorCountForm()
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action in ("in", "out"):
                person = User.objects.filter(pk=request.POST.get("user_id")).first()
                if person is None:
                    raise Http404(_("Personne introuvable."))
                name = person.get_full_name() or person.get_username()
                if action == "in":
                    result = services.check_in(
                        actor=request.user, place=place, user=person, source=CheckInSource.DESK
                    )
                    _say_result(request, result, name)
                else:
                    checkin = CheckIn.objects.filter(
                        place=place, user=person, checked_out_at=None
                    ).first()
                    if checkin is not None:
                        services.check_out(actor=request.user, checkin=checkin)
                    messages.success(request, _("Départ de %(name)s enregistré.") % {"name": name})
            elif action == "visitors":
                visitor_form = VisitorCountForm(request.POST)
                if visitor_form.is_valid():
                    services.count_visitors(
                        actor=request.user,
                        place=place,
                        kind=visitor_form.cleaned_data["kind"],
                        count=visitor_form.cleaned_data["count"],
                    )
                    messages.success(request, _("Visiteurs comptés."))
        except (Conflict, ValidationFailed) as exc:
            messages.error(request, str(exc))
        if action != "visitors" or visitor_form.is_valid():
            # Back to the same search, so the next person in the queue is one tap away.
            target = reverse("checkins:tablet", args=[place.slug])
            searched = request.POST.get("q", "")
            return redirect(f"{target}?{urlencode({'q': searched})}" if searched else target)
    return render(
        request,
        "checkins/tablet.html",
        {
            "place": place,
            "query": query,
            "rows": selectors.desk_search(place, query),
            "visitor_form": visitor_form,
        },
    )


@require_http_methods(["GET", "POST"])
def scan(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    """What a member's phone opens from the desk's QR code: a page with one button (a GET
    writes nothing: link previews and prefetching must not check anyone in)."""
    place = _place_or_404(slug)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    valid = desk_codes.read_desk_code(code) == place.pk
    allowed = can_check_in(request.user, place)
    if request.method == "POST" and valid and allowed:
        result = services.check_in(actor=request.user, place=place, source=CheckInSource.QR)
        name = request.user.get_full_name() or request.user.get_username()
        _say_result(request, result, name)
        return redirect("checkins:mine")
    status = 200 if valid and allowed else 403 if valid else 410
    return render(
        request,
        "checkins/scan.html",
        {"place": place, "valid": valid, "allowed": allowed, "code": code},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def mine(request: HttpRequest) -> HttpResponse:
    """The person's stays, where they are now, and whether other members may see them."""
    if request.method == "POST":
        form = PresenceVisibilityForm(request.POST)
        if form.is_valid():
            services.set_presence_visibility(
                actor=request.user, visible=form.cleaned_data["visible_to_members"]
            )
            messages.success(request, _("Votre choix est enregistré."))
        return redirect("checkins:mine")
    form = PresenceVisibilityForm(
        initial={"visible_to_members": selectors.is_visible_to_members(request.user)}
    )
    return render(
        request,
        "checkins/mine.html",
        {
            "current": selectors.open_checkin_of(request.user),
            "stays": selectors.checkins_of(request.user)[:100],
            "form": form,
        },
    )


@login_required
@require_POST
def leave(request: HttpRequest) -> HttpResponse:
    """The person checks out from where they are."""
    if services.check_out_person(actor=request.user, user=request.user) is not None:
        messages.success(request, _("Départ enregistré. À bientôt !"))
    return redirect("checkins:mine")
