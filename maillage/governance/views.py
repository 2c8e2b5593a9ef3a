"""Governance pages: a place's or network's governance, a proposal, voting, results.

Thin: reads through `selectors`, writes through `services`. Objects a person may not see answer
404; every form works without JavaScript.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from maillage.common.errors import Conflict, PermissionDenied, ValidationFailed
from maillage.common.markdown import render_markdown
from maillage.places.models import Network, Place

from . import exports, selectors, services, tallying
from .models import Comment, DecisionBody, Proposal, Vote, VoteStatus
from .rules import (
    can_manage_body,
    can_revise_proposal,
    can_see_results,
    can_take_part,
    can_view_body,
    can_view_vote,
    can_vote,
)
from .text import diff_lines


def governance_place(request: HttpRequest, slug: str) -> HttpResponse:
    place = get_object_or_404(Place, slug=slug)
    overview = selectors.overview(request.user, place=place)
    may_manage = can_manage_body(request.user, DecisionBody(place=place))
    return render(
        request,
        "governance/overview.html",
        {"owner": place, "overview": overview, "may_manage": may_manage, "owner_kind": "place"},
    )


def governance_network(request: HttpRequest, slug: str) -> HttpResponse:
    network = get_object_or_404(Network, slug=slug)
    overview = selectors.overview(request.user, network=network)
    may_manage = can_manage_body(request.user, DecisionBody(network=network))
    return render(
        request,
        "governance/overview.html",
        {"owner": network, "overview": overview, "may_manage": may_manage, "owner_kind": "network"},
    )


def _proposal_or_404(request, pk: int) -> Proposal:
    proposal = get_object_or_404(Proposal.objects.select_related("body", "author"), pk=pk)
    if not can_view_body(request.user, proposal.body):
        raise Http404(_("Proposition introuvable."))
    return proposal


def proposal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = _proposal_or_404(request, pk)
    revisions = list(proposal.revisions.all())
    diff = None
    if len(revisions) > 1:
        numbers = {revision.number: revision for revision in revisions}
        try:
            before = numbers[int(request.GET.get("de", len(revisions) - 1))]
            after = numbers[int(request.GET.get("a", len(revisions)))]
        except (KeyError, ValueError):
            raise Http404(_("Révision introuvable.")) from None
        diff = {
            "before": before,
            "after": after,
            "lines": diff_lines(
                before.title + "\n\n" + before.text, after.title + "\n\n" + after.text
            ),
        }
    comments = (
        Comment.objects.filter(proposal=proposal, parent=None)
        .select_related("author")
        .prefetch_related("replies__author")
    )
    return render(
        request,
        "governance/proposal.html",
        {
            "proposal": proposal,
            "html": render_markdown(proposal.text),
            "revisions": revisions,
            "diff": diff,
            "comments": comments,
            "can_comment": can_take_part(request.user, proposal.body),
            "follows": request.user.is_authenticated
            and proposal.follows.filter(user=request.user).exists(),
            "votes": proposal.votes.all(),
            "may_manage": can_manage_body(request.user, proposal.body),
            "may_revise": can_revise_proposal(request.user, proposal),
            "may_withdraw": proposal.status in ("draft", "discussion", "vote")
            and (
                can_manage_body(request.user, proposal.body)
                or (request.user.is_authenticated and proposal.author_id == request.user.pk)
            ),
            "follow_ups": proposal.follow_ups.all(),
            "decision_html": render_markdown(proposal.decision_text),
        },
    )


@login_required
@require_POST
def proposal_comment(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = _proposal_or_404(request, pk)
    parent = None
    if request.POST.get("parent"):
        parent = Comment.objects.filter(proposal=proposal, pk=request.POST["parent"]).first()
    try:
        services.add_comment(
            actor=request.user, proposal=proposal, text=request.POST.get("text", ""), parent=parent
        )
        messages.success(request, _("Votre commentaire est publié."))
    except ValidationFailed as exc:
        messages.error(request, "; ".join(str(error.message) for error in exc.errors))
    return redirect("governance:proposal", pk=proposal.pk)


@login_required
@require_POST
def proposal_follow(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = _proposal_or_404(request, pk)
    services.set_follow(
        actor=request.user, proposal=proposal, follow=request.POST.get("follow") == "1"
    )
    return redirect("governance:proposal", pk=proposal.pk)


def _vote_or_404(request, pk: int) -> Vote:
    vote = get_object_or_404(Vote.objects.select_related("body", "proposal"), pk=pk)
    if not can_view_vote(request.user, vote):
        raise Http404(_("Vote introuvable."))
    return vote


def _content_from_form(vote: Vote, data, option_count: int) -> dict:
    """The ballot a voting form posted, in the JSON form of `governance.tallying`."""

    def number(name: str):
        value = data.get(name, "")
        try:
            return int(value)
        except ValueError:
            return value or None

    if vote.method == "single":
        return {"choice": number("choice")}
    if vote.method in ("approval", "budget"):
        return {"approved": [int(value) for value in data.getlist("approved") if value.isdigit()]}
    if vote.method == "consent":
        return {"position": data.get("position"), "reason": data.get("reason", "")}
    key = tallying.VALUE_KEYS[vote.method]
    values = [number(f"option-{index}") for index in range(option_count)]
    if key == "ranks":  # an empty rank: not ranked (for an allocation: not acceptable)
        values = [0 if value is None else value for value in values]
    return {key: values}


def _form_context(vote: Vote) -> dict:
    options = list(vote.options.all())
    context: dict = {"options": options}
    if vote.method == "majority_judgement":
        scale = tallying.scale_of(vote)
        # Best grade first, as people read a scale.
        context["grades"] = list(reversed(list(enumerate(scale))))
    elif vote.method == "score":
        low, high = tallying.score_range(vote)
        context["grades"] = [(value, str(value)) for value in range(high, low - 1, -1)]
    elif vote.method == "date_poll":
        context["grades"] = [(2, _("Oui")), (1, _("Si besoin")), (0, _("Non"))]
    elif vote.method in ("schulze", "allocation"):
        context["ranks"] = list(range(1, len(options) + 1))
    return context


@require_http_methods(["GET", "POST"])
def vote_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The voting page: the form of the vote's method; after a vote, its receipt."""
    vote = _vote_or_404(request, pk)
    context = {"vote": vote, **_form_context(vote)}
    user = request.user
    context["may_vote"] = can_vote(user, vote)
    context["voted"] = (
        user.is_authenticated and vote.participations.filter(elector__user=user).exists()
    )
    context["may_manage"] = can_manage_body(user, vote.body)
    context["results_visible"] = can_see_results(user, vote)
    if request.method == "POST":
        if not user.is_authenticated:
            return redirect("accounts:login")
        content = _content_from_form(vote, request.POST, len(context["options"]))
        try:
            ballot, code, _created = services.submit_ballot(
                actor=user,
                vote=vote,
                content=content,
                receipt_code=request.POST.get("receipt_code", ""),
            )
        except ValidationFailed as exc:
            context["errors"] = [str(error.message) for error in exc.errors]
            return render(request, "governance/vote.html", context, status=422)
        except Conflict as exc:
            context["errors"] = [str(exc)]
            return render(request, "governance/vote.html", context, status=409)
        return render(
            request,
            "governance/receipt.html",
            {"vote": vote, "code": code, "receipt_hash": ballot.receipt_hash},
        )
    return render(request, "governance/vote.html", context)


@login_required
@require_POST
def vote_manage(request: HttpRequest, pk: int) -> HttpResponse:
    vote = _vote_or_404(request, pk)
    action = request.POST.get("action")
    try:
        if action == "open":
            services.open_vote(actor=request.user, vote=vote)
            messages.success(request, _("Le vote est ouvert : le corps électoral est arrêté."))
        elif action == "close":
            services.close_vote(actor=request.user, vote=vote)
            messages.success(request, _("Le vote est clos ; ses résultats sont calculés."))
        elif action == "cancel":
            services.cancel_vote(actor=request.user, vote=vote)
            messages.success(request, _("Le vote est annulé."))
        elif action == "publish":
            services.publish_results(actor=request.user, vote=vote)
            messages.success(request, _("Les résultats sont publics."))
        else:
            raise Http404
    except ValidationFailed as exc:
        messages.error(request, "; ".join(str(error.message) for error in exc.errors))
    except Conflict as exc:
        messages.error(request, str(exc))
    return redirect("governance:vote", pk=vote.pk)


def _bars(values: list[float]) -> list[dict]:
    """Stacked bar segments (x, width in percent of 100) for an SVG, no inline style."""
    segments, x = [], 0.0
    for index, value in enumerate(values):
        segments.append({"index": index, "x": round(x, 3), "width": round(value, 3)})
        x += value
    return segments


def vote_results(request: HttpRequest, pk: int) -> HttpResponse:
    """The results, merit profiles and distributions as charts with their table, the chain
    head, and the check of one's receipt."""
    vote = _vote_or_404(request, pk)
    if not can_see_results(request.user, vote):
        raise PermissionDenied(_("Les résultats sont publiés à la clôture du vote."))
    results = vote.results if vote.status == VoteStatus.CLOSED else services.compute_results(vote)
    rows = results.get("options", [])
    ranking = results.get("ranking", [])
    ordered = [rows[index] for index in ranking] + [
        row for row in rows if row["index"] not in ranking
    ]
    for row in ordered:
        if "profile_percent" in row:
            # Best grade first, as the scale is read.
            row["bars"] = list(reversed(_bars(row["profile_percent"])))
        elif "percent" in row:
            row["bars"] = _bars([row["percent"]])
    receipt = None
    code = request.GET.get("recu", "").strip()
    if code and vote.status == VoteStatus.CLOSED:
        receipt = {"ballot": services.check_receipt(vote, code)}
    scale = results.get("scale") or []
    labels = [row["label"] for row in rows]
    pairwise = [
        {"label": labels[index], "values": values}
        for index, values in enumerate(results.get("pairwise") or [])
    ]
    budget_rows, budget_groups, assignment = [], [], []
    if results.get("method") == "budget":
        greedy, shares = results["greedy"], results["equal_shares"]
        budget_rows = [
            {
                **row,
                "greedy": row["index"] in greedy["selected"],
                "shares": row["index"] in shares["selected"],
            }
            for row in rows
        ]
        for mine, theirs in zip(greedy["groups"], shares["groups"], strict=False):
            budget_groups.append(
                {
                    "voters": mine["voters"],
                    "approved": [labels[i] for i in mine["approved"]],
                    "greedy": [labels[i] for i in mine["funded"]],
                    "shares": [labels[i] for i in theirs["funded"]],
                }
            )
    for line in results.get("assignment") or []:
        item = line["item"]
        assignment.append({**line, "label": labels[item] if 0 <= item < len(labels) else ""})
    return render(
        request,
        "governance/results.html",
        {
            "vote": vote,
            "results": results,
            "ordered": ordered,
            "scale": scale,
            "scale_best_first": list(reversed(list(enumerate(scale)))),
            "receipt": receipt,
            "code": code,
            "pairwise": pairwise,
            "budget_rows": budget_rows,
            "budget_groups": budget_groups,
            "assignment": assignment,
        },
    )


def _closed_vote_or_404(request, pk: int) -> Vote:
    vote = _vote_or_404(request, pk)
    if vote.status != VoteStatus.CLOSED or not can_see_results(request.user, vote):
        raise Http404(_("Les bulletins sont publiés à la clôture du vote."))
    return vote


def ballots_csv(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    vote = _closed_vote_or_404(request, pk)
    response = StreamingHttpResponse(exports.ballots_csv(vote), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="vote-{vote.pk}-bulletins.csv"'
    return response


def ballots_json(request: HttpRequest, pk: int) -> JsonResponse:
    vote = _closed_vote_or_404(request, pk)
    document = {**exports.verification(vote), "ballots": exports.public_rows(vote)}
    response = JsonResponse(document, json_dumps_params={"ensure_ascii": False})
    response["Content-Disposition"] = f'attachment; filename="vote-{vote.pk}-bulletins.json"'
    return response
