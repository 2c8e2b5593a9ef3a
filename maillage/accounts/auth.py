"""API authentication: `Authorization: Bearer <token>`, tokens checked against their digest."""

from ninja.security import HttpBearer

from .services import authenticate_token


class BearerToken(HttpBearer):
    def authenticate(self, request, token: str):
        user = authenticate_token(token)
        if user is not None:
            request.user = user
        return user


token_auth = BearerToken()
