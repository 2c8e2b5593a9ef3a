"""Reads of the opendata app: export rows in pages, import jobs an admin may see."""

from collections.abc import Iterator

from django.db.models import QuerySet

# hours, validation, datainclusion, reading, osm, codes and jobs define codes of import errors
# (`ErrorCode`): imported here so that `displayed_errors` knows them whatever was imported before.
from maillage.common import jobs  # noqa: F401
from maillage.common.errors import render_message, render_stored
from maillage.places import hours, validation  # noqa: F401
from maillage.places.formats import EXPORT_FIELDS, datainclusion, mednum  # noqa: F401
from maillage.places.selectors import PlaceFilters, search_places

from . import codes, osm, reading  # noqa: F401
from .models import ImportJob
from .rules import can_import_places

EXPORT_PAGE_SIZE = 2000


def iter_export_rows(
    filters: PlaceFilters,
    *,
    page_size: int = EXPORT_PAGE_SIZE,
    fields: tuple[str, ...] = EXPORT_FIELDS,
) -> Iterator[dict]:
    """Every place matching `filters` as export rows, fetched a page at a time (flat memory)."""
    offset = 0
    while True:
        page = search_places(filters, limit=page_size, offset=offset, fields=fields)
        yield from page.items
        if len(page.items) < page_size:
            return
        offset += page_size


def existing_rows(source: str) -> dict[str, dict]:
    """The places of `source` as export rows, by `source_id`: what an import in a national
    schema compares its rows with (`places.formats.mednum.read_record`)."""
    rows = iter_export_rows(PlaceFilters(source=source), fields=mednum.ROW_FIELDS)
    return {row["source_id"]: row for row in rows if row["source_id"]}


def import_jobs_for(user) -> QuerySet[ImportJob]:
    """Every import job for instance administrators (they share the imports); nothing for
    anyone else.
    """
    if not can_import_places(user):
        return ImportJob.objects.none()
    return ImportJob.objects.select_related("created_by")


def get_import_job(*, user, job_id: int) -> ImportJob:
    """One job the user may see; ImportJob.DoesNotExist (404) otherwise."""
    return import_jobs_for(user).get(pk=job_id)


def displayed_errors(errors: list[dict]) -> list[dict]:
    """Stored import errors as a reader sees them: the message rendered from its code and
    params in the active language. A row stored before codes existed, or whose code is unknown
    to this version, shows its stored message; every row gets `code` ("" when none) and
    `params`.
    """
    return [
        {
            "line": error.get("line", 0),
            "field": error.get("field", ""),
            "code": error.get("code") or "",
            "params": error.get("params") or {},
            "message": render_message(
                error.get("code", ""), error.get("params"), error.get("message", "")
            ),
        }
        for error in errors
    ]


def displayed_warnings(warnings: list) -> list[str]:
    """Stored warnings in the active language, rendered from their code and params; a warning
    stored before codes existed (a plain text) as it is."""
    return [
        render_stored(warning) if isinstance(warning, dict) else warning for warning in warnings
    ]
