"""Every write of federation: peers, harvest jobs, local decisions (take over, duplicates) and
webhooks. Each service takes its `actor` keyword-only (a user, or SYSTEM for commands) and
checks `rules.can_manage_federation`; state changes are audited in their transaction.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from maillage.accounts.models import User
from maillage.audit.services import record
from maillage.common import jobs
from maillage.common.actors import SYSTEM, SystemActor, check_actor, is_system
from maillage.common.errors import (
    Conflict,
    ErrorCode,
    FieldError,
    Message,
    PermissionDenied,
    ValidationFailed,
    stored_message,
)
from maillage.common.lifecycle import move_state
from maillage.common.safefetch import FetchPolicy, FetchRefused, check_url, fetch
from maillage.places import services as place_services
from maillage.places.models import Place, PlaceChange
from maillage.places.rules import is_harvested

from . import harvest
from .models import (
    DuplicateCandidate,
    HarvestedPlace,
    HarvestJob,
    Peer,
    WebhookDelivery,
    WebhookSubscription,
)
from .rules import can_manage_federation

logger = logging.getLogger(__name__)

URL_FIELD = "base_url"

# The reasons a harvest stops before its end that are its own, coded like an import's
# (docs/data.md, « Import error codes »): its page shows them in the reader's language
# (`Job.stop_reason`), like the refusals of the peer or of a page (`harvest.*`, `fetch.*`) and
# its log entries (`HarvestJob.displayed_log`).
AUTHOR_DELETED = ErrorCode(
    "harvest.author_deleted", gettext_noop("Le compte qui a lancé cette moisson a été supprimé.")
)
AUTHOR_REFUSED = ErrorCode(
    "harvest.author_refused",
    gettext_noop("Le compte qui a lancé cette moisson n'a plus le droit de moissonner."),
)
UNEXPECTED_ERROR = ErrorCode(
    "harvest.unexpected_error",
    gettext_noop(
        "La moisson s'est arrêtée sur une erreur inattendue. Les pages déjà écrites sont "
        "conservées : relancez-la pour la terminer."
    ),
)
NOT_MODIFIED = ErrorCode("harvest.not_modified", gettext_noop("rien de nouveau (304)"))
SUMMARY = ErrorCode(
    "harvest.summary",
    gettext_noop(
        "%(created)d créés, %(updated)d mis à jour, %(unchanged)d inchangés, %(deleted)d "
        "supprimés, %(kept)d gardés localement, %(duplicates)d doublons proposés"
    ),
)
Actor = User | SystemActor


def _user(actor: Actor) -> User | None:
    """The person behind `actor` (None for SYSTEM), for `created_by` and `decided_by`."""
    return actor if isinstance(actor, User) else None


def _check(actor: Actor) -> None:
    check_actor(actor)
    if not can_manage_federation(actor):
        raise PermissionDenied


def _checked_url(url: str, *, field: str) -> str:
    """`url` once safe fetching accepts it (scheme, host, resolved addresses)."""
    url = (url or "").strip()
    try:
        check_url(url)
    except FetchRefused as exc:
        raise ValidationFailed([FieldError(field, exc.reason)]) from None
    return url


# --- peers --------------------------------------------------------------------------------------


def normalise_base_url(url: str) -> str:
    return (url or "").strip().rstrip("/")


@transaction.atomic
def register_peer(*, actor: Actor, base_url: str, name: str = "") -> Peer:
    """Register another instance (its base URL, e.g. `https://maillage.example.org`); the URL
    must pass safe fetching. Its identity is pinned at its first harvest."""
    _check(actor)
    base_url = _checked_url(normalise_base_url(base_url), field=URL_FIELD)
    if Peer.objects.filter(base_url=base_url).exists():
        raise ValidationFailed([FieldError(URL_FIELD, _("Cette instance est déjà enregistrée."))])
    peer = Peer.objects.create(
        base_url=base_url,
        name=(name or "").strip()[:200] or base_url,
        created_by=_user(actor),
    )
    record(
        actor=actor,
        action="federation.peer.create",
        target=peer,
        changes={"base_url": [None, base_url], "name": [None, peer.name]},
    )
    return peer


@transaction.atomic
def set_peer_active(*, actor: Actor, peer: Peer, active: bool) -> Peer:
    """Stop or resume the scheduled harvests of a peer (its places stay)."""
    _check(actor)
    if peer.active != active:
        Peer.objects.filter(pk=peer.pk).update(active=active)
        record(
            actor=actor,
            action="federation.peer.update",
            target=peer,
            changes={"active": [peer.active, active]},
        )
        peer.active = active
    return peer


# --- harvests -----------------------------------------------------------------------------------


def queue_harvest(*, actor: Actor, peer: Peer, launch: bool = True) -> HarvestJob:
    """A pending harvest of `peer`, handed to the task workers; Conflict when one is already
    pending or running for that peer."""
    _check(actor)
    busy = Conflict(_("Une moisson de cette instance est déjà en attente ou en cours."))
    try:
        with transaction.atomic():
            Peer.objects.select_for_update().get(pk=peer.pk)
            if HarvestJob.objects.filter(peer=peer, state__in=jobs.ACTIVE_STATES).exists():
                raise busy
            job = HarvestJob.objects.create(
                peer=peer, created_by=_user(actor), scheduled=is_system(actor)
            )
    except IntegrityError:
        # Another request created one between the check and the insert: the index held.
        raise busy from None
    if launch:
        from .tasks import run_harvest_job_task

        transaction.on_commit(lambda: run_harvest_job_task.enqueue(job_id=job.pk))
    return job


def _harvest_work(job: HarvestJob) -> harvest.HarvestCounts:
    if not job.scheduled:
        jobs.job_author(
            job,
            allowed=can_manage_federation,
            deleted=AUTHOR_DELETED(),
            refused=AUTHOR_REFUSED(),
        )
    log_entries: list[dict[str, Any]] = []

    def log(level: str, message: Message) -> None:
        log_entries.append({"level": level, **stored_message(message)})
        getattr(logger, "warning" if level == "error" else level)(
            "harvest of %s: %s", job.peer.base_url, message
        )

    peer = Peer.objects.get(pk=job.peer_id)
    try:
        counts = harvest.harvest_peer(
            peer, log=log, progress=lambda done: jobs.record_progress(job, done=done)
        )
    except (harvest.HarvestRefused, FetchRefused) as exc:
        log("error", exc.reason)
        # The log is kept with the failed job; pages written before the refusal stay.
        HarvestJob.objects.filter(pk=job.pk).update(log=log_entries)
        job.log = log_entries
        raise _HarvestFailed(exc.reason) from None
    log("info", summary(counts))
    counts.log = log_entries  # type: ignore[attr-defined]
    return counts


class _HarvestFailed(Exception):  # noqa: N818 - reads as a sentence
    def __init__(self, reason: Message) -> None:
        super().__init__(reason)
        self.reason = reason


def summary(counts: harvest.HarvestCounts) -> Message:
    if counts.not_modified:
        return NOT_MODIFIED()
    return SUMMARY(
        created=counts.created,
        updated=counts.updated,
        unchanged=counts.unchanged,
        deleted=counts.deleted,
        kept=counts.kept,
        duplicates=counts.duplicates,
    )


def _finish(job: HarvestJob, counts: harvest.HarvestCounts) -> HarvestJob:
    return jobs.finish_job(
        job,
        created_count=counts.created,
        updated_count=counts.updated,
        unchanged_count=counts.unchanged,
        deleted_count=counts.deleted,
        kept_count=counts.kept,
        duplicate_count=counts.duplicates,
        log=getattr(counts, "log", []),
    )


def run_harvest_job(*, job_id: int) -> HarvestJob:
    """Run a pending harvest to its end (the task and `maillage harvest` call this)."""

    def explain(exc: Exception) -> str | None:
        return exc.reason if isinstance(exc, _HarvestFailed) else None

    return jobs.run_job(
        HarvestJob,
        job_id,
        related=("peer",),
        work=_harvest_work,
        finish=_finish,
        explain=explain,
        unexpected_message=UNEXPECTED_ERROR(),
    )


def queue_scheduled_harvests(*, launch: bool = True) -> list[HarvestJob]:
    """A harvest of every active peer that has none pending or running (the timer's command)."""
    queued = []
    for peer in Peer.objects.filter(active=True):
        try:
            queued.append(queue_harvest(actor=SYSTEM, peer=peer, launch=launch))
        except Conflict:
            continue
    return queued


# --- local decisions ----------------------------------------------------------------------------


@transaction.atomic
def take_over_place(*, actor: Actor, place: Place) -> Place:
    """Make a harvested place local: editable here, and left alone by later harvests (the peer's
    changes and deletion no longer reach it). Its provenance is kept."""
    _check(actor)
    if not is_harvested(place):
        raise ValidationFailed([FieldError("place", _("Ce lieu n'est pas moissonné."))])
    entry = HarvestedPlace.objects.select_for_update().get(place=place)
    place = place_services.set_place_source(actor=actor, place=place, source="", source_id="")
    move_state(
        entry,
        HarvestedPlace.State.TAKEN_OVER,
        decided_by=_user(actor),
        decided_at=timezone.now(),
    )
    record(
        actor=actor,
        action="federation.place.take_over",
        target=entry,
        changes={"state": ["harvested", "taken_over"], "place": [None, place.pk]},
    )
    return place


@transaction.atomic
def resolve_duplicate(
    *, actor: Actor, candidate: DuplicateCandidate, decision: str
) -> DuplicateCandidate:
    """`merge`: the local place stays as it is, the harvested copy is deleted here and its remote
    UUID linked to the local place (harvests then skip it); `keep_both`: nothing changes and the
    pair is not proposed again. Only a proposed duplicate may be decided (IllegalTransition)."""
    _check(actor)
    targets = {
        "merge": DuplicateCandidate.State.MERGED,
        "keep_both": DuplicateCandidate.State.KEPT_BOTH,
    }
    if decision not in targets:
        raise ValidationFailed([FieldError("decision", _("Décision inconnue."))])
    candidate = DuplicateCandidate.objects.select_for_update().get(pk=candidate.pk)
    decided_by = _user(actor)
    move_state(candidate, targets[decision], decided_by=decided_by, decided_at=timezone.now())
    if decision == "merge":
        entry = HarvestedPlace.objects.select_for_update().get(pk=candidate.harvested_id)
        copy = entry.place
        move_state(
            entry,
            HarvestedPlace.State.MERGED,
            place=candidate.local,
            decided_by=decided_by,
            decided_at=timezone.now(),
        )
        if copy is not None and copy.pk != candidate.local_id:
            place_services.delete_place(actor=actor, place=copy)
        # Other proposals for the same copy have nothing left to decide.
        DuplicateCandidate.objects.filter(
            harvested_id=entry.pk, state=DuplicateCandidate.State.PROPOSED
        ).update(state=DuplicateCandidate.State.KEPT_BOTH, decided_by=decided_by)
    record(
        actor=actor,
        action=f"federation.duplicate.{decision}",
        target=candidate,
        changes={"state": ["proposed", candidate.state], "local": [None, candidate.local_id]},
    )
    return candidate


# --- webhooks -----------------------------------------------------------------------------------

WEBHOOK_BATCH = 100
WEBHOOK_MAX_ATTEMPTS = 8
WEBHOOK_FIRST_RETRY_S = 30
WEBHOOK_MAX_RETRY_S = 6 * 3600
# A delivery being sent is leased for this long: another worker does not send it meanwhile.
WEBHOOK_LEASE_S = 120
SIGNATURE_HEADER = "Maillage-Signature"
DELIVERY_HEADER = "Maillage-Delivery"
SIGNATURE_TOLERANCE_S = 300


@transaction.atomic
def subscribe_webhook(
    *, actor: Actor, url: str, description: str = ""
) -> tuple[WebhookSubscription, str]:
    """Subscribe `url` to the place changes from now on; the subscription and its secret, shown
    to the admin once (they give it to the subscriber)."""
    _check(actor)
    url = _checked_url(url, field="url")
    secret = secrets.token_urlsafe(32)
    last = PlaceChange.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    subscription = WebhookSubscription.objects.create(
        url=url,
        description=(description or "").strip()[:200],
        secret=secret,
        last_seq=last,
        created_by=_user(actor),
    )
    record(
        actor=actor,
        action="federation.webhook.create",
        target=subscription,
        changes={"url": [None, url]},
    )
    return subscription, secret


@transaction.atomic
def set_webhook_active(*, actor: Actor, subscription: WebhookSubscription, active: bool) -> None:
    _check(actor)
    if subscription.active != active:
        WebhookSubscription.objects.filter(pk=subscription.pk).update(active=active)
        record(
            actor=actor,
            action="federation.webhook.update",
            target=subscription,
            changes={"active": [subscription.active, active]},
        )
        subscription.active = active


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The `Maillage-Signature` header: `t=<unix time>,v1=<hex HMAC-SHA256 of "<t>." + body>`."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def verify_signature(
    secret: str, header: str, body: bytes, *, now: float | None = None, tolerance_s: int = 300
) -> bool:
    """What a subscriber checks (docs/architecture.md, Webhooks): the signature matches and its
    timestamp is within `tolerance_s` of now (a replayed delivery is refused)."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
        given = parts["v1"]
    except (KeyError, ValueError):
        return False
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance_s:
        return False
    expected = sign(secret, timestamp, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, given)


def retry_delay(attempts: int) -> timedelta:
    """The pause after failed attempt number `attempts`: 30 s, doubling, at most 6 h."""
    return timedelta(seconds=min(WEBHOOK_FIRST_RETRY_S * 2 ** (attempts - 1), WEBHOOK_MAX_RETRY_S))


def queue_webhook_deliveries(*, max_batches: int = 50) -> int:
    """Deliveries for the changes each active subscriber has not been handed yet, at most
    WEBHOOK_BATCH changes each; the number created."""
    created = 0
    instance = str(harvest.instance_identity().uuid)
    for subscription_id in WebhookSubscription.objects.filter(active=True).values_list(
        "pk", flat=True
    ):
        for _batch in range(max_batches):
            with transaction.atomic():
                subscription = WebhookSubscription.objects.select_for_update().get(
                    pk=subscription_id
                )
                changes = list(
                    PlaceChange.objects.filter(seq__gt=subscription.last_seq)
                    .order_by("seq")
                    .values("seq", "uuid", "change", "at", "source", "source_id")[:WEBHOOK_BATCH]
                )
                if not changes:
                    break
                body = json.dumps(
                    {
                        "instance": instance,
                        "changes": [
                            {
                                "uuid": str(row["uuid"]),
                                "change": row["change"],
                                "at": row["at"].isoformat(),
                                "source": row["source"],
                                "source_id": row["source_id"],
                            }
                            for row in changes
                        ],
                    },
                    ensure_ascii=False,
                    separators=(",", ":"),
                )
                WebhookDelivery.objects.create(
                    subscription=subscription,
                    body=body,
                    first_seq=changes[0]["seq"],
                    last_seq=changes[-1]["seq"],
                    next_attempt_at=timezone.now(),
                )
                WebhookSubscription.objects.filter(pk=subscription.pk).update(
                    last_seq=changes[-1]["seq"]
                )
                created += 1
    return created


@dataclass
class DeliveryCounts:
    queued: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0


def _claim(delivery: WebhookDelivery) -> bool:
    """Lease a due delivery (a conditional UPDATE: one worker only sends it)."""
    now = timezone.now()
    return bool(
        WebhookDelivery.objects.filter(
            pk=delivery.pk,
            state=WebhookDelivery.State.PENDING,
            next_attempt_at=delivery.next_attempt_at,
        ).update(next_attempt_at=now + timedelta(seconds=WEBHOOK_LEASE_S), updated_at=now)
    )


def send_delivery(delivery: WebhookDelivery) -> str:
    """One attempt at a delivery: signed POST under safe fetching; its new state."""
    subscription = delivery.subscription
    body = delivery.body.encode()
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: sign(subscription.secret, timestamp, body),
        DELIVERY_HEADER: str(delivery.pk),
    }
    policy = FetchPolicy(
        content_types=(),
        accepted_statuses=frozenset(range(200, 300)),
        max_bytes=64 * 1024,
        total_timeout_s=15,
        read_timeout_s=10,
    )
    attempt: dict[str, Any] = {"at": timezone.now().isoformat()}
    try:
        result = fetch(subscription.url, method="POST", headers=headers, body=body, policy=policy)
        attempt["status"] = result.status
    except FetchRefused as exc:
        # Its text, and its code and params for the page to render it in its reader's language.
        stored = stored_message(exc.reason)
        attempt.update(error=stored["message"], code=stored["code"], params=stored["params"])
    attempts = delivery.attempts + 1
    log = [*delivery.log, attempt]
    delivery.state = WebhookDelivery.State.PENDING
    if "error" not in attempt:
        move_state(
            delivery,
            WebhookDelivery.State.DELIVERED,
            attempts=attempts,
            log=log,
            delivered_at=timezone.now(),
        )
    elif attempts >= WEBHOOK_MAX_ATTEMPTS:
        logger.warning("webhook delivery %s abandoned: %s", delivery.pk, attempt["error"])
        move_state(delivery, WebhookDelivery.State.FAILED, attempts=attempts, log=log)
    else:
        logger.info("webhook delivery %s: %s; retried later", delivery.pk, attempt["error"])
        move_state(
            delivery,
            WebhookDelivery.State.PENDING,
            attempts=attempts,
            log=log,
            next_attempt_at=timezone.now() + retry_delay(attempts),
        )
    return delivery.state


def deliver_webhooks(*, limit: int = 200) -> DeliveryCounts:
    """Queue the new changes, then send the deliveries that are due (oldest first)."""
    counts = DeliveryCounts(queued=queue_webhook_deliveries())
    due = list(
        WebhookDelivery.objects.filter(
            state=WebhookDelivery.State.PENDING,
            next_attempt_at__lte=timezone.now(),
            subscription__active=True,
        )
        .select_related("subscription")
        .order_by("next_attempt_at", "pk")[:limit]
    )
    for delivery in due:
        if not _claim(delivery):
            continue
        state = send_delivery(delivery)
        if state == WebhookDelivery.State.DELIVERED:
            counts.sent += 1
        elif state == WebhookDelivery.State.FAILED:
            counts.failed += 1
        else:
            counts.retried += 1
    return counts


@transaction.atomic
def retry_delivery(*, actor: Actor, delivery: WebhookDelivery) -> WebhookDelivery:
    """failed → pending, to be sent at the next run (an admin, once the subscriber is back)."""
    _check(actor)
    move_state(delivery, WebhookDelivery.State.PENDING, attempts=0, next_attempt_at=timezone.now())
    return delivery
