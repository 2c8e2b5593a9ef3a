"""Reads about accounts: everything held about a person, for their data export."""

from typing import Any

from .models import ApiToken, User
from .personal_data import export_person


def _when(value) -> str | None:
    return value.isoformat() if value else None


def personal_export(user: User) -> dict[str, Any]:
    """The account's own fields, its API tokens (names and dates; never their value), and what
    every app registered in `personal_data` holds about the person."""
    return {
        "account": {
            "username": user.username,
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "language": user.language,
            "date_joined": _when(user.date_joined),
            "last_login": _when(user.last_login),
        },
        "api_tokens": [
            {
                "name": token.name,
                "created_at": _when(token.created_at),
                "last_used_at": _when(token.last_used_at),
                "revoked_at": _when(token.revoked_at),
            }
            for token in ApiToken.objects.filter(user=user).order_by("created_at", "pk")
        ],
        **export_person(user),
    }
