"""API schemas shared by every router: the one error format of `maillage.api`."""

from ninja import Schema


class FieldErrorOut(Schema):
    field: str
    message: str


class ErrorOut(Schema):
    """Every API error: a sentence, and one entry per faulty field (empty when none applies)."""

    detail: str
    errors: list[FieldErrorOut]
