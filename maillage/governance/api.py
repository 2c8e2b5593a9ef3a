"""`/api/v1/votes…` and `/api/v1/proposals…`: votes, my ballot, results, verification data.

Reads take an optional token (`Authorization: Bearer`): without one, only what is public (the
closed votes whose results are public, their results and anonymised ballots). A token that does
not authenticate answers 401. Objects the caller may not see answer 404.
"""

from datetime import datetime
from typing import Any, Literal

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.errors import AuthenticationError

from maillage.accounts.auth import token_auth
from maillage.accounts.services import authenticate_token
from maillage.common.errors import Conflict, PermissionDenied, ValidationFailed
from maillage.common.schemas import Instant, error_responses

from . import exports, services
from .models import Proposal, Vote, VoteStatus
from .rules import bodies_where, can_see_results, can_view_vote, votes_where

router = Router(tags=["governance"])

READ_ERRORS = error_responses(401, 404, 422)
WRITE_ERRORS = error_responses(400, 401, 403, 404, 409, 422)


def _viewer(request: HttpRequest):
    """The token's user, the session's, or an anonymous visitor; 401 for a bad token."""
    if getattr(request, "auth", None) is not None:  # already authenticated by `token_auth`
        return request.auth
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _space, raw = header.partition(" ")
        user = authenticate_token(raw.strip()) if scheme.lower() == "bearer" else None
        if user is None:
            raise AuthenticationError
        return user
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else AnonymousUser()


class VoteListOut(Schema):
    id: int
    title: str
    method: str
    status: str
    closes_at: datetime


class OptionOut(Schema):
    position: int
    label: str
    description: str
    cost: int | None
    capacity: int | None


class VoteOut(VoteListOut):
    body: str
    description: str
    proposal_id: int | None
    secret: bool
    results_public: bool
    results_hidden: bool
    changeable: bool
    quorum_percent: int
    settings: dict[str, Any]
    opened_at: datetime | None
    closed_at: datetime | None
    electors: int
    voters: int
    options: list[OptionOut]


class VoteFilters(Schema):
    status: Literal["open", "closed", "draft", "cancelled"] | None = None


def _vote(request: HttpRequest, vote_id: int) -> Vote:
    # `get`, not `first`, which would sort by the model's ordering.
    try:
        vote = Vote.objects.select_related("body").get(pk=vote_id)
    except Vote.DoesNotExist:
        raise Http404(_("Vote introuvable.")) from None
    if not can_view_vote(_viewer(request), vote):
        raise Http404(_("Vote introuvable."))
    return vote


@router.get(
    "votes",
    response={200: list[VoteListOut], **READ_ERRORS},
    operation_id="list_votes",
    summary="Lister les votes",
    description=(
        "Les votes que l'appelant·e peut voir (sans jeton : les votes clos dont les résultats "
        "sont publics), du plus proche de sa clôture au plus lointain ; `status` filtre."
    ),
)
def list_votes(request: HttpRequest, filters: Query[VoteFilters]):
    votes = votes_where(_viewer(request))
    if filters.status:
        votes = votes.filter(status=filters.status)
    return list(votes.order_by("closes_at", "pk")[:500])


@router.get(
    "votes/{vote_id}",
    response={200: VoteOut, **READ_ERRORS},
    operation_id="get_vote",
    summary="Un vote",
)
def get_vote(request: HttpRequest, vote_id: int):
    vote = _vote(request, vote_id)
    counted = Vote.objects.filter(pk=vote.pk).aggregate(
        electors=Count("electors", distinct=True), voters=Count("participations", distinct=True)
    )
    return {
        **{field: getattr(vote, field) for field in VoteOut.model_fields if hasattr(vote, field)},
        "body": vote.body.name,
        "electors": counted["electors"],
        "voters": counted["voters"],
        "options": list(vote.options.all()),
    }


class BallotIn(Schema):
    content: dict[str, Any]
    receipt_code: str = ""


class ReceiptOut(Schema):
    detail: str
    created: bool
    receipt_code: str
    receipt_hash: str


def _submit(request: HttpRequest, vote_id: int, payload: BallotIn):
    # Who may see the vote is asked only of a refusal: a ballot the service accepts is an
    # elector's, and electors see their vote (`can_view_vote`). Whoever may not see it is
    # answered 404 whatever the refusal, as `_vote` would have before: one query less per
    # ballot (the elector is looked up once, by the service).
    try:
        vote = Vote.objects.get(pk=vote_id)
    except Vote.DoesNotExist:
        raise Http404(_("Vote introuvable.")) from None
    try:
        ballot, code, created = services.submit_ballot(
            actor=request.auth,
            vote=vote,
            content=payload.content,
            receipt_code=payload.receipt_code,
        )
    except (Conflict, PermissionDenied, ValidationFailed):
        if not can_view_vote(_viewer(request), vote):
            raise Http404(_("Vote introuvable.")) from None
        raise
    detail = (
        _("Votre vote est enregistré. Gardez votre code de reçu : il n'est conservé nulle part.")
        if created
        else _("Votre vote est modifié.")
    )
    return Status(
        201 if created else 200,
        {
            "detail": detail,
            "created": created,
            "receipt_code": code,
            "receipt_hash": ballot.receipt_hash,
        },
    )


BALLOT_DOC = (
    "Dépose le bulletin de l'appelant·e (201), ou le remplace tant que le vote est ouvert et "
    "modifiable (200) : pour un vote secret, avec le `receipt_code` reçu au premier dépôt, "
    "seul moyen de retrouver le bulletin. Un second bulletin sans lui est refusé (409). Le "
    "contenu suit la méthode du vote (voir maillage/governance/tallying.py)."
)


@router.put(
    "votes/{vote_id}/ballot",
    auth=token_auth,
    response={200: ReceiptOut, 201: ReceiptOut, **WRITE_ERRORS},
    operation_id="put_my_ballot",
    summary="Voter, ou modifier mon vote",
    description=BALLOT_DOC,
)
def put_ballot(request: HttpRequest, vote_id: int, payload: BallotIn):
    return _submit(request, vote_id, payload)


@router.post(
    "votes/{vote_id}/ballot",
    auth=token_auth,
    response={200: ReceiptOut, 201: ReceiptOut, **WRITE_ERRORS},
    operation_id="post_my_ballot",
    summary="Voter",
    description=BALLOT_DOC,
)
def post_ballot(request: HttpRequest, vote_id: int, payload: BallotIn):
    return _submit(request, vote_id, payload)


class ResultsOut(Schema):
    vote: int
    status: str
    final: bool
    results: dict[str, Any]


@router.get(
    "votes/{vote_id}/results",
    response={200: ResultsOut, **error_responses(401, 403, 404, 422)},
    operation_id="get_vote_results",
    summary="Les résultats d'un vote",
    description="Après la clôture (avant, seulement si le vote ne les cache pas).",
)
def vote_results(request: HttpRequest, vote_id: int):
    vote = _vote(request, vote_id)
    if not can_see_results(_viewer(request), vote):
        raise PermissionDenied(_("Les résultats sont publiés à la clôture du vote."))
    closed = vote.status == VoteStatus.CLOSED
    return {
        "vote": vote.pk,
        "status": vote.status,
        "final": closed,
        "results": vote.results if closed else services.compute_results(vote),
    }


class BallotOut(Schema):
    position: int | None
    content: dict[str, Any]
    college: int | None
    receipt_hash: str
    previous_hash: str
    hash: str


class VerificationOut(Schema):
    vote: int
    genesis: str
    chain_head: str
    ballot_count: int | None
    ballot_hashes: list[str]
    receipt_hashes: list[str]


def _closed(request: HttpRequest, vote_id: int) -> Vote:
    vote = _vote(request, vote_id)
    if vote.status != VoteStatus.CLOSED or not can_see_results(_viewer(request), vote):
        raise Http404(_("Les bulletins sont publiés à la clôture du vote."))
    return vote


@router.get(
    "votes/{vote_id}/ballots",
    response={200: list[BallotOut], **READ_ERRORS},
    operation_id="list_vote_ballots",
    summary="Les bulletins anonymisés d'un vote clos",
    description="Dans l'ordre de la chaîne ; rien n'y désigne un·e votant·e ni une heure.",
)
def vote_ballots(request: HttpRequest, vote_id: int):
    return exports.public_rows(_closed(request, vote_id))


@router.get(
    "votes/{vote_id}/verification",
    response={200: VerificationOut, **READ_ERRORS},
    operation_id="get_vote_verification",
    summary="Les données de vérification d'un vote clos",
    description="Tête de chaîne publiée, empreintes des bulletins et des reçus.",
)
def vote_verification(request: HttpRequest, vote_id: int):
    return exports.verification(_closed(request, vote_id))


class OptionIn(Schema):
    label: str
    description: str = ""
    cost: int | None = None
    capacity: int | None = None


class VoteIn(Schema):
    body: int
    title: str
    method: str
    options: list[OptionIn] = []
    closes_at: Instant
    proposal: int | None = None
    description: str = ""
    secret: bool | None = None
    results_public: bool = False
    results_hidden: bool = True
    changeable: bool = True
    early_close: bool = False
    quorum_percent: int = 0
    settings: dict[str, Any] = {}


@router.post(
    "votes",
    auth=token_auth,
    response={201: VoteListOut, **WRITE_ERRORS},
    operation_id="create_vote",
    summary="Préparer un vote",
    description=(
        "Réservé à qui anime l'instance. Le vote est créé en préparation (`draft`) ; "
        "`POST /api/v1/votes/{id}/state` l'ouvre, ce qui arrête son corps électoral. "
        "`secret` vaut par défaut le réglage de l'instance."
    ),
)
def create_vote(request: HttpRequest, payload: VoteIn):
    body = bodies_where(request.auth).filter(pk=payload.body).first()
    if body is None:
        raise Http404(_("Instance introuvable."))
    proposal = None
    if payload.proposal is not None:
        proposal = body.proposals.filter(pk=payload.proposal).first()
        if proposal is None:
            raise Http404(_("Proposition introuvable."))
    values = payload.model_dump(exclude={"body", "proposal", "options"})
    vote = services.create_vote(
        actor=request.auth,
        body=body,
        proposal=proposal,
        options=[option.model_dump() for option in payload.options],
        **values,
    )
    return Status(201, vote)


class VoteActionIn(Schema):
    action: Literal["open", "close", "cancel"]


@router.post(
    "votes/{vote_id}/state",
    auth=token_auth,
    response={200: VoteListOut, **WRITE_ERRORS},
    operation_id="move_vote",
    summary="Ouvrir, clore ou annuler un vote",
    description="Réservé à qui anime l'instance (l'équipe du lieu, la coordination du réseau).",
)
def move_vote(request: HttpRequest, vote_id: int, payload: VoteActionIn):
    vote = _vote(request, vote_id)
    move = {
        "open": services.open_vote,
        "close": services.close_vote,
        "cancel": services.cancel_vote,
    }[payload.action]
    return move(actor=request.auth, vote=vote)


class ProposalOut(Schema):
    id: int
    body: int
    title: str
    text: str
    status: str
    author: str | None
    decision_text: str
    created_at: datetime
    decided_at: datetime | None


def _proposal_out(proposal: Proposal) -> dict:
    return {
        "id": proposal.pk,
        "body": proposal.body_id,
        "title": proposal.title,
        "text": proposal.text,
        "status": proposal.status,
        "author": proposal.author.username if proposal.author else None,
        "decision_text": proposal.decision_text,
        "created_at": proposal.created_at,
        "decided_at": proposal.decided_at,
    }


@router.get(
    "proposals",
    response={200: list[ProposalOut], **READ_ERRORS},
    operation_id="list_proposals",
    summary="Lister les propositions",
    description="Celles des instances dont l'appelant·e est membre ou qu'il ou elle anime.",
)
def list_proposals(request: HttpRequest):
    proposals = Proposal.objects.filter(body__in=bodies_where(_viewer(request))).select_related(
        "author"
    )
    return [_proposal_out(proposal) for proposal in proposals[:500]]


def _proposal(request: HttpRequest, proposal_id: int) -> Proposal:
    proposal = (
        Proposal.objects.select_related("author")
        .filter(pk=proposal_id, body__in=bodies_where(_viewer(request)))
        .first()
    )
    if proposal is None:
        raise Http404(_("Proposition introuvable."))
    return proposal


@router.get(
    "proposals/{proposal_id}",
    response={200: ProposalOut, **READ_ERRORS},
    operation_id="get_proposal",
    summary="Une proposition",
)
def get_proposal(request: HttpRequest, proposal_id: int):
    return _proposal_out(_proposal(request, proposal_id))


class ProposalIn(Schema):
    body: int
    title: str
    text: str


@router.post(
    "proposals",
    auth=token_auth,
    response={201: ProposalOut, **WRITE_ERRORS},
    operation_id="create_proposal",
    summary="Écrire une proposition (brouillon)",
)
def create_proposal(request: HttpRequest, payload: ProposalIn):
    body = bodies_where(request.auth).filter(pk=payload.body).first()
    if body is None:
        raise Http404(_("Instance introuvable."))
    proposal = services.create_proposal(
        actor=request.auth, body=body, title=payload.title, text=payload.text
    )
    return Status(201, _proposal_out(proposal))


class CommentIn(Schema):
    text: str
    parent: int | None = None


class CommentOut(Schema):
    id: int
    parent: int | None
    text: str


@router.post(
    "proposals/{proposal_id}/comments",
    auth=token_auth,
    response={201: CommentOut, **WRITE_ERRORS},
    operation_id="create_comment",
    summary="Commenter une proposition, ou répondre à un commentaire",
)
def create_comment(request: HttpRequest, proposal_id: int, payload: CommentIn):
    proposal = _proposal(request, proposal_id)
    parent = proposal.comments.filter(pk=payload.parent).first() if payload.parent else None
    if payload.parent and parent is None:
        raise Http404(_("Commentaire introuvable."))
    comment = services.add_comment(
        actor=request.auth, proposal=proposal, text=payload.text, parent=parent
    )
    return Status(201, {"id": comment.pk, "parent": comment.parent_id, "text": comment.text})
