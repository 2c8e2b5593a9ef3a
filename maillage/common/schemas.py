"""API schemas shared by every router: the one error format of `maillage.api`, the type of
the instants clients send, and the one way a list endpoint pages its answer."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

from django.db.models import QuerySet
from ninja import Field, Schema
from pydantic import AfterValidator

# Ids beyond the database's 64-bit integers answer 422, not a server error.
MAX_ID = 2**63 - 1
MAX_LIMIT = 500
DEFAULT_LIMIT = 50
MAX_OFFSET = 1_000_000

Row = TypeVar("Row")


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


class PageQuery(Schema):
    """`limit` and `offset` of every list endpoint but the places' (which has its own words)."""

    limit: int = Field(
        DEFAULT_LIMIT,
        ge=1,
        le=MAX_LIMIT,
        description=f"Nombre d'éléments par page ({MAX_LIMIT} au plus).",
    )
    offset: int = Field(
        0, ge=0, le=MAX_OFFSET, description=f"Nombre d'éléments à sauter ({MAX_OFFSET} au plus)."
    )


def page(
    rows: "QuerySet[Any]", params: PageQuery, present: Callable[[list[Row]], list[Any]]
) -> dict[str, Any]:
    """`{"count", "items"}`: the page `params` asks of the ordered `rows`, each presented by
    `present` — which gets the whole page, so that it can fetch what the items share in one
    query (waiting-list positions, for instance) rather than one per item."""
    items = list(rows[params.offset : params.offset + params.limit])
    return {"count": rows.count(), "items": present(items)}
