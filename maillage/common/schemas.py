"""API schemas shared by every router: the one error format of `maillage.api`, and the type of
the instants clients send."""

from datetime import UTC, datetime
from typing import Annotated

from ninja import Schema
from pydantic import AfterValidator


def _as_utc(value: datetime) -> datetime:
    """The same instant in UTC. ISO 8601 and Python accept offsets up to ±23:59, PostgreSQL only
    up to ±15:59 (it answers an error, which would be a 500): the databases store UTC anyway.
    A value without an offset is left as it is, for the endpoint to refuse in its own words.
    """
    if value.utcoffset() is None:
        return value
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("date hors des limites") from None


# An instant sent by a client (query parameter or body field), stored and compared in UTC.
Instant = Annotated[datetime, AfterValidator(_as_utc)]


class FieldErrorOut(Schema):
    field: str
    message: str


class ErrorOut(Schema):
    """Every API error: a sentence, and one entry per faulty field (empty when none applies)."""

    detail: str
    errors: list[FieldErrorOut]


def error_responses(*statuses: int) -> dict[int, type[ErrorOut]]:
    """`response=` entries declaring that an operation may answer these statuses with ErrorOut.

    Every status an operation can answer is in the OpenAPI document (schemathesis checks it in
    tests/api/test_schemathesis.py), so clients know each error's body. The usual ones: 400 a
    body that is not JSON, 401 no or a bad token, 403 a token whose user may not, 404 an
    unknown id, 422 a parameter or a field that does not validate.
    """
    return dict.fromkeys(statuses, ErrorOut)
