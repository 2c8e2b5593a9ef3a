"""Every write about governance: bodies, proposals and their deliberation, votes and ballots.

Each service takes the person acting (`actor`: a user, or `common.actors.SYSTEM` in management
commands), checks a predicate of `governance.rules`, writes in one transaction and records an
audit entry. Lifecycles move through `common.lifecycle.move_state` (`Proposal.TRANSITIONS`,
`Vote.TRANSITIONS`).

Secret ballots (docs/decisions.md): `submit_ballot` writes a `Participation` (who) and a `Ballot`
(what) with nothing linking them; the audit entry names the vote and the participation, never
the ballot. The ballots are chained only at the close (`close_vote`), in receipt-hash order.
"""

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from maillage.accounts.models import User
from maillage.audit.services import record
from maillage.common.actors import SYSTEM, SystemActor, check_actor, is_system
from maillage.common.errors import Conflict, FieldError, PermissionDenied, ValidationFailed
from maillage.common.lifecycle import IllegalTransition, move_state
from maillage.members.models import Plan
from maillage.places.models import Network, Place

from . import chain, notifications, tallying
from .models import (
    Ballot,
    BodyKind,
    BodyMember,
    College,
    Comment,
    DecisionBody,
    Elector,
    Follow,
    FollowUp,
    Participation,
    Proposal,
    ProposalRevision,
    ProposalStatus,
    Vote,
    VoteMethod,
    VoteOption,
    VoteStatus,
)
from .rules import can_manage_body, can_revise_proposal, can_take_part
from .selectors import as_stored_text, ballot_chunks, electorate

Actor = User | SystemActor

MIN_COLLEGE_PERCENT, MAX_COLLEGE_PERCENT = 10, 50


def _user(actor: Actor) -> User | None:
    return None if is_system(actor) else actor  # type: ignore[return-value]


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _text(value: str, field: str, message: str, max_length: int | None = None) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationFailed([FieldError(field, message)])
    if max_length and len(text) > max_length:
        raise ValidationFailed(
            [FieldError(field, _("%(max)s caractères au plus.") % {"max": max_length})]
        )
    return text


# --- bodies ------------------------------------------------------------------------------------


@transaction.atomic
def create_body(
    *,
    actor: Actor,
    name: str,
    kind: str,
    place: Place | None = None,
    network: Network | None = None,
    plans: list[Plan] | tuple[Plan, ...] = (),
    secret_ballot: bool = True,
) -> DecisionBody:
    """A decision body of `place` (its members, or a named list) or of `network`."""
    check_actor(actor)
    if kind not in BodyKind.values:
        raise ValidationFailed([FieldError("kind", _("Type d'instance inconnu."))])
    if (place is None) == (network is None):
        raise ValidationFailed(
            [FieldError("place", _("Une instance relève d'un lieu ou d'un réseau."))]
        )
    if kind == BodyKind.PLACE_MEMBERS and place is None:
        raise ValidationFailed([FieldError("place", _("Les membres de quel lieu ?"))])
    if kind == BodyKind.NETWORK_PLACES and network is None:
        raise ValidationFailed([FieldError("network", _("Les lieux de quel réseau ?"))])
    if any(plan.place_id != getattr(place, "pk", None) for plan in plans):
        raise ValidationFailed(
            [FieldError("plans", _("Ces formules sont celles d'un autre lieu."))]
        )
    body = DecisionBody(
        name=_text(name, "name", _("Donnez un nom à l'instance."), 200),
        kind=kind,
        place=place,
        network=network,
        secret_ballot=secret_ballot,
    )
    _require(can_manage_body(actor, body))
    body.save()
    body.plans.set(plans)
    record(
        actor=actor,
        action="body.create",
        target=body,
        changes={
            "name": [None, body.name],
            "kind": [None, kind],
            "place": [None, getattr(place, "pk", None)],
            "network": [None, getattr(network, "pk", None)],
            "plans": [None, sorted(plan.pk for plan in plans)],
        },
    )
    return body


@transaction.atomic
def set_colleges(
    *, actor: Actor, body: DecisionBody, colleges: list[tuple[str, int]]
) -> list[College]:
    """Replace the body's colleges by `colleges` ((name, percent) pairs): each 10 to 50 %,
    summing to 100 %; or none."""
    check_actor(actor)
    _require(can_manage_body(actor, body))
    errors = []
    names = [name.strip() for name, _weight in colleges]
    if any(not name for name in names) or len(set(names)) != len(names):
        errors.append(FieldError("colleges", _("Chaque collège a un nom, différent des autres.")))
    weights = [weight for _name, weight in colleges]
    if any(not MIN_COLLEGE_PERCENT <= weight <= MAX_COLLEGE_PERCENT for weight in weights):
        errors.append(FieldError("colleges", _("Chaque collège pèse entre 10 % et 50 % des voix.")))
    if colleges and sum(weights) != 100:
        errors.append(
            FieldError(
                "colleges",
                _("Les poids des collèges font 100 %% ensemble, pas %(sum)s %%.")
                % {"sum": sum(weights)},
            )
        )
    if errors:
        raise ValidationFailed(errors)
    BodyMember.objects.filter(body=body).update(college=None)
    body.colleges.all().delete()
    made = [
        College.objects.create(body=body, name=name, weight_percent=weight)
        for name, weight in zip(names, weights, strict=True)
    ]
    record(
        actor=actor,
        action="body.set_colleges",
        target=body,
        changes={"colleges": [None, [[c.name, c.weight_percent] for c in made]]},
    )
    return made


@transaction.atomic
def add_body_member(
    *,
    actor: Actor,
    body: DecisionBody,
    user: User,
    place: Place | None = None,
    college: College | None = None,
) -> BodyMember:
    """Put `user` on the body's list (as `place`'s representative in a network body), or assign
    a place member to a college."""
    check_actor(actor)
    _require(can_manage_body(actor, body))
    if college is not None and college.body_id != body.pk:
        raise ValidationFailed(
            [FieldError("college", _("Ce collège est celui d'une autre instance."))]
        )
    network = body.network
    if body.kind == BodyKind.NETWORK_PLACES and (
        place is None or network is None or not network.places.filter(pk=place.pk).exists()
    ):
        raise ValidationFailed(
            [FieldError("place", _("Un·e représentant·e représente un lieu du réseau."))]
        )
    try:
        with transaction.atomic():
            member, _created = BodyMember.objects.update_or_create(
                body=body, user=user, defaults={"place": place, "college": college}
            )
    except IntegrityError:
        raise Conflict(_("Ce lieu a déjà un·e représentant·e dans cette instance.")) from None
    record(
        actor=actor,
        action="body.add_member",
        target=body,
        changes={
            "user": [None, user.pk],
            "place": [None, getattr(place, "pk", None)],
            "college": [None, getattr(college, "pk", None)],
        },
    )
    return member


@transaction.atomic
def update_body(
    *,
    actor: Actor,
    body: DecisionBody,
    name: str,
    plans: list[Plan] | tuple[Plan, ...] = (),
    secret_ballot: bool = True,
) -> DecisionBody:
    """Rename the body, change its plans (a place members' body) and its default secrecy. Its
    kind and owner stay: they decide who its members are."""
    check_actor(actor)
    body = DecisionBody.objects.select_for_update().get(pk=body.pk)
    _require(can_manage_body(actor, body))
    if plans and body.kind != BodyKind.PLACE_MEMBERS:
        raise ValidationFailed(
            [FieldError("plans", _("Seule une instance des membres d'un lieu a des formules."))]
        )
    if any(plan.place_id != body.place_id for plan in plans):
        raise ValidationFailed(
            [FieldError("plans", _("Ces formules sont celles d'un autre lieu."))]
        )
    before = {
        "name": body.name,
        "secret_ballot": body.secret_ballot,
        "plans": sorted(body.plans.values_list("pk", flat=True)),
    }
    body.name = _text(name, "name", _("Donnez un nom à l'instance."), 200)
    body.secret_ballot = secret_ballot
    body.save(update_fields=["name", "secret_ballot", "updated_at"])
    body.plans.set(plans)
    after = {
        "name": body.name,
        "secret_ballot": secret_ballot,
        "plans": sorted(plan.pk for plan in plans),
    }
    changes = {key: [before[key], after[key]] for key in after if before[key] != after[key]}
    if changes:
        record(actor=actor, action="body.update", target=body, changes=changes)
    return body


@transaction.atomic
def remove_body_member(*, actor: Actor, member: BodyMember) -> None:
    """Take a person off the body's list (votes already open keep their frozen electorate)."""
    check_actor(actor)
    _require(can_manage_body(actor, member.body))
    body, user_id = member.body, member.user_id
    member.delete()
    record(
        actor=actor,
        action="body.remove_member",
        target=body,
        changes={"user": [user_id, None]},
    )


# --- proposals ---------------------------------------------------------------------------------


def _move(obj, target: str, **changes):
    try:
        return move_state(obj, target, field="status", **changes)
    except IllegalTransition:
        raise Conflict(
            _("Cet objet est « %(status)s » : il ne peut passer à « %(target)s ».")
            % {"status": obj.get_status_display(), "target": target}
        ) from None


@transaction.atomic
def create_proposal(*, actor: Actor, body: DecisionBody, title: str, text: str) -> Proposal:
    """A draft proposal by `actor`, with its first revision."""
    check_actor(actor)
    _require(can_take_part(actor, body))
    title = _text(title, "title", _("Donnez un titre à la proposition."), 200)
    text = _text(text, "text", _("Écrivez le texte de la proposition."))
    proposal = Proposal.objects.create(body=body, title=title, text=text, author=_user(actor))
    ProposalRevision.objects.create(
        proposal=proposal, number=1, title=title, text=text, author=_user(actor)
    )
    if not is_system(actor):
        Follow.objects.get_or_create(proposal=proposal, user=_user(actor))
    record(
        actor=actor,
        action="proposal.create",
        target=proposal,
        changes={"title": [None, title], "body": [None, body.pk]},
    )
    return proposal


@transaction.atomic
def open_discussion(*, actor: Actor, proposal: Proposal) -> Proposal:
    """The author (or an operator) puts a draft to discussion; the body's members are told."""
    check_actor(actor)
    _require(can_revise_proposal(actor, proposal))
    _move(proposal, ProposalStatus.DISCUSSION, discussion_at=timezone.now())
    record(
        actor=actor,
        action="proposal.discuss",
        target=proposal,
        changes={"status": [ProposalStatus.DRAFT, ProposalStatus.DISCUSSION]},
    )
    notifications.proposal_opened(proposal)
    return proposal


@transaction.atomic
def revise_proposal(*, actor: Actor, proposal: Proposal, title: str, text: str) -> Proposal:
    """A new revision (the former ones are kept, to compare)."""
    check_actor(actor)
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    _require(can_revise_proposal(actor, proposal))
    title = _text(title, "title", _("Donnez un titre à la proposition."), 200)
    text = _text(text, "text", _("Écrivez le texte de la proposition."))
    if (title, text) == (proposal.title, proposal.text):
        return proposal
    last = proposal.revisions.order_by("-number").first()
    number = (last.number if last else 0) + 1
    ProposalRevision.objects.create(
        proposal=proposal, number=number, title=title, text=text, author=_user(actor)
    )
    Proposal.objects.filter(pk=proposal.pk).update(
        title=title, text=text, updated_at=timezone.now()
    )
    proposal.title, proposal.text = title, text
    record(
        actor=actor,
        action="proposal.revise",
        target=proposal,
        changes={"revision": [number - 1, number]},
    )
    return proposal


@transaction.atomic
def withdraw_proposal(*, actor: Actor, proposal: Proposal) -> Proposal:
    check_actor(actor)
    is_author = not is_system(actor) and proposal.author_id == actor.pk
    _require(is_author or can_manage_body(actor, proposal.body))
    before = proposal.status
    _move(proposal, ProposalStatus.WITHDRAWN)
    record(
        actor=actor,
        action="proposal.withdraw",
        target=proposal,
        changes={"status": [before, "withdrawn"]},
    )
    return proposal


@transaction.atomic
def decide_proposal(
    *, actor: Actor, proposal: Proposal, adopted: bool, decision_text: str = ""
) -> Proposal:
    """Record the outcome of a proposal at vote, with the decision's text."""
    check_actor(actor)
    _require(can_manage_body(actor, proposal.body))
    target = ProposalStatus.ADOPTED if adopted else ProposalStatus.REJECTED
    _move(proposal, target, decided_at=timezone.now(), decision_text=decision_text.strip())
    record(
        actor=actor,
        action="proposal.decide",
        target=proposal,
        changes={"status": [ProposalStatus.VOTE, target]},
    )
    return proposal


@transaction.atomic
def add_comment(
    *, actor: Actor, proposal: Proposal, text: str, parent: Comment | None = None
) -> Comment:
    """A comment, or a reply to a comment (replies are not replied to: one level)."""
    check_actor(actor)
    _require(can_take_part(actor, proposal.body))
    if proposal.status in (ProposalStatus.DRAFT,) and not can_revise_proposal(actor, proposal):
        raise PermissionDenied
    if parent is not None:
        if parent.proposal_id != proposal.pk:
            raise ValidationFailed([FieldError("parent", _("Ce commentaire est ailleurs."))])
        if parent.parent_id is not None:
            parent = parent.parent  # a reply to a reply joins its thread
    comment = Comment.objects.create(
        proposal=proposal,
        parent=parent,
        author=_user(actor),
        text=_text(text, "text", _("Écrivez votre commentaire."), 5000),
    )
    record(
        actor=actor,
        action="comment.create",
        target=comment,
        changes={"proposal": [None, proposal.pk]},
    )
    return comment


@transaction.atomic
def set_follow(*, actor: User, proposal: Proposal, follow: bool) -> bool:
    check_actor(actor)
    _require(not is_system(actor) and can_take_part(actor, proposal.body))
    if follow:
        Follow.objects.get_or_create(proposal=proposal, user=actor)
    else:
        Follow.objects.filter(proposal=proposal, user=actor).delete()
    record(
        actor=actor, action="proposal.follow", target=proposal, changes={"follow": [None, follow]}
    )
    return follow


@transaction.atomic
def add_follow_up(*, actor: Actor, proposal: Proposal, text: str, done_on) -> FollowUp:
    """What was done to carry out an adopted decision, and when."""
    check_actor(actor)
    _require(can_manage_body(actor, proposal.body))
    if proposal.status != ProposalStatus.ADOPTED:
        raise Conflict(_("Seule une décision adoptée a un suivi de mise en œuvre."))
    update = FollowUp.objects.create(
        proposal=proposal,
        text=_text(text, "text", _("Dites ce qui a été fait.")),
        done_on=done_on,
        author=_user(actor),
    )
    record(
        actor=actor,
        action="proposal.follow_up",
        target=proposal,
        changes={"done_on": [None, done_on]},
    )
    return update


# --- votes -------------------------------------------------------------------------------------


@transaction.atomic
def create_vote(
    *,
    actor: Actor,
    body: DecisionBody,
    title: str,
    method: str,
    options: list[str] | list[dict[str, Any]],
    closes_at: datetime,
    proposal: Proposal | None = None,
    description: str = "",
    secret: bool | None = None,
    results_public: bool = False,
    results_hidden: bool = True,
    changeable: bool = True,
    early_close: bool = False,
    quorum_percent: int = 0,
    settings: dict[str, Any] | None = None,
) -> Vote:
    """A vote in preparation, with its options (labels, or dicts with `label`, `description`,
    `cost`, `capacity`)."""
    check_actor(actor)
    _require(can_manage_body(actor, body))
    rows, secret, settings = _checked_vote(
        body=body,
        title=title,
        method=method,
        options=options,
        proposal=proposal,
        secret=secret,
        quorum_percent=quorum_percent,
        settings=settings,
    )
    vote = Vote.objects.create(
        body=body,
        proposal=proposal,
        title=_text(title, "title", _("Donnez un titre au vote."), 200),
        description=description.strip(),
        method=method,
        secret=body.secret_ballot if secret is None else secret,
        results_public=results_public,
        results_hidden=results_hidden,
        changeable=changeable,
        early_close=early_close,
        quorum_percent=quorum_percent,
        settings=settings,
        closes_at=closes_at,
    )
    _write_options(vote, rows)
    record(
        actor=actor,
        action="vote.create",
        target=vote,
        changes={"title": [None, vote.title], "method": [None, method], "body": [None, body.pk]},
    )
    return vote


def _write_options(vote: Vote, rows: list[dict[str, Any]]) -> None:
    VoteOption.objects.bulk_create(
        VoteOption(
            vote=vote,
            position=index,
            label=str(row["label"]).strip()[:200],
            description=str(row.get("description") or ""),
            cost=row.get("cost"),
            capacity=row.get("capacity"),
        )
        for index, row in enumerate(rows)
    )


def _checked_vote(
    *,
    body: DecisionBody,
    title: str,
    method: str,
    options: list[str] | list[dict[str, Any]],
    proposal: Proposal | None,
    secret: bool | None,
    quorum_percent: int,
    settings: dict[str, Any] | None,
) -> tuple[list[dict[str, Any]], bool | None, dict[str, Any]]:
    """A vote's options, secrecy and settings checked together: (option rows, secret,
    settings), or ValidationFailed with every refusal."""
    errors = []
    if not (title or "").strip():
        errors.append(FieldError("title", _("Donnez un titre au vote.")))
    if method not in VoteMethod.values:
        errors.append(FieldError("method", _("Méthode de vote inconnue.")))
    elif method not in tallying.SUPPORTED_METHODS:
        errors.append(FieldError("method", _("Cette méthode de vote n'est pas encore disponible.")))
    rows: list[dict[str, Any]] = [
        {"label": item} if isinstance(item, str) else dict(item) for item in options
    ]
    if method == VoteMethod.CONSENT and not rows:
        rows = [{"label": proposal.title if proposal else title}]
    if len(rows) < (1 if method == VoteMethod.CONSENT else 2):
        errors.append(FieldError("options", _("Donnez au moins deux options.")))
    if any(not str(row.get("label") or "").strip() for row in rows):
        errors.append(FieldError("options", _("Chaque option a un intitulé.")))
    settings = settings or {}
    if method == VoteMethod.BUDGET and (
        not isinstance(settings.get("budget"), int)
        or any(not isinstance(row.get("cost"), int) or row["cost"] < 0 for row in rows)
    ):
        errors.append(
            FieldError("options", _("Un budget participatif a un budget et un coût par projet."))
        )
    if method == VoteMethod.ALLOCATION:
        if any(not isinstance(row.get("capacity"), int) or row["capacity"] < 1 for row in rows):
            errors.append(
                FieldError("options", _("Chaque chose à répartir a un nombre de places."))
            )
        if secret:
            errors.append(
                FieldError(
                    "secret", _("Une répartition dit qui obtient quoi : elle n'est pas secrète.")
                )
            )
        secret = False
    if not 0 <= quorum_percent <= 100:
        errors.append(FieldError("quorum_percent", _("Le quorum est un pourcentage.")))
    errors += _settings_errors(method, settings)
    if proposal is not None and proposal.body_id != body.pk:
        errors.append(
            FieldError("proposal", _("Cette proposition est celle d'une autre instance."))
        )
    if errors:
        raise ValidationFailed(errors)
    return rows, secret, settings


MIN_GRADES, MAX_GRADES = 2, 7


def _settings_errors(method: str, settings: dict[str, Any]) -> list[FieldError]:
    """What is wrong with a method's settings (`Vote.settings`)."""
    errors = []
    if method == VoteMethod.MAJORITY_JUDGEMENT and "scale" in settings:
        scale = settings["scale"]
        if (
            not isinstance(scale, list)
            or not MIN_GRADES <= len(scale) <= MAX_GRADES
            or any(not isinstance(label, str) or not label.strip() for label in scale)
            or len({label.strip() for label in scale}) != len(scale)
        ):
            errors.append(
                FieldError(
                    "scale",
                    _("Une échelle a de 2 à 7 mentions, toutes nommées et différentes."),
                )
            )
    if method == VoteMethod.SCORE:
        low, high = settings.get("min", 0), settings.get("max", 5)
        if not isinstance(low, int) or not isinstance(high, int) or not 0 <= low < high <= 100:
            errors.append(
                FieldError("score_max", _("La note maximale dépasse la note minimale (0 à 100)."))
            )
    if method == VoteMethod.CONSENT and "max_objections" in settings:
        threshold = settings["max_objections"]
        if not isinstance(threshold, int) or not 0 <= threshold <= 100:
            errors.append(
                FieldError("max_objections", _("Le seuil d'objections est un pourcentage."))
            )
    if method == VoteMethod.ALLOCATION and settings.get("objective", "total") not in (
        "total",
        "worst_off",
    ):
        errors.append(FieldError("objective", _("Objectif de répartition inconnu.")))
    return errors


VOTE_FIELDS = (
    "title",
    "description",
    "method",
    "secret",
    "results_public",
    "results_hidden",
    "changeable",
    "early_close",
    "quorum_percent",
    "settings",
    "closes_at",
    "proposal_id",
)


@transaction.atomic
def update_vote(
    *,
    actor: Actor,
    vote: Vote,
    title: str,
    method: str,
    options: list[str] | list[dict[str, Any]],
    closes_at: datetime,
    proposal: Proposal | None = None,
    description: str = "",
    secret: bool | None = None,
    results_public: bool = False,
    results_hidden: bool = True,
    changeable: bool = True,
    early_close: bool = False,
    quorum_percent: int = 0,
    settings: dict[str, Any] | None = None,
) -> Vote:
    """Change a vote in preparation (its options are replaced); an open vote is not changed."""
    check_actor(actor)
    vote = Vote.objects.select_for_update().select_related("body").get(pk=vote.pk)
    _require(can_manage_body(actor, vote.body))
    if vote.status != VoteStatus.DRAFT:
        raise Conflict(_("Seul un vote en préparation se modifie."))
    rows, secret, settings = _checked_vote(
        body=vote.body,
        title=title,
        method=method,
        options=options,
        proposal=proposal,
        secret=secret,
        quorum_percent=quorum_percent,
        settings=settings,
    )
    before = {name: getattr(vote, name) for name in VOTE_FIELDS}
    before_options = list(vote.options.values_list("label", "cost", "capacity"))
    vote.title = _text(title, "title", _("Donnez un titre au vote."), 200)
    vote.description = description.strip()
    vote.method = method
    vote.secret = vote.body.secret_ballot if secret is None else secret
    vote.results_public = results_public
    vote.results_hidden = results_hidden
    vote.changeable = changeable
    vote.early_close = early_close
    vote.quorum_percent = quorum_percent
    vote.settings = settings
    vote.closes_at = closes_at
    vote.proposal = proposal
    vote.save()
    vote.options.all().delete()
    _write_options(vote, rows)
    after_options = list(vote.options.values_list("label", "cost", "capacity"))
    changes: dict[str, Any] = {
        name: [before[name], getattr(vote, name)]
        for name in VOTE_FIELDS
        if before[name] != getattr(vote, name)
    }
    if before_options != after_options:
        changes["options"] = [
            [list(row) for row in before_options],
            [list(row) for row in after_options],
        ]
    if changes:
        record(actor=actor, action="vote.update", target=vote, changes=changes)
    return vote


@transaction.atomic
def open_vote(*, actor: Actor, vote: Vote) -> Vote:
    """Open the vote: its electorate is frozen now (one `Elector` per voter of the body)."""
    check_actor(actor)
    _require(can_manage_body(actor, vote.body))
    if vote.closes_at <= timezone.now():
        raise ValidationFailed([FieldError("closes_at", _("La clôture doit être à venir."))])
    _move(vote, VoteStatus.OPEN, opened_at=timezone.now())
    voters = electorate(vote.body)
    Elector.objects.bulk_create(
        Elector(
            vote=vote, user_id=voter.user_id, college_id=voter.college_id, place_id=voter.place_id
        )
        for voter in voters
    )
    if vote.proposal_id is not None:
        proposal = vote.proposal
        if proposal is not None and proposal.status == ProposalStatus.DISCUSSION:
            move_state(proposal, ProposalStatus.VOTE, field="status")
    record(
        actor=actor,
        action="vote.open",
        target=vote,
        changes={"status": [VoteStatus.DRAFT, VoteStatus.OPEN], "electors": [None, len(voters)]},
    )
    notifications.vote_opened(vote)
    return vote


@transaction.atomic
def submit_ballot(
    *, actor: User, vote: Vote, content: Any, receipt_code: str = ""
) -> tuple[Ballot, str, bool]:
    """Cast `actor`'s ballot, or replace it while the vote is open: (ballot, receipt code,
    whether it was created).

    The receipt code (a secret nonce) is the voter's alone: it checks their ballot on the
    results page, and, for a secret vote, replaces it (the server cannot find it otherwise).
    A second ballot without it is refused, whatever the timing: the participation's unique
    constraint decides, so 20 submissions at once leave one ballot.
    """
    check_actor(actor)
    if is_system(actor):
        raise PermissionDenied
    # Read again in the transaction (its body is not needed: `close_vote` reads its own).
    vote = Vote.objects.get(pk=vote.pk)
    if vote.status != VoteStatus.OPEN:
        raise Conflict(_("Ce vote n'est pas ouvert."))
    if vote.closes_at <= timezone.now():
        raise Conflict(_("Ce vote est clos : l'heure de clôture est passée."))
    # `can_vote` and the elector in one query: the vote is open (checked above) and the
    # actor, signed in, is in its electorate frozen at the opening. `get` on the unique
    # (vote, user), as the participation below on (vote, elector): no ORDER BY.
    try:
        elector = vote.electors.get(user=actor)
    except Elector.DoesNotExist:
        raise PermissionDenied from None
    option_count = vote.options.count()
    content = tallying.clean_content(vote, option_count, content)
    try:
        participation: Participation | None = Participation.objects.get(vote=vote, elector=elector)
    except Participation.DoesNotExist:
        participation = None
    if participation is None:
        nonce = chain.new_nonce()
        ballot = Ballot(
            vote=vote,
            content=content,
            college_id=elector.college_id,
            receipt_hash=chain.receipt_hash(vote.pk, content, nonce),
            key_hash=chain.key_hash(vote.pk, nonce),
        )
        try:
            # The ballot first, so that a public vote's participation names it in its own
            # INSERT (no UPDATE after); a second participation still fails on the unique
            # constraint, and the Conflict rolls the transaction back, the ballot with it. No
            # savepoint of its own: nothing runs in the transaction after the IntegrityError.
            ballot.save(force_insert=True)
            participation = Participation.objects.create(
                vote=vote,
                elector=elector,
                on_day=timezone.localdate(),
                ballot=None if vote.secret else ballot,
            )
        except IntegrityError:
            raise Conflict(_("Vous avez déjà voté dans ce vote.")) from None
        # Names the vote and who took part, never the ballot (docs/decisions.md).
        record(
            actor=actor,
            action="vote.participate",
            target=vote,
            changes={"participation": [None, str(participation.pk)]},
        )
        if vote.early_close and vote.participations.count() >= vote.electors.count():
            close_vote(actor=SYSTEM, vote=vote)
        return ballot, nonce, True
    if not vote.changeable:
        raise Conflict(_("Vous avez déjà voté, et ce vote ne se modifie pas."))
    if vote.secret:
        ballot_or_none = Ballot.objects.filter(
            vote=vote, key_hash=chain.key_hash(vote.pk, receipt_code.strip())
        ).first()
        if not receipt_code or ballot_or_none is None:
            raise Conflict(
                _(
                    "Vous avez déjà voté. Pour changer votre vote secret, donnez le code de "
                    "reçu reçu lors de votre vote."
                )
            )
        ballot = ballot_or_none
        nonce = receipt_code.strip()
    else:
        ballot = Ballot.objects.get(pk=participation.ballot_id or "")
        nonce = receipt_code.strip() or chain.new_nonce()
        if receipt_code and chain.key_hash(vote.pk, nonce) != ballot.key_hash:
            nonce = chain.new_nonce()
        ballot.key_hash = chain.key_hash(vote.pk, nonce)
    ballot.content = content
    ballot.receipt_hash = chain.receipt_hash(vote.pk, content, nonce)
    ballot.save(update_fields=["content", "receipt_hash", "key_hash"])
    record(actor=actor, action="vote.change_ballot", target=vote, changes={})
    return ballot, nonce, False


class CountedBallot(NamedTuple):
    """What the tally reads of a stored ballot (a `Ballot` has the same attributes): read as
    plain rows, a vote of 100,000 ballots is counted without building 100,000 model instances."""

    receipt_hash: str
    content: Any
    college_id: int | None


def counted_ballots(vote: Vote) -> list[CountedBallot]:
    """The vote's ballots as the tally reads them, in chain order."""
    rows = vote.ballots.order_by("position", "receipt_hash").values_list(
        "receipt_hash", "content", "college_id"
    )
    return [CountedBallot(*row) for row in rows]


def _cast(vote: Vote, ballots: Sequence[Ballot | CountedBallot]) -> list[tallying.CastBallot]:
    """The ballots as the tally takes them; a public allocation's ballots name their voter (the
    result says who gets what), no other does."""
    if vote.method != VoteMethod.ALLOCATION or vote.secret:
        return [tallying.CastBallot(b.content, b.college_id) for b in ballots]
    # keyed by the receipt hash (unique), which the close reads anyway, rather than the id
    voters = {
        receipt: username or ""
        for receipt, username in Participation.objects.filter(
            vote=vote, ballot__isnull=False
        ).values_list("ballot__receipt_hash", "elector__user__username")
    }
    return [
        tallying.CastBallot(b.content, b.college_id, voters.get(b.receipt_hash, ""))
        for b in ballots
    ]


def compute_results(
    vote: Vote, ballots: Sequence[Ballot | CountedBallot] | None = None
) -> dict[str, Any]:
    """The results of `vote` from its stored ballots (or `ballots`), with participation and
    quorum."""
    if ballots is None:
        ballots = counted_ballots(vote)
    options = list(vote.options.order_by("position"))
    weights = {}
    if vote.body.colleges.exists():
        weights = dict(vote.body.colleges.values_list("pk", "weight_percent"))
    results = tallying.tally(
        vote,
        [option.label for option in options],
        _cast(vote, ballots),
        weights,
        costs=[option.cost for option in options],
        capacities=[option.capacity for option in options],
    )
    electors = vote.electors.count()
    voters = vote.participations.count()
    quorum_met = voters * 100 >= vote.quorum_percent * electors and voters > 0
    results.update({"electors": electors, "voters": voters, "quorum_percent": vote.quorum_percent})
    results["quorum_met"] = quorum_met
    if not quorum_met:
        results["winner"] = None
        results["winners"] = []
        if vote.method == VoteMethod.CONSENT:
            results["adopted"] = False
    return results


# Ballots read, hashed and written per round trip at the close: a vote of 100,000 ballots is
# sealed in 50 reads and 50 writes, its memory held to the contents the tally needs. The
# verification (`exports.verify`) reads by chunks of the same size.
SEAL_CHUNK = 2_000
_SEALED_COLUMNS = ("position", "previous_hash", "hash")  # their columns are named as the fields


def _seal(sealed: list[tuple[int, str, str, str]]) -> None:
    """Write the chain fields of `sealed` ((position, previous hash, hash, receipt hash) rows),
    found by their unique receipt hash. On PostgreSQL one `UPDATE … FROM (VALUES …)` (a round
    trip per row would dominate); on SQLite, in-process, one prepared UPDATE run for each row
    (`executemany`), measured faster there than the joined form. bulk_update's CASE per row
    takes minutes for 100,000 ballots."""
    if not sealed:
        return
    connection = transaction.get_connection()
    quote = connection.ops.quote_name
    table = quote(Ballot._meta.db_table)
    receipt = quote("receipt_hash")
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            # Identifiers come from the model's metadata; every value is a parameter.
            cursor.executemany(
                f"UPDATE {table} SET "  # noqa: S608
                + ", ".join(f"{quote(column)} = %s" for column in _SEALED_COLUMNS)
                + f" WHERE {receipt} = %s",
                sealed,
            )
            return
        names = ", ".join(quote(column) for column in (*_SEALED_COLUMNS, "receipt_hash"))
        assignments = ", ".join(f"{quote(c)} = v.{quote(c)}" for c in _SEALED_COLUMNS)
        values = ", ".join(["(%s::integer, %s, %s, %s)"] * len(sealed))
        cursor.execute(
            f"UPDATE {table} SET {assignments} FROM (VALUES {values}) AS v ({names}) "  # noqa: S608
            f"WHERE {table}.{receipt} = v.{receipt}",
            [value for row in sealed for value in row],
        )


@transaction.atomic
def close_vote(*, actor: Actor, vote: Vote) -> Vote:
    """Close the vote: seal its ballots into the hash chain (in receipt-hash order, which says
    nothing of who voted when), compute and publish the results with the chain head.

    The ballots are read as plain rows by chunks, each chunk hashed and written back before the
    next is read; only what the tally counts (content and college) is kept to the end."""
    check_actor(actor)
    vote = Vote.objects.select_for_update().select_related("body").get(pk=vote.pk)
    _require(can_manage_body(actor, vote.body))
    _move(vote, VoteStatus.CLOSED, closed_at=timezone.now())
    vote_id, entry_hash, contents = vote.pk, chain.serialised_entry_hash, chain.StoredContents()
    previous = chain.genesis(vote_id)
    position = 0
    ballots: list[CountedBallot] = []
    # (receipt hash, stored content, college id) in receipt-hash order, the order of the chain
    for chunk in ballot_chunks(
        as_stored_text(vote.ballots.all()),
        "content_text",
        "college_id",
        key="receipt_hash",
        size=SEAL_CHUNK,
    ):
        sealed = []
        for receipt, stored, college_id in chunk:
            position += 1
            content, content_json = contents.read(stored)
            digest = entry_hash(
                vote_id=vote_id,
                position=position,
                content_json=content_json,
                receipt=receipt,
                college_id=college_id,
                previous_hash=previous,
            )
            sealed.append((position, previous, digest, receipt))
            ballots.append(CountedBallot(receipt, content, college_id))
            previous = digest
        _seal(sealed)
    results = compute_results(vote, ballots)
    Vote.objects.filter(pk=vote.pk).update(
        chain_head=previous, ballot_count=len(ballots), results=results
    )
    vote.chain_head, vote.ballot_count, vote.results = previous, len(ballots), results
    proposal = vote.proposal
    if vote.method == VoteMethod.CONSENT and proposal and proposal.status == ProposalStatus.VOTE:
        target = ProposalStatus.ADOPTED if results.get("adopted") else ProposalStatus.REJECTED
        move_state(proposal, target, field="status", decided_at=timezone.now())
    record(
        actor=actor,
        action="vote.close",
        target=vote,
        changes={
            "status": [VoteStatus.OPEN, VoteStatus.CLOSED],
            "chain_head": [None, previous],
            "ballot_count": [None, len(ballots)],
        },
    )
    notifications.results_published(vote)
    return vote


@transaction.atomic
def cancel_vote(*, actor: Actor, vote: Vote) -> Vote:
    check_actor(actor)
    _require(can_manage_body(actor, vote.body))
    before = vote.status
    _move(vote, VoteStatus.CANCELLED)
    record(
        actor=actor, action="vote.cancel", target=vote, changes={"status": [before, "cancelled"]}
    )
    return vote


@transaction.atomic
def publish_results(*, actor: Actor, vote: Vote) -> Vote:
    """Make a closed vote's results and anonymised ballots readable by anyone, without an
    account (until then, by the body's members and the vote's electors only)."""
    check_actor(actor)
    vote = Vote.objects.select_for_update().select_related("body").get(pk=vote.pk)
    _require(can_manage_body(actor, vote.body))
    if vote.status != VoteStatus.CLOSED:
        raise Conflict(_("Les résultats se publient une fois le vote clos."))
    if vote.results_public:
        return vote
    Vote.objects.filter(pk=vote.pk).update(results_public=True, updated_at=timezone.now())
    vote.results_public = True
    record(
        actor=actor, action="vote.publish", target=vote, changes={"results_public": [False, True]}
    )
    return vote


def close_due_votes(*, actor: Actor, now: datetime | None = None) -> list[Vote]:
    """Close every open vote whose closing time has passed (the `close_votes` command)."""
    check_actor(actor)
    now = now or timezone.now()
    closed = []
    for vote in Vote.objects.filter(status=VoteStatus.OPEN, closes_at__lte=now):
        try:
            closed.append(close_vote(actor=actor, vote=vote))
        except Conflict:
            continue  # closed meanwhile by someone else
    return closed


@transaction.atomic
def send_reminders(*, actor: Actor, now: datetime | None = None) -> int:
    """Remind, once, the electors who have not voted in votes closing within 24 hours; the
    number of votes reminded about. Idempotent: a vote is reminded about once."""
    check_actor(actor)
    _require(is_system(actor) or getattr(actor, "is_instance_admin", False))
    now = now or timezone.now()
    due = Vote.objects.select_for_update().filter(
        status=VoteStatus.OPEN,
        reminder_sent_at__isnull=True,
        closes_at__gt=now,
        closes_at__lte=now + timedelta(hours=24),
    )
    count = 0
    for vote in due:
        notifications.vote_reminder(vote)
        Vote.objects.filter(pk=vote.pk).update(reminder_sent_at=now)
        record(
            actor=actor,
            action="vote.remind",
            target=vote,
            changes={"reminder_sent_at": [None, now]},
        )
        count += 1
    return count


def check_receipt(vote: Vote, code: str) -> Ballot | None:
    """The ballot whose receipt code is `code`, if it is counted unchanged; else None."""
    ballot = Ballot.objects.filter(
        vote=vote, key_hash=chain.key_hash(vote.pk, code.strip())
    ).first()
    if (
        ballot is None
        or chain.receipt_hash(vote.pk, ballot.content, code.strip()) != ballot.receipt_hash
    ):
        return None
    return ballot
