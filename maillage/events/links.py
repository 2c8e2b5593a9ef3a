"""The signed links of a registration: confirm a guest's address (double opt-in), cancel.

Both are `django.core.signing` tokens naming the registration and its address, with their own
salt, so one cannot stand for the other. A confirmation link lasts `CONFIRM_DAYS`; a
cancellation link lasts as long as the registration (it is only useful until the event).
"""

from datetime import timedelta

from django.core import signing

from .models import Registration

CONFIRM_SALT = "maillage.events.confirm"
CANCEL_SALT = "maillage.events.cancel"
CONFIRM_DAYS = 7


class LinkInvalid(Exception):  # noqa: N818 - reads as a sentence
    """The link is forged, expired, or names a registration that no longer matches."""


def _payload(registration: Registration) -> dict:
    return {"r": registration.pk, "e": registration.address.lower()}


def confirm_token(registration: Registration) -> str:
    return signing.dumps(_payload(registration), salt=CONFIRM_SALT)


def cancel_token(registration: Registration) -> str:
    return signing.dumps(_payload(registration), salt=CANCEL_SALT)


def _load(token: str, *, salt: str, max_age: timedelta | None) -> tuple[int, str]:
    try:
        data = signing.loads(token, salt=salt, max_age=max_age)
    except signing.BadSignature:
        raise LinkInvalid from None
    if not isinstance(data, dict) or not isinstance(data.get("r"), int):
        raise LinkInvalid
    return data["r"], str(data.get("e", ""))


def registration_for(token: str, *, purpose: str) -> Registration:
    """The registration a link names (`purpose`: "confirm" or "cancel"), or LinkInvalid."""
    if purpose == "confirm":
        pk, email = _load(token, salt=CONFIRM_SALT, max_age=timedelta(days=CONFIRM_DAYS))
    elif purpose == "cancel":
        pk, email = _load(token, salt=CANCEL_SALT, max_age=None)
    else:
        raise ValueError(purpose)
    registration = (
        Registration.objects.select_related("event__place", "event__network", "user")
        .filter(pk=pk)
        .first()
    )
    if registration is None or registration.address.lower() != email:
        raise LinkInvalid
    return registration
