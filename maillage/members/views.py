"""Members pages: joining a place, the staff's members and plans pages, what is owed, the
member directory, and a member's own page ("Mon espace"). Thin: read the form, call a service,
show its refusals by field. Places whose members a visitor may not manage answer 404.
"""

from datetime import date

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from maillage.accounts.forms import SignUpForm
from maillage.accounts.models import User
from maillage.accounts.services import email_taken, sign_up
from maillage.common.errors import Conflict, PermissionDenied, ValidationFailed
from maillage.common.tabular import iter_csv
from maillage.places.models import Place

from . import selectors, services
from .cards import card_days_left
from .forms import (
    BillForm,
    ChangePlanForm,
    ConsentForm,
    InviteForm,
    JoinForm,
    PlanForm,
    apply_errors,
)
from .member_page import render_sections
from .models import Membership, MembershipStatus, Plan
from .rules import can_manage_members, can_request_membership, can_see_directory


def _place(slug: str) -> Place:
    return get_object_or_404(Place, slug=slug)


def _managed_place(request: HttpRequest, slug: str) -> Place:
    place = _place(slug)
    if not can_manage_members(request.user, place):
        raise Http404(_("Lieu introuvable."))
    return place


def _active_plans(place: Place):
    return Plan.objects.filter(place=place, is_active=True).order_by("price_cents", "name")


# --- Joining ----------------------------------------------------------------------------------


@login_required
@require_POST
def join(request: HttpRequest, slug: str) -> HttpResponse:
    """The "Demander à rejoindre" form of a place page."""
    place = _place(slug)
    if not can_request_membership(request.user, place):
        raise PermissionDenied
    form = JoinForm(request.POST, plans=_active_plans(place))
    if form.is_valid():
        try:
            services.request_membership(
                actor=request.user,
                place=place,
                plan=form.cleaned_data["plan"],
                message=form.cleaned_data["message"],
            )
        except ValidationFailed as exc:
            apply_errors(form, exc)
        except Conflict as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Votre demande est envoyée à l'équipe de %s.") % place.name)
            return redirect("places:detail", slug=place.slug)
    return render(request, "members/join.html", {"place": place, "form": form}, status=400)


# --- Staff: members -----------------------------------------------------------------------------

STAFF_ACTIONS = {
    "accepter": services.accept_request,
    "refuser": services.refuse_request,
    "suspendre": services.suspend_membership,
    "reprendre": services.resume_membership,
    "terminer": services.end_membership,
}
STATUS_FILTERS = [
    MembershipStatus.ACTIVE,
    MembershipStatus.REQUESTED,
    MembershipStatus.INVITED,
    MembershipStatus.SUSPENDED,
    MembershipStatus.ENDED,
    MembershipStatus.REFUSED,
    MembershipStatus.DECLINED,
]


@never_cache
@login_required
def manage_members(request: HttpRequest, slug: str) -> HttpResponse:
    """A place's members by status, the pending requests, and the invitation form."""
    place = _managed_place(request, slug)
    status = request.GET.get("statut", "")
    if status and status not in MembershipStatus.values:
        status = ""
    plans = list(_active_plans(place))
    counts = selectors.status_counts(place)
    return render(
        request,
        "members/manage.html",
        {
            "place": place,
            "status": status,
            "statuses": [
                (value, MembershipStatus(value).label, counts.get(value, 0))
                for value in STATUS_FILTERS
            ],
            "memberships": selectors.place_memberships(place, status=status or None),
            "requests": selectors.place_memberships(place, status=MembershipStatus.REQUESTED),
            "plans": plans,
            "invite_form": InviteForm(plans=_active_plans(place)),
        },
    )


@login_required
@require_POST
def invite(request: HttpRequest, slug: str) -> HttpResponse:
    place = _managed_place(request, slug)
    form = InviteForm(request.POST, plans=_active_plans(place))
    if form.is_valid():
        try:
            membership = services.invite_by_email(
                actor=request.user,
                place=place,
                email=form.cleaned_data["email"],
                plan=form.cleaned_data["plan"],
                message=form.cleaned_data["message"],
            )
        except ValidationFailed as exc:
            apply_errors(form, exc)
        except Conflict as exc:
            form.add_error("email", exc.message)
        else:
            if membership is None:
                text = _("Une invitation à créer un compte est envoyée à %s.")
            else:
                text = _("%s est invité·e : l'invitation attend sa réponse.")
            messages.success(request, text % form.cleaned_data["email"])
            return redirect("members:manage", slug=place.slug)
    return render(request, "members/invite.html", {"place": place, "invite_form": form}, status=400)


def _membership_of(place: Place, pk: int) -> Membership:
    return get_object_or_404(
        Membership.objects.select_related("place", "user", "plan"), pk=pk, place=place
    )


@login_required
@require_POST
def membership_action(request: HttpRequest, slug: str, pk: int, action: str) -> HttpResponse:
    place = _managed_place(request, slug)
    service = STAFF_ACTIONS.get(action)
    if service is None:
        raise Http404
    membership = _membership_of(place, pk)
    try:
        service(actor=request.user, membership=membership)
    except (Conflict, ValidationFailed) as exc:
        messages.error(request, str(getattr(exc, "message", exc)))
    else:
        messages.success(request, _("L'adhésion est « %s ».") % membership.get_status_display())
    return redirect(request.POST.get("retour") or reverse("members:manage", args=[place.slug]))


@login_required
@require_POST
def membership_plan(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    place = _managed_place(request, slug)
    membership = _membership_of(place, pk)
    form = ChangePlanForm(request.POST, plans=_active_plans(place))
    if form.is_valid():
        try:
            services.change_plan(
                actor=request.user, membership=membership, plan=form.cleaned_data["plan"]
            )
        except (Conflict, ValidationFailed) as exc:
            messages.error(request, str(getattr(exc, "message", exc)))
        else:
            messages.success(request, _("La formule est changée."))
    else:
        messages.error(request, _("Cette formule n'est pas proposée par ce lieu."))
    return redirect("members:manage", slug=place.slug)


# --- Staff: plans -----------------------------------------------------------------------------


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def plans(request: HttpRequest, slug: str) -> HttpResponse:
    """The place's plans, and the form adding one."""
    place = _managed_place(request, slug)
    form = PlanForm(request.POST or None, initial={"is_active": True})
    if request.method == "POST" and form.is_valid():
        try:
            services.create_plan(actor=request.user, place=place, **form.values())
        except ValidationFailed as exc:
            apply_errors(form, exc, PlanForm.FIELD_OF)
        else:
            messages.success(request, _("La formule « %s » est créée.") % form.cleaned_data["name"])
            return redirect("members:plans", slug=place.slug)
    return render(
        request,
        "members/plans.html",
        {"place": place, "plans": Plan.objects.filter(place=place), "form": form},
        status=400 if form.errors else 200,
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def plan_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    place = _managed_place(request, slug)
    plan = get_object_or_404(Plan, pk=pk, place=place)
    form = PlanForm(request.POST or None, initial=PlanForm.initial_for(plan))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_plan(actor=request.user, plan=plan, **form.values())
        except ValidationFailed as exc:
            apply_errors(form, exc, PlanForm.FIELD_OF)
        else:
            messages.success(request, _("La formule est enregistrée."))
            return redirect("members:plans", slug=place.slug)
    return render(
        request,
        "members/plan_form.html",
        {"place": place, "plan": plan, "form": form},
        status=400 if form.errors else 200,
    )


# --- Staff: what is owed ----------------------------------------------------------------------


def _month(request: HttpRequest, place: Place) -> date:
    form = BillForm(request.GET or None)
    if form.is_valid():
        return services.month_bounds(form.cleaned_data["month"])[0]
    return services.month_bounds(timezone.localdate(timezone=place.timezone))[0]


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def charges(request: HttpRequest, slug: str) -> HttpResponse:
    """What members owe for a month; a POST records it (again: nothing changes)."""
    place = _managed_place(request, slug)
    if request.method == "POST":
        form = BillForm(request.POST)
        if form.is_valid():
            month = services.month_bounds(form.cleaned_data["month"])[0]
            created = services.bill_period(actor=request.user, place=place, period_start=month)
            messages.success(
                request, _("%(count)d sommes dues enregistrées.") % {"count": len(created)}
            )
            return redirect(f"{reverse('members:charges', args=[place.slug])}?month={month:%Y-%m}")
    month = _month(request, place)
    rows = list(selectors.charges_of(place, month))
    return render(
        request,
        "members/charges.html",
        {
            "place": place,
            "month": month,
            "form": BillForm(initial={"month": month}),
            "charges": rows,
            "total": sum(charge.amount_cents for charge in rows),
        },
    )


@login_required
def statement_csv(request: HttpRequest, slug: str) -> HttpResponse:
    """The month's statement as CSV for the place's accounting (formula-safe cells)."""
    place = _managed_place(request, slug)
    month = _month(request, place)
    response = StreamingHttpResponse(
        iter_csv(selectors.STATEMENT_HEADER, selectors.statement_rows(place, month)),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="sommes-dues-{place.slug}-{month:%Y-%m}.csv"'
    )
    return response


# --- Directory ------------------------------------------------------------------------------


@never_cache
@login_required
def member_directory(request: HttpRequest, slug: str) -> HttpResponse:
    place = _place(slug)
    if not can_see_directory(request.user, place):
        raise Http404(_("Lieu introuvable."))
    return render(
        request,
        "members/directory.html",
        {"place": place, "entries": selectors.directory(place)},
    )


# --- A member's page --------------------------------------------------------------------------

MEMBER_ACTIONS = {
    "accepter": services.accept_invitation,
    "decliner": services.decline_invitation,
    "quitter": services.end_membership,
}


@never_cache
@login_required
def my_space(request: HttpRequest) -> HttpResponse:
    """ "Mon espace": my places and their status, my plans, and what the other apps add."""
    memberships = list(selectors.memberships_of(request.user))
    for membership in memberships:
        # A 10-day card shows the days left on it (a few queries per card: people hold few).
        membership.card_days_left = (
            card_days_left(membership) if membership.status == MembershipStatus.ACTIVE else None
        )
    return render(
        request,
        "members/my_space.html",
        {
            "memberships": memberships,
            "invitations": [m for m in memberships if m.status == MembershipStatus.INVITED],
            "sections": render_sections(request),
        },
    )


def _my_membership(request: HttpRequest, pk: int) -> Membership:
    return get_object_or_404(
        Membership.objects.select_related("place", "plan"), pk=pk, user=request.user
    )


@login_required
@require_POST
def my_membership_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    service = MEMBER_ACTIONS.get(action)
    if service is None:
        raise Http404
    membership = _my_membership(request, pk)
    try:
        service(actor=request.user, membership=membership)
    except (Conflict, ValidationFailed) as exc:
        messages.error(request, str(getattr(exc, "message", exc)))
    else:
        messages.success(
            request,
            _("Votre adhésion à %(place)s est « %(status)s ».")
            % {"place": membership.place.name, "status": membership.get_status_display()},
        )
    return redirect("members:my_space")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def my_consent(request: HttpRequest, pk: int) -> HttpResponse:
    """What I show in the place's member directory."""
    membership = _my_membership(request, pk)
    form = ConsentForm(
        request.POST or None,
        initial={
            "in_directory": membership.in_directory,
            "show_email": membership.show_email,
            "presentation": membership.presentation,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_directory_consent(
                actor=request.user, membership=membership, **form.cleaned_data
            )
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Vos choix pour l'annuaire sont enregistrés."))
            return redirect("members:my_space")
    return render(request, "members/consent.html", {"membership": membership, "form": form})


# --- Invitation links -----------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The link of an invitation sent to an address: sign up (or in) with it, then answer."""
    try:
        data = services.read_invitation(token)
    except services.InvitationLinkInvalid:
        return render(request, "members/invitation_invalid.html", status=400)
    place = Place.objects.filter(pk=data.get("place")).first()
    if place is None:
        return render(request, "members/invitation_invalid.html", status=400)
    if request.user.is_authenticated:
        try:
            services.claim_invitation(actor=request.user, token=token)
        except services.InvitationLinkInvalid:
            return render(request, "members/invitation_invalid.html", status=400)
        return redirect("members:my_space")
    email = data["email"]
    if email_taken(email):
        messages.info(request, _("Un compte existe pour cette adresse : connectez-vous."))
        return redirect(f"{reverse(settings.LOGIN_URL)}?next={request.path}")
    form = SignUpForm(request.POST or None, email=email)
    if request.method == "POST" and form.is_valid():
        # The link reached this address: it is confirmed by the same token.
        user: User = sign_up(
            email=email,
            password=form.cleaned_data["password1"],
            name=form.cleaned_data["name"],
            confirmed=True,
            language=translation.get_language() or "",
        )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        try:
            services.claim_invitation(actor=user, token=token)
        except services.InvitationLinkInvalid:
            return render(request, "members/invitation_invalid.html", status=400)
        return redirect("members:my_space")
    return render(request, "members/invitation.html", {"place": place, "form": form})
