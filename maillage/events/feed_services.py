"""The secret address of a person's own event feed: make one (revoking the previous), find it.

As for the bookings' feeds (`bookings.feed_services`): 256 random bits, stored as their SHA-256
digest, shown once; each change audited, the secret never in the log.
"""

import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from maillage.accounts.models import User
from maillage.accounts.services import digest_token
from maillage.audit.services import record
from maillage.common.actors import SystemActor, check_actor, is_system
from maillage.common.errors import Conflict, PermissionDenied

from .models import EventFeed

FEED_PREFIX = "evt_"

Actor = User | SystemActor


@transaction.atomic
def create_event_feed(*, actor: Actor, user: User) -> tuple[EventFeed, str]:
    """A new secret feed address of `user`'s registrations, and its secret (never stored);
    the previous address stops working."""
    check_actor(actor)
    if not (is_system(actor) or actor.pk == user.pk):
        raise PermissionDenied
    for feed in EventFeed.objects.select_for_update().filter(user=user, revoked_at__isnull=True):
        feed.revoked_at = timezone.now()
        feed.save(update_fields=["revoked_at"])
        record(
            actor=actor,
            action="event_feed.revoke",
            target=feed,
            changes={"revoked_at": [None, feed.revoked_at.isoformat()]},
        )
    raw = FEED_PREFIX + secrets.token_urlsafe(32)
    try:
        with transaction.atomic():
            feed = EventFeed.objects.create(user=user, prefix=raw[:12], digest=digest_token(raw))
    except IntegrityError:
        raise Conflict(_("Une autre adresse vient d'être créée : rechargez la page.")) from None
    record(actor=actor, action="event_feed.create", target=feed, changes={"user": [None, user.pk]})
    return feed, raw


def feed_for_secret(raw: str) -> EventFeed | None:
    if not raw.startswith(FEED_PREFIX):
        return None
    return (
        EventFeed.objects.select_related("user")
        .filter(digest=digest_token(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
