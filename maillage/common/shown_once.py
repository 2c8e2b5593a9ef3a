"""A secret shown once, after a redirect: a new API token, a webhook's shared secret.

The POST that makes the secret stores it in the session and redirects (Post/Redirect/Get:
reloading the page makes nothing); the first page that takes it out shows it, then it is gone.
The view printing it must be `never_compress` (see maillage.common.compression).
"""

from collections.abc import Iterable
from typing import Any

from django.http import HttpRequest


def keep_for_next_page(request: HttpRequest, key: str, *, pk: int, secret: str) -> None:
    """Stash the secret of the object `pk` for the page the POST redirects to."""
    request.session[key] = {"id": pk, "secret": secret}


def take_shown_once(
    request: HttpRequest, key: str, objects: Iterable[Any]
) -> tuple[Any | None, str | None]:
    """The object among `objects` whose secret waits under `key`, and the secret; (None, None)
    when none waits or its object is not among them (then the secret is dropped all the same)."""
    kept = request.session.pop(key, None)
    if kept is None:
        return None, None
    created = next((obj for obj in objects if obj.pk == kept["id"]), None)
    if created is None:
        return None, None
    return created, kept["secret"]
