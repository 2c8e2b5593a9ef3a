"""API schemas shared by every router: the one error format of `maillage.api`."""

from ninja import Schema


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
