"""Reads of the opendata app: export rows in pages, import jobs an admin may see."""

from collections.abc import Iterator

from django.db.models import QuerySet

from maillage.places.formats import EXPORT_FIELDS, mednum
from maillage.places.selectors import PlaceFilters, search_places

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
