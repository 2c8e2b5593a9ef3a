"""Staff pages of governance: a place's (or network's) decision bodies, a body with its colleges
and members, proposals (write, revise, put to discussion, withdraw, decide) and votes (create,
edit while in preparation; open, close early, cancel and publish from the vote's page).

Thin views over `services.py` (the one write path, checked and audited): they read the form,
call the service and show its refusals next to the field they are about (answering 400).
Something a person may not see answers 404; something they see but may not run answers 403.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from maillage.common.errors import Conflict, PermissionDenied, ValidationFailed
from maillage.members.models import Plan
from maillage.places.models import Network, Place

from . import services
from .forms import BodyForm, BodyMemberForm, CollegesForm, DecisionForm, ProposalForm, VoteForm
from .models import BodyKind, BodyMember, DecisionBody, Proposal, ProposalStatus, Vote, VoteStatus
from .rules import can_manage_body, can_revise_proposal, can_take_part, can_view_body, can_view_vote


def _refusal(form, exc: Exception) -> None:
    if isinstance(exc, ValidationFailed):
        form.add_service_errors(exc.errors)
    else:
        form.add_error(None, str(exc) or _("Cette action n'est pas permise."))


def _owner(kind: str, slug: str) -> Place | Network:
    model = Place if kind == "place" else Network
    return get_object_or_404(model, slug=slug)


def _may_manage_owner(user, owner: Place | Network) -> bool:
    probe = DecisionBody(
        place=owner if isinstance(owner, Place) else None,
        network=owner if isinstance(owner, Network) else None,
    )
    return can_manage_body(user, probe)


def _body_or_404(request: HttpRequest, pk: int, *, manage: bool = True) -> DecisionBody:
    body = get_object_or_404(DecisionBody.objects.select_related("place", "network"), pk=pk)
    if not can_view_body(request.user, body):
        raise Http404(_("Instance introuvable."))
    if manage and not can_manage_body(request.user, body):
        raise PermissionDenied
    return body


def owner_url(body: DecisionBody) -> str:
    from django.urls import reverse

    if body.place_id:
        return reverse("governance:bodies_place", args=[body.place.slug])  # type: ignore[union-attr]
    return reverse("governance:bodies_network", args=[body.network.slug])  # type: ignore[union-attr]


# --- bodies -------------------------------------------------------------------------------------


def _kinds(owner: Place | Network) -> tuple[str, ...]:
    if isinstance(owner, Place):
        return (BodyKind.PLACE_MEMBERS, BodyKind.NAMED_LIST)
    return (BodyKind.NETWORK_PLACES, BodyKind.NAMED_LIST)


def _plans(owner: Place | Network) -> list[Plan]:
    if isinstance(owner, Place):
        return list(Plan.objects.filter(place=owner).order_by("name"))
    return []


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def bodies(request: HttpRequest, kind: str, slug: str) -> HttpResponse:
    """The decision bodies of a place or network, with their counts; POST creates one."""
    owner = _owner(kind, slug)
    if not _may_manage_owner(request.user, owner):
        raise Http404(_("Lieu introuvable."))
    choices = {"kinds": _kinds(owner), "plans": _plans(owner)}
    form = BodyForm(request.POST or None, **choices)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                body = services.create_body(
                    actor=request.user,
                    name=data["name"],
                    kind=data["kind"],
                    place=owner if isinstance(owner, Place) else None,
                    network=owner if isinstance(owner, Network) else None,
                    plans=data.get("plans") or [],
                    secret_ballot=data["secret_ballot"],
                )
            except (ValidationFailed, PermissionDenied) as exc:
                _refusal(form, exc)
            else:
                messages.success(request, _("Instance « %s » créée.") % body.name)
                return redirect("governance:body", pk=body.pk)
        status = 400
    field = "place" if isinstance(owner, Place) else "network"
    listed = (
        DecisionBody.objects.filter(**{field: owner})
        .annotate(
            member_count=Count("body_members", distinct=True),
            college_count=Count("colleges", distinct=True),
            open_votes=Count("votes", filter=Q(votes__status=VoteStatus.OPEN), distinct=True),
            draft_votes=Count("votes", filter=Q(votes__status=VoteStatus.DRAFT), distinct=True),
        )
        .order_by("name", "pk")
    )
    return render(
        request,
        "governance/bodies.html",
        {"owner": owner, "owner_kind": kind, "bodies": listed, "form": form},
        status=status,
    )


def _body_page(request, body, *, form=None, colleges_form=None, member_form=None, status=200):
    colleges = list(body.colleges.all())
    places = list(body.network.places.order_by("name")) if body.network_id else []
    if body.kind != BodyKind.NETWORK_PLACES:
        places = []
    members = body.body_members.select_related("user", "place", "college").order_by(
        "user__username"
    )
    proposals = body.proposals.select_related("author").order_by("-created_at", "-pk")[:50]
    votes = body.votes.order_by("-closes_at", "-pk")[:50]
    return render(
        request,
        "governance/body.html",
        {
            "body": body,
            "owner_url": owner_url(body),
            "form": form
            or BodyForm(
                initial={
                    "name": body.name,
                    "secret_ballot": body.secret_ballot,
                    "plans": [str(pk) for pk in body.plans.values_list("pk", flat=True)],
                },
                plans=_plans(body.place) if body.place_id else [],
                editing=True,
            ),
            "colleges_form": colleges_form
            or CollegesForm(
                initial={"colleges": "\n".join(f"{c.name} : {c.weight_percent}" for c in colleges)}
            ),
            "member_form": member_form
            or BodyMemberForm(places=places, colleges=colleges, prefix="member"),
            "members": members,
            "proposals": proposals,
            "votes": votes,
        },
        status=status,
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def body_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A body: its settings (POST changes them), colleges, members, proposals and votes."""
    body = _body_or_404(request, pk)
    if request.method == "GET":
        return _body_page(request, body)
    plans = _plans(body.place) if body.place_id else []  # type: ignore[arg-type]
    form = BodyForm(request.POST, plans=plans, editing=True)
    if form.is_valid():
        try:
            services.update_body(
                actor=request.user,
                body=body,
                name=form.cleaned_data["name"],
                plans=form.cleaned_data.get("plans") or [],
                secret_ballot=form.cleaned_data["secret_ballot"],
            )
        except (ValidationFailed, PermissionDenied) as exc:
            _refusal(form, exc)
        else:
            messages.success(request, _("Instance enregistrée."))
            return redirect("governance:body", pk=body.pk)
    return _body_page(request, body, form=form, status=400)


@login_required
@require_POST
def body_colleges(request: HttpRequest, pk: int) -> HttpResponse:
    body = _body_or_404(request, pk)
    form = CollegesForm(request.POST)
    if form.is_valid():
        try:
            services.set_colleges(
                actor=request.user, body=body, colleges=form.cleaned_data["colleges"]
            )
        except (ValidationFailed, PermissionDenied) as exc:
            _refusal(form, exc)
        else:
            messages.success(request, _("Collèges enregistrés."))
            return redirect("governance:body", pk=body.pk)
    return _body_page(request, body, colleges_form=form, status=400)


@login_required
@require_POST
def body_member_add(request: HttpRequest, pk: int) -> HttpResponse:
    body = _body_or_404(request, pk)
    places = list(body.network.places.all()) if body.kind == BodyKind.NETWORK_PLACES else []  # type: ignore[union-attr]
    form = BodyMemberForm(
        request.POST, places=places, colleges=list(body.colleges.all()), prefix="member"
    )
    if form.is_valid():
        try:
            member = services.add_body_member(
                actor=request.user,
                body=body,
                user=form.cleaned_data["person"],
                place=form.cleaned_data.get("place"),
                college=form.cleaned_data.get("college"),
            )
        except (ValidationFailed, Conflict, PermissionDenied) as exc:
            _refusal(form, exc)
        else:
            messages.success(request, _("%s est inscrit·e à l'instance.") % member.user)
            return redirect("governance:body", pk=body.pk)
    return _body_page(request, body, member_form=form, status=400)


@login_required
@require_POST
def body_member_remove(request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
    body = _body_or_404(request, pk)
    member = get_object_or_404(BodyMember.objects.select_related("body", "user"), pk=member_pk)
    if member.body_id != body.pk:
        raise Http404
    services.remove_body_member(actor=request.user, member=member)
    messages.success(request, _("%s ne fait plus partie de l'instance.") % member.user)
    return redirect("governance:body", pk=body.pk)


# --- proposals ----------------------------------------------------------------------------------


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def proposal_create(request: HttpRequest, pk: int) -> HttpResponse:
    """A new draft proposal of the body (its members and operators may write one)."""
    body = _body_or_404(request, pk, manage=False)
    if not can_take_part(request.user, body):
        raise PermissionDenied
    form = ProposalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            proposal = services.create_proposal(actor=request.user, body=body, **form.cleaned_data)
        except (ValidationFailed, PermissionDenied) as exc:
            _refusal(form, exc)
        else:
            messages.success(request, _("Proposition enregistrée en brouillon."))
            return redirect("governance:proposal", pk=proposal.pk)
    return render(
        request,
        "governance/proposal_form.html",
        {"body": body, "form": form, "proposal": None},
        status=400 if request.method == "POST" else 200,
    )


def _proposal_or_404(request: HttpRequest, pk: int) -> Proposal:
    proposal = get_object_or_404(Proposal.objects.select_related("body", "author"), pk=pk)
    if not can_view_body(request.user, proposal.body):
        raise Http404(_("Proposition introuvable."))
    return proposal


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def proposal_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """A new revision of a draft or a proposal in discussion (its author, or an operator)."""
    proposal = _proposal_or_404(request, pk)
    if not can_revise_proposal(request.user, proposal):
        raise PermissionDenied
    if request.method == "GET":
        form = ProposalForm(initial={"title": proposal.title, "text": proposal.text})
    else:
        form = ProposalForm(request.POST)
        if form.is_valid():
            try:
                services.revise_proposal(actor=request.user, proposal=proposal, **form.cleaned_data)
            except (ValidationFailed, PermissionDenied) as exc:
                _refusal(form, exc)
            else:
                messages.success(request, _("Proposition révisée."))
                return redirect("governance:proposal", pk=proposal.pk)
    return render(
        request,
        "governance/proposal_form.html",
        {"body": proposal.body, "form": form, "proposal": proposal},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def proposal_move(request: HttpRequest, pk: int) -> HttpResponse:
    """Put a draft to discussion, withdraw it, or record its decision."""
    proposal = _proposal_or_404(request, pk)
    action = request.POST.get("action")
    try:
        if action == "discuss":
            services.open_discussion(actor=request.user, proposal=proposal)
            messages.success(request, _("La proposition est en discussion."))
        elif action == "withdraw":
            services.withdraw_proposal(actor=request.user, proposal=proposal)
            messages.success(request, _("La proposition est retirée."))
        elif action == "decide":
            form = DecisionForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("Choisissez : adoptée ou rejetée."))
                return redirect("governance:proposal", pk=proposal.pk)
            services.decide_proposal(
                actor=request.user,
                proposal=proposal,
                adopted=form.cleaned_data["outcome"] == "adopted",
                decision_text=form.cleaned_data["decision_text"],
            )
            messages.success(request, _("La décision est enregistrée."))
        else:
            raise Http404
    except Conflict as exc:
        messages.error(request, str(exc))
    return redirect("governance:proposal", pk=proposal.pk)


# --- votes --------------------------------------------------------------------------------------


def _open_proposals(body: DecisionBody) -> list[Proposal]:
    return list(
        body.proposals.filter(
            status__in=[ProposalStatus.DRAFT, ProposalStatus.DISCUSSION]
        ).order_by("-created_at", "-pk")
    )


def _vote_form_page(request, body, form, vote=None, status=200) -> HttpResponse:
    return render(
        request,
        "governance/vote_form.html",
        {"body": body, "form": form, "vote": vote, "owner_url": owner_url(body)},
        status=status,
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def vote_create(request: HttpRequest, pk: int) -> HttpResponse:
    """A vote in preparation for the body, by one of the nine methods and its settings."""
    body = _body_or_404(request, pk)
    proposals = _open_proposals(body)
    if request.method == "GET":
        initial = {"secret": body.secret_ballot, "proposal": request.GET.get("proposition", "")}
        return _vote_form_page(request, body, VoteForm(initial=initial, proposals=proposals))
    form = VoteForm(request.POST, proposals=proposals)
    if form.is_valid():
        try:
            vote = services.create_vote(actor=request.user, body=body, **form.service_fields())
        except (ValidationFailed, PermissionDenied) as exc:
            _refusal(form, exc)
        else:
            messages.success(
                request, _("Vote « %s » préparé : vérifiez-le, puis ouvrez-le.") % vote.title
            )
            return redirect("governance:vote", pk=vote.pk)
    return _vote_form_page(request, body, form, status=400)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def vote_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a vote while it is in preparation."""
    vote = get_object_or_404(Vote.objects.select_related("body", "proposal"), pk=pk)
    if not can_view_vote(request.user, vote):
        raise Http404(_("Vote introuvable."))
    body = vote.body
    if not can_manage_body(request.user, body):
        raise PermissionDenied
    proposals = _open_proposals(body)
    if vote.proposal is not None and vote.proposal not in proposals:
        proposals.append(vote.proposal)
    if vote.status != VoteStatus.DRAFT:
        messages.error(request, _("Seul un vote en préparation se modifie."))
        return redirect("governance:vote", pk=vote.pk)
    if request.method == "GET":
        form = VoteForm(initial=VoteForm.initial_of(vote), proposals=proposals)
        return _vote_form_page(request, body, form, vote)
    form = VoteForm(request.POST, proposals=proposals)
    if form.is_valid():
        try:
            services.update_vote(actor=request.user, vote=vote, **form.service_fields())
        except (ValidationFailed, Conflict, PermissionDenied) as exc:
            _refusal(form, exc)
        else:
            messages.success(request, _("Vote enregistré."))
            return redirect("governance:vote", pk=vote.pk)
    return _vote_form_page(request, body, form, vote, status=400)
