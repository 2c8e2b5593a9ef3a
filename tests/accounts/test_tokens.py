"""API tokens: random, shown once, stored hashed, revocable, with a last-used date."""

import pytest

from maillage.accounts.models import ApiToken
from maillage.accounts.services import authenticate_token, create_api_token, revoke_api_token
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_token_is_stored_only_as_digest():
    user = UserFactory()
    token, raw = create_api_token(user=user, name="script")
    stored = ApiToken.objects.get(pk=token.pk)
    assert raw.startswith("mlg_")
    assert len(raw) > 40
    assert raw not in (stored.digest, stored.prefix, stored.name)
    assert stored.prefix == raw[:12]


def test_two_tokens_differ():
    user = UserFactory()
    assert create_api_token(user=user, name="a")[1] != create_api_token(user=user, name="b")[1]


def test_authentication_records_last_use_and_revocation_stops_it():
    user = UserFactory()
    token, raw = create_api_token(user=user, name="script")
    assert authenticate_token(raw) == user
    token.refresh_from_db()
    assert token.last_used_at is not None
    revoke_api_token(user=user, token_id=token.pk)
    assert authenticate_token(raw) is None


def test_unknown_or_inactive_user_token_is_refused():
    user = UserFactory()
    _, raw = create_api_token(user=user, name="script")
    assert authenticate_token(raw + "x") is None
    user.is_active = False
    user.save()
    assert authenticate_token(raw) is None


def test_nobody_revokes_someone_elses_token():
    owner, other = UserFactory(), UserFactory()
    token, _ = create_api_token(user=owner, name="script")
    with pytest.raises(ApiToken.DoesNotExist):
        revoke_api_token(user=other, token_id=token.pk)
