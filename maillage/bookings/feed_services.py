"""Writes about the secret addresses of calendar feeds: make one (revoking the previous), revoke.

A feed's secret is stored as its SHA-256 digest, as API tokens are (`accounts.services`): it
carries 256 random bits, so a fast unsalted hash is safe, and the address is shown once, when it
is made. Each change is audited; the secret and its digest never enter the log.
"""

import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from maillage.accounts.models import User
from maillage.accounts.rules import is_instance_admin
from maillage.accounts.services import digest_token
from maillage.audit.services import record
from maillage.common.actors import SystemActor, check_actor, is_system
from maillage.common.errors import Conflict, PermissionDenied
from maillage.places.models import Place
from maillage.places.rules import can_run_place

from .models import CalendarFeed

FEED_PREFIX = "cal_"  # a public marker, not a secret

Actor = User | SystemActor


def _may_act_for(actor: Actor, user: User) -> bool:
    """A person makes and revokes their own feeds; SYSTEM and instance admins anyone's."""
    return is_system(actor) or is_instance_admin(actor) or actor.pk == user.pk


def _revoke_live(*, actor: Actor, user: User, place: Place | None) -> None:
    live = CalendarFeed.objects.select_for_update().filter(
        user=user, place=place, revoked_at__isnull=True
    )
    for feed in live:
        feed.revoked_at = timezone.now()
        feed.save(update_fields=["revoked_at"])
        record(
            actor=actor,
            action="calendar_feed.revoke",
            target=feed,
            changes={"revoked_at": [None, feed.revoked_at.isoformat()]},
        )


@transaction.atomic
def create_calendar_feed(
    *, actor: Actor, user: User, place: Place | None = None
) -> tuple[CalendarFeed, str]:
    """A new secret feed address for `user` (their bookings; with `place`, every booking of a
    place they run); return the feed and its secret, which is never stored. The person's
    previous live feed of the same kind stops working.
    """
    check_actor(actor)
    if not _may_act_for(actor, user):
        raise PermissionDenied
    if place is not None and not can_run_place(user, place):
        raise PermissionDenied
    _revoke_live(actor=actor, user=user, place=place)
    raw = FEED_PREFIX + secrets.token_urlsafe(32)
    try:
        with transaction.atomic():
            feed = CalendarFeed.objects.create(
                user=user, place=place, prefix=raw[:12], digest=digest_token(raw)
            )
    except IntegrityError:
        # Two renewals at once: the constraint keeps one live address, the other asks again.
        raise Conflict(_("Une autre adresse vient d'être créée : rechargez la page.")) from None
    record(
        actor=actor,
        action="calendar_feed.create",
        target=feed,
        changes={"user": [None, user.pk], "place": [None, place.pk if place else None]},
    )
    return feed, raw


@transaction.atomic
def revoke_calendar_feed(*, actor: Actor, user: User, place: Place | None = None) -> None:
    """Stop `user`'s live feed (of `place`, or their own bookings); nothing when there is none."""
    check_actor(actor)
    if not _may_act_for(actor, user):
        raise PermissionDenied
    _revoke_live(actor=actor, user=user, place=place)


def feed_for_secret(raw: str) -> CalendarFeed | None:
    """The live feed this secret opens, or None: revoked, unknown, its owner deactivated, or,
    for a place's feed, its owner no longer running the place (the right is read at each use).
    """
    if not raw.startswith(FEED_PREFIX):
        return None
    feed = (
        CalendarFeed.objects.select_related("user", "place")
        .filter(digest=digest_token(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if feed is None:
        return None
    if feed.place is not None and not can_run_place(feed.user, feed.place):
        return None
    return feed


def export_calendar_feeds(user: User) -> list[dict]:
    """A person's feed addresses for their data export: when made, for what, whether revoked
    (never the secret, which is not stored). They go with the account on erasure (cascade)."""
    return [
        {
            "place": str(feed.place.uuid) if feed.place else None,
            "prefix": feed.prefix,
            "created_at": feed.created_at.isoformat(),
            "revoked_at": feed.revoked_at.isoformat() if feed.revoked_at else None,
        }
        for feed in CalendarFeed.objects.filter(user=user).select_related("place")
    ]
