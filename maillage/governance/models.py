"""Decision bodies, proposals and their deliberation, votes, electors, participations, ballots.

Secrecy (docs/decisions.md, "Secret ballots"): who voted (`Participation`) and what was voted
(`Ballot`) are two tables with no column linking them when the vote is secret. A ballot has a
random UUID key, no timestamp and no voter; it is chained into the vote's hash chain only when
the vote closes, in the order of the receipt hashes, so the chain order says nothing about the
order of participation.
"""

from uuid import uuid4

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from maillage.common.models import TimeStampedModel
from maillage.members.models import Plan
from maillage.places.models import Network, Place


class BodyKind(models.TextChoices):
    PLACE_MEMBERS = "place_members", _("membres d'un lieu")
    NETWORK_PLACES = "network_places", _("lieux d'un réseau")
    NAMED_LIST = "named_list", _("liste nominative")


class DecisionBody(TimeStampedModel):
    """Who decides: a place's members (all, or those holding `plans`), a network's places (one
    representative each, `BodyMember` rows naming the place), or a named list of people (a
    board, a working group: `BodyMember` rows). A named list belongs to a place or a network,
    whose operators manage it.

    When the body has colleges (`College`), each voter belongs to one (`BodyMember.college`) and
    results are computed per college and combined by the colleges' weights.
    """

    Kind = BodyKind

    name = models.CharField(_("nom"), max_length=200)
    kind = models.CharField(_("type"), max_length=20, choices=BodyKind.choices)
    place = models.ForeignKey(
        Place,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="decision_bodies",
        verbose_name=_("lieu"),
    )
    network = models.ForeignKey(
        Network,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="decision_bodies",
        verbose_name=_("réseau"),
    )
    plans = models.ManyToManyField(
        Plan, blank=True, related_name="decision_bodies", verbose_name=_("formules")
    )
    secret_ballot = models.BooleanField(_("vote à bulletin secret par défaut"), default=True)

    class Meta:
        verbose_name = _("instance de décision")
        verbose_name_plural = _("instances de décision")
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=BodyKind.values), name="body_kind_valid"
            ),
            # Exactly one owner: a place or a network.
            models.CheckConstraint(
                condition=(models.Q(place__isnull=False) & models.Q(network__isnull=True))
                | (models.Q(place__isnull=True) & models.Q(network__isnull=False)),
                name="body_has_one_owner",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class College(models.Model):
    """A college of a SCIC-like body, with its share of the votes (10 to 50 %; they sum to 100)."""

    body = models.ForeignKey(
        DecisionBody, on_delete=models.CASCADE, related_name="colleges", verbose_name=_("instance")
    )
    name = models.CharField(_("nom"), max_length=120)
    weight_percent = models.PositiveSmallIntegerField(_("poids (%)"))

    class Meta:
        verbose_name = _("collège")
        verbose_name_plural = _("collèges")
        ordering = ["body", "name"]
        constraints = [
            models.UniqueConstraint(fields=["body", "name"], name="college_name_unique"),
            models.CheckConstraint(
                condition=models.Q(weight_percent__gte=10, weight_percent__lte=50),
                name="college_weight_between_10_and_50",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.weight_percent} %)"


class BodyMember(models.Model):
    """A person in a named list, a place's representative in a network body, or the college of
    a member of a place body."""

    body = models.ForeignKey(
        DecisionBody,
        on_delete=models.CASCADE,
        related_name="body_members",
        verbose_name=_("instance"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="body_memberships",
        verbose_name=_("personne"),
    )
    place = models.ForeignKey(
        Place,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lieu représenté"),
    )
    college = models.ForeignKey(
        College,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("collège"),
    )

    class Meta:
        verbose_name = _("membre d'instance")
        verbose_name_plural = _("membres d'instance")
        constraints = [
            models.UniqueConstraint(fields=["body", "user"], name="body_member_unique"),
            models.UniqueConstraint(
                fields=["body", "place"],
                condition=models.Q(place__isnull=False),
                name="body_one_representative_per_place",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.body}"


class ProposalStatus(models.TextChoices):
    DRAFT = "draft", _("brouillon")
    DISCUSSION = "discussion", _("en discussion")
    VOTE = "vote", _("au vote")
    ADOPTED = "adopted", _("adoptée")
    REJECTED = "rejected", _("rejetée")
    WITHDRAWN = "withdrawn", _("retirée")


class Proposal(TimeStampedModel):
    """A proposal put to a body. Lifecycle (`TRANSITIONS`, moved by `governance.services`):
    draft → discussion → vote → adopted | rejected; draft | discussion | vote → withdrawn."""

    Status = ProposalStatus
    TRANSITIONS: dict[str, frozenset[str]] = {
        Status.DRAFT: frozenset({Status.DISCUSSION, Status.WITHDRAWN}),
        Status.DISCUSSION: frozenset({Status.VOTE, Status.WITHDRAWN}),
        Status.VOTE: frozenset({Status.ADOPTED, Status.REJECTED, Status.WITHDRAWN}),
        Status.ADOPTED: frozenset(),
        Status.REJECTED: frozenset(),
        Status.WITHDRAWN: frozenset(),
    }

    body = models.ForeignKey(
        DecisionBody, on_delete=models.CASCADE, related_name="proposals", verbose_name=_("instance")
    )
    title = models.CharField(_("titre"), max_length=200)
    text = models.TextField(_("texte (Markdown)"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="proposals",
        verbose_name=_("auteur·rice"),
    )
    status = models.CharField(
        _("statut"), max_length=12, choices=ProposalStatus.choices, default=ProposalStatus.DRAFT
    )
    decision_text = models.TextField(_("texte de la décision"), blank=True)
    discussion_at = models.DateTimeField(_("mise en discussion le"), null=True, blank=True)
    decided_at = models.DateTimeField(_("décidée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("proposition")
        verbose_name_plural = _("propositions")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=ProposalStatus.values), name="proposal_status_valid"
            )
        ]

    def __str__(self) -> str:
        return self.title


class ProposalRevision(models.Model):
    """One version of a proposal's title and text; number 1 is the first."""

    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, related_name="revisions", verbose_name=_("proposition")
    )
    number = models.PositiveIntegerField(_("numéro"))
    title = models.CharField(_("titre"), max_length=200)
    text = models.TextField(_("texte"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)

    class Meta:
        verbose_name = _("révision")
        verbose_name_plural = _("révisions")
        ordering = ["proposal", "number"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "number"], name="revision_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.proposal_id} #{self.number}"


class Comment(models.Model):
    """A comment on a proposal, or a reply to one (one level: a reply has no replies)."""

    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, related_name="comments", verbose_name=_("proposition")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="replies",
        verbose_name=_("en réponse à"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    text = models.TextField(_("texte"))
    created_at = models.DateTimeField(_("écrit le"), auto_now_add=True)

    class Meta:
        verbose_name = _("commentaire")
        verbose_name_plural = _("commentaires")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.author} — {self.proposal_id}"


class Follow(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="follows")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="followed_proposals"
    )

    class Meta:
        verbose_name = _("suivi")
        verbose_name_plural = _("suivis")
        constraints = [models.UniqueConstraint(fields=["proposal", "user"], name="follow_unique")]

    def __str__(self) -> str:
        return f"{self.user} → {self.proposal_id}"


class FollowUp(models.Model):
    """An update on how an adopted decision is carried out: what was done, when."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="follow_ups")
    text = models.TextField(_("ce qui a été fait"))
    done_on = models.DateField(_("le"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("suivi de mise en œuvre")
        verbose_name_plural = _("suivis de mise en œuvre")
        ordering = ["done_on", "pk"]

    def __str__(self) -> str:
        return f"{self.done_on} — {self.proposal_id}"


class VoteMethod(models.TextChoices):
    SINGLE = "single", _("choix unique")
    APPROVAL = "approval", _("approbation")
    CONSENT = "consent", _("consentement")
    SCORE = "score", _("vote par notes")
    SCHULZE = "schulze", _("classement (Schulze)")
    MAJORITY_JUDGEMENT = "majority_judgement", _("jugement majoritaire")
    BUDGET = "budget", _("budget participatif")
    ALLOCATION = "allocation", _("répartition par préférences")
    DATE_POLL = "date_poll", _("sondage de date")


class VoteStatus(models.TextChoices):
    DRAFT = "draft", _("en préparation")
    OPEN = "open", _("ouvert")
    CLOSED = "closed", _("clos")
    CANCELLED = "cancelled", _("annulé")


class Vote(TimeStampedModel):
    """A vote of a body, by one method, on its options. Lifecycle: draft → open → closed;
    draft | open → cancelled. The electorate is frozen (`Elector` rows) when it opens; the
    ballots are chained and the results computed when it closes.

    `settings` holds what a method needs: `scale` (grade labels, worst first) for majority
    judgement, `min`/`max` for scores, `budget` for participatory budgets, `max_objections`
    (percent) for consent.
    """

    Method = VoteMethod
    Status = VoteStatus
    TRANSITIONS: dict[str, frozenset[str]] = {
        Status.DRAFT: frozenset({Status.OPEN, Status.CANCELLED}),
        Status.OPEN: frozenset({Status.CLOSED, Status.CANCELLED}),
        Status.CLOSED: frozenset(),
        Status.CANCELLED: frozenset(),
    }

    body = models.ForeignKey(
        DecisionBody, on_delete=models.CASCADE, related_name="votes", verbose_name=_("instance")
    )
    proposal = models.ForeignKey(
        Proposal,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="votes",
        verbose_name=_("proposition"),
    )
    title = models.CharField(_("titre"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    method = models.CharField(_("méthode"), max_length=20, choices=VoteMethod.choices)
    status = models.CharField(
        _("statut"), max_length=10, choices=VoteStatus.choices, default=VoteStatus.DRAFT
    )
    secret = models.BooleanField(_("bulletin secret"), default=True)
    results_public = models.BooleanField(_("résultats publics"), default=False)
    results_hidden = models.BooleanField(_("résultats cachés jusqu'à la clôture"), default=True)
    changeable = models.BooleanField(_("vote modifiable jusqu'à la clôture"), default=True)
    early_close = models.BooleanField(_("clôture dès que tout le monde a voté"), default=False)
    quorum_percent = models.PositiveSmallIntegerField(_("quorum (%)"), default=0)
    settings = models.JSONField(_("réglages de la méthode"), default=dict, blank=True)
    opened_at = models.DateTimeField(_("ouvert le"), null=True, blank=True)
    closes_at = models.DateTimeField(_("clôture prévue le"))
    closed_at = models.DateTimeField(_("clos le"), null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Published at the close: the head of the ballots' hash chain, their number, the results.
    chain_head = models.CharField(_("tête de chaîne"), max_length=64, blank=True)
    ballot_count = models.PositiveIntegerField(_("bulletins"), null=True, blank=True)
    results = models.JSONField(_("résultats"), null=True, blank=True)

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        ordering = ["-closes_at", "-pk"]
        indexes = [models.Index(fields=["status", "closes_at"], name="vote_status_closes")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=VoteStatus.values), name="vote_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(method__in=VoteMethod.values), name="vote_method_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(quorum_percent__lte=100), name="vote_quorum_percent"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class VoteOption(models.Model):
    """An option of a vote (a candidate, a project with its `cost`, an item with `capacity`
    places, a date)."""

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="options")
    position = models.PositiveSmallIntegerField(_("rang"))
    label = models.CharField(_("intitulé"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    cost = models.PositiveIntegerField(_("coût"), null=True, blank=True)
    capacity = models.PositiveIntegerField(_("places"), null=True, blank=True)

    class Meta:
        verbose_name = _("option")
        verbose_name_plural = _("options")
        ordering = ["vote", "position"]
        constraints = [
            models.UniqueConstraint(fields=["vote", "position"], name="option_position_unique")
        ]

    def __str__(self) -> str:
        return self.label


class Elector(models.Model):
    """Someone who may vote in a vote, recorded when it opens (joining later gives no vote)."""

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="electors")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    college = models.ForeignKey(
        College, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    place = models.ForeignKey(
        Place, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("électeur·rice")
        verbose_name_plural = _("électeur·rices")
        constraints = [models.UniqueConstraint(fields=["vote", "user"], name="elector_unique")]

    def __str__(self) -> str:
        return f"{self.user} — {self.vote_id}"


class Participation(models.Model):
    """That an elector voted. The unique constraint is the one-ballot-per-voter rule. For a
    public (non-secret) vote `ballot` names their ballot; for a secret vote it stays empty and
    nothing else links the two. Only the day is recorded, never the time."""

    id = models.UUIDField(primary_key=True, default=uuid4, editable=False)
    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="participations")
    elector = models.ForeignKey(Elector, on_delete=models.CASCADE, related_name="+")
    on_day = models.DateField(_("jour"))
    ballot = models.OneToOneField(
        "Ballot", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("participation")
        verbose_name_plural = _("participations")
        constraints = [
            models.UniqueConstraint(fields=["vote", "elector"], name="one_ballot_per_voter")
        ]

    def __str__(self) -> str:
        return f"{self.vote_id} ({self.on_day})"


class Ballot(models.Model):
    """What was voted, without who: a random key, the content, the receipt hash, the weight of
    the voter's college; the chain fields are filled at the close."""

    id = models.UUIDField(primary_key=True, default=uuid4, editable=False)
    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="ballots")
    content = models.JSONField(_("contenu"))
    college = models.ForeignKey(
        College, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # sha256 of the ballot and the voter's secret nonce: published, lets them check it.
    receipt_hash = models.CharField(max_length=64, unique=True)
    # sha256 of the nonce alone: lets its holder replace the ballot while the vote is open.
    key_hash = models.CharField(max_length=64, unique=True)
    position = models.PositiveIntegerField(null=True, blank=True)
    previous_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("bulletin")
        verbose_name_plural = _("bulletins")
        constraints = [
            models.UniqueConstraint(
                fields=["vote", "position"],
                condition=models.Q(position__isnull=False),
                name="ballot_position_unique",
            )
        ]
        # The close reads a vote's ballots in receipt-hash order by chunks, each starting after
        # the last hash read: without it every chunk sorts the vote's remaining ballots.
        indexes = [models.Index(fields=["vote", "receipt_hash"], name="ballot_vote_receipt")]

    def __str__(self) -> str:
        return str(self.id)
