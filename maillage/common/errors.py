"""Error types shared by services, the API and the pages.

A field error can be a `Message`: a stable `code` (`hours.invalid`, `field.required`…) with its
`params`, besides its text. The text is rendered in the language active when the error is made
(a `Message` is a `str`, so every caller that reads or joins messages keeps working), and the
code and params let a stored error be rendered again later in the reader's language
(`render_message`): an import runs in a background job, its report is read by anyone. Codes
are documented in docs/data.md (« Import error codes »).
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core import exceptions as django_exceptions
from django.utils.translation import gettext

# code → French msgid, filled by ErrorCode() as the modules that define codes are imported.
_MSGIDS: dict[str, str] = {}
Params = Mapping[str, Any]


def _format(msgid: str, params: Params) -> str:
    text = gettext(msgid)
    if not params:
        if "%" in msgid.replace("%%", ""):
            raise KeyError(f"{msgid!r} needs params")
        return text
    if "%(" in msgid:
        return text % params
    # A msgid with one positional placeholder (`%d caractères au plus.`): one parameter.
    (value,) = params.values()
    return text % value


class Message(str):
    """An error text with its stable `code` and `params` (JSON values, or other Messages).

    Made by calling an `ErrorCode`; the text is the msgid translated in the active language.
    """

    code: str
    params: dict[str, Any]

    def __new__(cls, code: str, msgid: str, params: Params | None = None) -> "Message":
        params = dict(params or {})
        self = super().__new__(cls, _format(msgid, params))
        self.code = code
        self.params = params
        return self

    def __reduce__(self):
        return (_rebuild, (self.code, str(self), self.params))

    def stored_params(self) -> dict[str, Any]:
        """The params as JSON: a nested Message becomes {"code", "params"}."""
        return {
            name: {"code": value.code, "params": value.stored_params()}
            if isinstance(value, Message)
            else value
            for name, value in self.params.items()
        }


def stored_message(message: str) -> dict[str, Any]:
    """A message as stored, to be rendered again in its reader's language (`render_message`):
    its text, with its code and params when it is a Message ("" and {} when it is plain text)."""
    coded = message if isinstance(message, Message) else None
    return {
        "code": coded.code if coded else "",
        "params": coded.stored_params() if coded else {},
        "message": str(message),
    }


def _rebuild(code: str, text: str, params: dict) -> Message:
    """A Message of an already rendered text (unpickled, or Django's): the text is kept."""
    message = str.__new__(Message, text)
    message.code, message.params = code, params
    return message


def _from_django(error: django_exceptions.ValidationError) -> str:
    """One of Django's errors (model full_clean, form fields) with its code and params, as
    `django.<code>` (`django.max_length`): not in our catalogue, so a stored one shows its text.
    """
    text = str(error.message % error.params if error.params else error.message)
    if not error.code:
        return text
    params = {
        name: value if isinstance(value, str | int | float | bool) else str(value)
        for name, value in (error.params or {}).items()
    }
    return _rebuild(f"django.{error.code}", text, params)


@dataclass(frozen=True)
class ErrorCode:
    """A stable code and its French msgid (mark it with gettext_noop so makemessages finds it).

    `ErrorCode("hours.invalid", gettext_noop("…%(problem)s…"))(problem=…)` is a Message.
    """

    code: str
    msgid: str

    def __post_init__(self) -> None:
        known = _MSGIDS.setdefault(self.code, self.msgid)
        if known != self.msgid:
            raise ValueError(f"error code {self.code!r} defined twice with different messages")

    def __call__(self, **params: Any) -> Message:
        return Message(self.code, self.msgid, params)


def render_message(code: str, params: Params | None, fallback: str) -> str:
    """The text of a stored error in the active language; `fallback` (the stored text) for an
    unknown code, or params that no longer fit the message (an older version's)."""
    msgid = _MSGIDS.get(code or "")
    if msgid is None:
        return fallback
    resolved = {
        name: render_message(value.get("code", ""), value.get("params"), "")
        if isinstance(value, dict) and "code" in value
        else value
        for name, value in (params or {}).items()
    }
    try:
        return _format(msgid, resolved)
    except (KeyError, TypeError, ValueError):
        return fallback


def render_stored(stored: Mapping[str, Any]) -> str:
    """A message as `stored_message` stored it, in the active language: its stored text when
    it has no code (one stored before codes existed)."""
    return render_message(stored.get("code", ""), stored.get("params"), stored.get("message", ""))


def known_codes() -> dict[str, str]:
    """Every code defined so far → its French msgid (for the docs' table and its test)."""
    return dict(_MSGIDS)


@dataclass(frozen=True)
class FieldError:
    """One problem with one input field, in words a person can act on.

    `message` is a plain str or a `Message` (then `code` and `params` say it for a machine).
    """

    field: str
    message: str

    @property
    def code(self) -> str:
        return getattr(self.message, "code", "")

    @property
    def params(self) -> dict[str, Any]:
        if isinstance(self.message, Message):
            return self.message.stored_params()
        return {}

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": str(self.message)}


@dataclass
class ValidationFailed(Exception):  # noqa: N818 - reads as a sentence
    """Raised by services when input is invalid; carries every field error, not just the first."""

    errors: list[FieldError] = field(default_factory=list)

    def __str__(self) -> str:
        return "; ".join(f"{error.field}: {error.message}" for error in self.errors)

    def add_to_form(self, form) -> None:
        """Show every error on the page's form: on its field, or above the form for the others."""
        for error in self.errors:
            form.add_error(error.field if error.field in form.fields else None, error.message)

    @classmethod
    def from_django(cls, exc) -> "ValidationFailed":
        """Convert a django.core.exceptions.ValidationError raised by full_clean()."""
        if hasattr(exc, "error_dict"):
            return cls(
                [
                    FieldError(name, _from_django(error))
                    for name, errors in exc.error_dict.items()
                    for error in errors
                ]
            )
        return cls([FieldError("__all__", _from_django(error)) for error in exc.error_list])


class PermissionDenied(django_exceptions.PermissionDenied):
    """The actor may not perform this change.

    A subclass of Django's own, so a refusal a service raises inside a page answers 403 (the
    403 template) instead of a 500; the API maps it to its JSON 403 (maillage/api.py).
    """


class Conflict(Exception):  # noqa: N818 - reads as a sentence: raise Conflict(...)
    """The change collides with the current state of the data (a slot already taken, a seat
    already given): nothing was written. The message says with what, so the person can choose
    another time or object; the API answers 409 with it.
    """

    def __init__(self, message: str, *, details: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}

    def __str__(self) -> str:
        return str(self.message)
