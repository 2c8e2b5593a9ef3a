"""Bulk writes as one prepared statement, for the writers that change thousands of rows.

Django's `bulk_update` builds one `CASE WHEN pk = … THEN …` per field and batch and resolves an
expression per row and field: the observatory spent a third of an incremental update there, and
the places importer as much before it wrote its own. `update_many` runs one `UPDATE … WHERE pk
= %s` through `executemany` instead. Values must already be what the database takes (a field's
`get_db_prep_save`, as `prepared_row` gives them, or a plain str, int, float, bool or None);
nothing runs `auto_now` or signals, so the caller sets timestamps itself.
"""

from collections.abc import Iterable, Sequence

from django.db import connection, models


def prepared_row(fields: Sequence, values: Iterable, key) -> list:
    """`values` of `fields` as the database takes them, then the row's primary key `key`."""
    pairs = zip(fields, values, strict=True)
    return [*(field.get_db_prep_save(value, connection) for field, value in pairs), key]


def update_many(model: type[models.Model], fields: Sequence, rows: Iterable) -> None:
    """UPDATE `fields` of rows of `model`: each row gives their values, then its primary key."""
    rows = list(rows)
    if not rows:
        return
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    with connection.cursor() as cursor:
        cursor.executemany(
            # Identifiers come from the model's metadata; every value is a parameter.
            f"UPDATE {quote(model._meta.db_table)} SET {assignments} "  # noqa: S608
            f"WHERE {quote(str(model._meta.pk.column))} = %s",
            rows,
        )
