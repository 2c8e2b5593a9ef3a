"""Error types shared by services, the API and the pages."""

from dataclasses import dataclass, field

from django.core import exceptions as django_exceptions


@dataclass(frozen=True)
class FieldError:
    """One problem with one input field, in words a person can act on."""

    field: str
    message: str

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
                    FieldError("__all__" if name == "__all__" else name, message)
                    for name, messages in exc.message_dict.items()
                    for message in messages
                ]
            )
        return cls([FieldError("__all__", message) for message in exc.messages])


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
