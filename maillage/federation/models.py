"""Federation between instances: this instance's identity, the peers it harvests, where each
harvested place came from, the duplicates proposed to admins, and webhook subscriptions.

Written only through `federation.services` (harvests through `federation.harvest`).
"""

from uuid import uuid4

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from maillage.common.errors import render_message, render_stored
from maillage.common.models import Job, TimeStampedModel
from maillage.places.models import Place
from maillage.places.rules import HARVESTED_SOURCE_PREFIX


class Instance(models.Model):
    """This instance (one row): the UUID a peer checks, so that a URL which starts answering
    for another instance (a domain resold, a proxy misconfigured) is refused."""

    uuid = models.UUIDField(_("identifiant de l'instance"), default=uuid4, unique=True)
    name = models.CharField(_("nom"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("instance")
        verbose_name_plural = _("instance")

    def __str__(self) -> str:
        return self.name or str(self.uuid)


class Peer(TimeStampedModel):
    """Another Maillage instance whose places this one harvests.

    `instance_uuid` is pinned at the first harvest: afterwards a peer answering another UUID is
    refused. `cursor` is the `next_cursor` of the last page read (empty: from the start) and
    `etag` the ETag of the last page read, sent as If-None-Match.
    """

    name = models.CharField(_("nom"), max_length=200)
    base_url = models.URLField(_("adresse"), max_length=300, unique=True)
    instance_uuid = models.UUIDField(_("identifiant de l'instance"), null=True, blank=True)
    active = models.BooleanField(_("moissonnée"), default=True)
    cursor = models.CharField(max_length=200, blank=True, editable=False)
    etag = models.CharField(max_length=200, blank=True, editable=False)
    # The last entry applied (`uuid|change|at`): the last page, read again, resumes after it.
    last_entry = models.CharField(max_length=200, blank=True, editable=False)
    last_harvest_at = models.DateTimeField(_("dernière moisson"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ajoutée par"),
    )

    class Meta:
        verbose_name = _("instance pair")
        verbose_name_plural = _("instances pairs")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def source(self) -> str:
        """The `Place.source` of its harvested places (see places.rules.is_harvested)."""
        return f"{HARVESTED_SOURCE_PREFIX}{self.pk}"


class HarvestJob(Job):
    """One harvest of a peer: its counts and its log (`[{"level", "code", "params",
    "message"}]`: each entry's message with its code and params, `common.errors.stored_message`;
    entries stored before codes existed have only `level` and `message`)."""

    QUOTA_SETTING = "HARVEST_JOBS_PER_USER"
    QUOTA_MESSAGE = _("Une moisson de cette instance est déjà en cours.")

    peer = models.ForeignKey(
        Peer, on_delete=models.CASCADE, related_name="harvests", verbose_name=_("instance pair")
    )
    created_count = models.PositiveIntegerField(_("créés"), default=0)
    updated_count = models.PositiveIntegerField(_("mis à jour"), default=0)
    unchanged_count = models.PositiveIntegerField(_("inchangés"), default=0)
    deleted_count = models.PositiveIntegerField(_("supprimés"), default=0)
    kept_count = models.PositiveIntegerField(_("gardés localement"), default=0)
    duplicate_count = models.PositiveIntegerField(_("doublons proposés"), default=0)
    log = models.JSONField(_("journal"), default=list, blank=True)
    # Queued by the timer's command (runs as SYSTEM), not by a person (runs with their rights).
    scheduled = models.BooleanField(_("programmée"), default=False)

    class Meta(Job.Meta):
        verbose_name = _("moisson")
        verbose_name_plural = _("moissons")
        ordering = ["-created_at", "-id"]
        constraints = [
            *Job.Meta.constraints,
            # One harvest of a peer at a time, held by the database (two workers, two clicks).
            models.UniqueConstraint(
                fields=["peer"],
                condition=models.Q(state__in=["pending", "running"]),
                name="harvest_one_active_per_peer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.peer} — {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def displayed_log(self) -> list[dict[str, str]]:
        """The log as its reader sees it: each entry rendered from its code and params in the
        active language; an entry stored before codes existed (`{"level", "message"}`) keeps
        its text."""
        return [
            {"level": entry.get("level", ""), "message": render_stored(entry)} for entry in self.log
        ]


class HarvestedPlace(models.Model):
    """Where a harvested place came from: its peer, its UUID there, its update time there.

    `harvested`: the local copy follows the peer and is read-only here. `taken_over`: an admin
    took it over, the place is local now and harvests leave it alone. `merged`: an admin merged
    it into a local place (`place`), which stays as it is; harvests skip it too.
    """

    class State(models.TextChoices):
        HARVESTED = "harvested", _("moissonné")
        TAKEN_OVER = "taken_over", _("repris localement")
        MERGED = "merged", _("fusionné avec un lieu local")

    TRANSITIONS = {
        State.HARVESTED: frozenset({State.TAKEN_OVER, State.MERGED}),
        State.TAKEN_OVER: frozenset(),
        State.MERGED: frozenset(),
    }

    peer = models.ForeignKey(
        Peer, on_delete=models.CASCADE, related_name="places", verbose_name=_("instance pair")
    )
    remote_uuid = models.UUIDField(_("identifiant chez la pair"))
    place = models.ForeignKey(
        Place,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="harvested_from",
        verbose_name=_("lieu"),
    )
    remote_updated_at = models.DateTimeField(_("mis à jour chez la pair"), null=True, blank=True)
    state = models.CharField(
        _("état"), max_length=12, choices=State.choices, default=State.HARVESTED
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("lieu moissonné")
        verbose_name_plural = _("lieux moissonnés")
        constraints = [
            models.UniqueConstraint(fields=["peer", "remote_uuid"], name="harvested_place_unique"),
            models.CheckConstraint(
                condition=models.Q(state__in=["harvested", "taken_over", "merged"]),
                name="harvested_place_state_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.peer} {self.remote_uuid}"


class DuplicateCandidate(TimeStampedModel):
    """A harvested place and a local place that look like the same one, for an admin to decide:
    merge (the local place stays, the copy goes) or keep both. Never merged without them.

    Lifecycle: proposed → merged | kept_both (`federation.services.resolve_duplicate`).
    """

    class Reason(models.TextChoices):
        SIRET = "siret", _("même SIRET")
        NAME_NEARBY = "name_nearby", _("même nom à moins de 100 m")

    class State(models.TextChoices):
        PROPOSED = "proposed", _("à examiner")
        MERGED = "merged", _("fusionnés")
        KEPT_BOTH = "kept_both", _("gardés tous les deux")

    TRANSITIONS = {
        State.PROPOSED: frozenset({State.MERGED, State.KEPT_BOTH}),
        State.MERGED: frozenset(),
        State.KEPT_BOTH: frozenset(),
    }

    harvested = models.ForeignKey(
        HarvestedPlace,
        on_delete=models.CASCADE,
        related_name="duplicates",
        verbose_name=_("lieu moissonné"),
    )
    local = models.ForeignKey(
        Place, on_delete=models.CASCADE, related_name="+", verbose_name=_("lieu local")
    )
    reason = models.CharField(_("raison"), max_length=12, choices=Reason.choices)
    distance_m = models.FloatField(_("distance (m)"))
    state = models.CharField(
        _("état"), max_length=10, choices=State.choices, default=State.PROPOSED
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("doublon possible")
        verbose_name_plural = _("doublons possibles")
        ordering = ["state", "-created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["harvested", "local"], name="duplicate_pair_unique"),
            models.CheckConstraint(
                condition=models.Q(state__in=["proposed", "merged", "kept_both"]),
                name="duplicate_state_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.harvested} ~ {self.local}"


class WebhookSubscription(TimeStampedModel):
    """A URL told of every place change, each delivery signed with `secret`.

    The secret is stored as it is, not hashed: signing a delivery (HMAC-SHA256) needs the
    secret itself, and a digest of it could not sign (a token we only *check* can be hashed;
    a key we *sign with* cannot). It is shown once at creation and never in pages or /admin/.
    `last_seq` is the last change-log entry handed to a delivery.
    """

    url = models.URLField(_("adresse"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    secret = models.CharField(max_length=100, editable=False)
    active = models.BooleanField(_("active"), default=True)
    last_seq = models.BigIntegerField(default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("créé par"),
    )

    class Meta:
        verbose_name = _("abonnement webhook")
        verbose_name_plural = _("abonnements webhook")
        ordering = ["url", "id"]

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(TimeStampedModel):
    """One signed POST of a batch of changes to a subscriber, retried with a growing pause.

    Lifecycle: pending → delivered | pending (another attempt later) → failed (attempts spent).
    """

    class State(models.TextChoices):
        PENDING = "pending", _("à envoyer")
        DELIVERED = "delivered", _("remis")
        FAILED = "failed", _("abandonné")

    TRANSITIONS = {
        State.PENDING: frozenset({State.PENDING, State.DELIVERED, State.FAILED}),
        State.DELIVERED: frozenset(),
        State.FAILED: frozenset({State.PENDING}),
    }

    subscription = models.ForeignKey(
        WebhookSubscription,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("abonnement"),
    )
    body = models.TextField(_("contenu"))
    first_seq = models.BigIntegerField()
    last_seq = models.BigIntegerField()
    state = models.CharField(_("état"), max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    next_attempt_at = models.DateTimeField(_("prochaine tentative"), db_index=True)
    delivered_at = models.DateTimeField(_("remis le"), null=True, blank=True)
    # [{"at", "status"}] or [{"at", "error", "code", "params"}], one entry per attempt (the
    # error's code and params: `common.errors.stored_message`; none before codes existed).
    log = models.JSONField(_("journal"), default=list, blank=True)

    class Meta:
        verbose_name = _("envoi webhook")
        verbose_name_plural = _("envois webhook")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=["pending", "delivered", "failed"]),
                name="webhook_delivery_state_valid",
            )
        ]

    def __str__(self) -> str:
        return f"{self.subscription} #{self.first_seq}–{self.last_seq}"

    @property
    def last_error(self) -> str:
        """Why the last attempt failed, in the active language ("" when it did not fail)."""
        last = self.log[-1] if self.log else {}
        return render_message(last.get("code", ""), last.get("params"), last.get("error", ""))
