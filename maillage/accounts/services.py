"""Writes about accounts: sign-up and its email confirmation, the language of one's emails, API
tokens, account deletion."""

import hashlib
import secrets
from datetime import timedelta

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from maillage.audit.models import AuditEntry
from maillage.audit.services import record
from maillage.common.actors import SystemActor, check_actor, is_system
from maillage.common.errors import FieldError, PermissionDenied, ValidationFailed
from maillage.common.mail import forget_mail_to

from .models import ApiToken, User
from .personal_data import erase_person
from .rules import is_instance_admin, is_signed_in

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
        # The owner by id, a reference; the token's value or digest never enters the log. The
        # name is the person's own words: kept apart, erased with the account.
        changes={"user": [None, user.pk], "name": [None, token.name]},
        personal_fields=("name",),
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
    # `get` on the unique digest: no ORDER BY (`first` would sort by the model's ordering).
    try:
        token = ApiToken.objects.select_related("user").get(
            digest=digest_token(raw_token), revoked_at__isnull=True, user__is_active=True
        )
    except ApiToken.DoesNotExist:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


# --- Sign-up, email confirmation, account deletion -------------------------------------------

CONFIRM_SALT = "maillage.accounts.confirm-email"


class AccountLinkInvalid(Exception):  # noqa: N818 - reads as a sentence
    """A confirmation link that is forged, expired, or for an account that no longer exists."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def email_taken(email: str) -> bool:
    return User.objects.filter(email__iexact=normalise_email(email)).exists()


def unconfirmed_account(email: str) -> User | None:
    """The account of `email` still waiting for its confirmation (inactive, never signed in)."""
    return (
        User.objects.filter(
            email__iexact=normalise_email(email), is_active=False, last_login__isnull=True
        )
        .order_by("pk")
        .first()
    )


def account_of(email: str) -> User | None:
    """The account of `email` (its language for the emails about it), or None."""
    return User.objects.filter(email__iexact=normalise_email(email)).order_by("pk").first()


@transaction.atomic
def sign_up(
    *, email: str, password: str, name: str = "", confirmed: bool = False, language: str = ""
) -> User:
    """Create an account whose username is its email address.

    The account stays inactive (it cannot sign in) until its address is confirmed by the
    signed link of `confirmation_token`, unless `confirmed` (the person came through a link
    sent to that very address, an invitation). The person is their own actor in the log; the
    address and name go to its personal part, erased with the account.
    """
    email = normalise_email(email)
    user = User(
        username=email,
        email=email,
        first_name=name.strip(),
        is_active=confirmed,
        language=_known_language(language),
    )
    user.set_password(password)
    user.save()
    record(
        actor=user,
        action="account.sign_up",
        target=user,
        changes={"email": [None, email], "first_name": [None, user.first_name]},
        personal_fields=("email", "first_name"),
    )
    return user


def _known_language(code: str) -> str:
    """`code` (e.g. the page's language at sign-up, "en" or "en-gb") as one of the site's
    languages; the site's own otherwise."""
    codes = {known for known, _name in settings.LANGUAGES}
    base = (code or "").lower().split("-")[0]
    return base if base in codes else settings.LANGUAGE_CODE


def set_language(*, actor: User, user: User, language: str) -> User:
    """Change the language of `user`'s emails (they do it themselves)."""
    check_actor(actor)
    if is_system(actor) or actor.pk != user.pk:
        raise PermissionDenied
    codes = {known for known, _name in settings.LANGUAGES}
    if language not in codes:
        raise ValidationFailed([FieldError("language", _("Langue inconnue."))])
    if user.language == language:
        return user
    before = user.language
    user.language = language
    user.save(update_fields=["language"])
    changes = {"language": [before, language]}
    record(actor=actor, action="account.language", target=user, changes=changes)
    return user


def confirmation_token(user: User) -> str:
    """A signed, timestamped token naming the account and the address it confirms."""
    return signing.dumps({"user": user.pk, "email": user.email}, salt=CONFIRM_SALT)


@transaction.atomic
def confirm_email(token: str) -> User:
    """Activate the account named by `token` (idempotent); AccountLinkInvalid when the link is
    forged, expired (ACCOUNT_LINK_DAYS) or for an address the account no longer has."""
    try:
        data = signing.loads(
            token, salt=CONFIRM_SALT, max_age=timedelta(days=settings.ACCOUNT_LINK_DAYS)
        )
    except signing.BadSignature:
        raise AccountLinkInvalid from None
    user = User.objects.select_for_update().filter(pk=data.get("user")).first()
    if user is None or user.email != data.get("email"):
        raise AccountLinkInvalid
    if not user.is_active and user.last_login is None:
        user.is_active = True
        user.save(update_fields=["is_active"])
        record(
            actor=user, action="account.confirm", target=user, changes={"is_active": [False, True]}
        )
    return user


def can_delete_account(actor, user: User) -> bool:
    """A person deletes their own account; instance administrators may delete anyone's."""
    return is_instance_admin(actor) or (is_signed_in(actor) and actor.pk == user.pk)


@transaction.atomic
def delete_account(*, actor: User | SystemActor, user: User) -> None:
    """Erase `user`: every app's eraser (`personal_data.erase_person`: rows kept for the figures
    become anonymous), the personal values of the audit entries about them, by them or holding
    their address, the emails sent to them (the task table keeps their text), their API tokens,
    then the account row. The audit chain stays verifiable: only unhashed fields
    (`personal_changes`, the `actor` link) are cleared; the hashed `actor_ref` is the bare id.
    """
    check_actor(actor)
    if not can_delete_account(actor, user):
        raise PermissionDenied
    user_pk = user.pk
    record(
        actor=actor if not (is_signed_in(actor) and actor.pk == user_pk) else user,
        action="account.delete",
        target=user,
        changes={"deleted": [False, True]},
    )
    erase_person(user)
    token_ids = [
        str(pk) for pk in ApiToken.objects.filter(user_id=user_pk).values_list("pk", flat=True)
    ]
    about_them = (
        Q(actor_id=user_pk)
        | Q(object_type=User._meta.label_lower, object_id=str(user_pk))
        | Q(object_type=ApiToken._meta.label_lower, object_id__in=token_ids)
    )
    if user.email:
        # Entries by others that kept the address (an invitation sent to it, for one).
        about_them |= Q(personal_changes__icontains=user.email)
    entries = AuditEntry.objects.filter(about_them).exclude(personal_changes={})
    entries.update(personal_changes={})
    forget_mail_to(user.email)
    # django-axes' logs of sign-ins and failures name the account.
    names = [name for name in {user.username, user.email} if name]
    for log in (AccessAttempt, AccessFailureLog, AccessLog):
        log.objects.filter(username__in=names).delete()
    ApiToken.objects.filter(user_id=user_pk).delete()
    User.objects.filter(pk=user_pk).delete()
