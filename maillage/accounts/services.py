"""Writes about accounts: API tokens."""

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from maillage.audit.services import record
from maillage.common.actors import SystemActor

from .models import ApiToken, User

TOKEN_PREFIX = "mlg_"  # noqa: S105 - a public marker, not a secret
# Recording every use would turn each API read into a write; once a minute is enough to audit.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def digest_token(raw_token: str) -> str:
    """Tokens carry 256 random bits, so a fast unsalted hash is safe (no dictionary to attack)."""
    return hashlib.sha256(raw_token.encode()).hexdigest()


class _Owner:
    """The default actor of `create_api_token`: the user creates their own token."""


OWNER = _Owner()


@transaction.atomic
def create_api_token(
    *, user: User, name: str, actor: User | SystemActor | _Owner = OWNER
) -> tuple[ApiToken, str]:
    """Create a token for `user`; return it with the raw value, which is never stored.

    `actor` is who asks for it, recorded in the audit log: the user themself by default (the
    tokens page), SYSTEM for `maillage create_token` (run by an administrator at the shell).
    """
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name.strip() or "API", prefix=raw[:12], digest=digest_token(raw)
    )
    record(
        actor=user if actor is OWNER else actor,
        action="token.create",
        target=token,
        # The owner by id, a reference; the token's value or digest never enters the log.
        changes={"user": [None, user.pk], "name": [None, token.name]},
    )
    return token, raw


@transaction.atomic
def revoke_api_token(*, user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's own tokens (ApiToken.DoesNotExist for anyone else's)."""
    token = ApiToken.objects.select_for_update().get(pk=token_id, user=user)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record(
            actor=user,
            action="token.revoke",
            target=token,
            changes={"revoked_at": [None, token.revoked_at]},
        )
    return token


def authenticate_token(raw_token: str) -> User | None:
    """The active user owning this active token, or None; records when it was last used."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=digest_token(raw_token), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
