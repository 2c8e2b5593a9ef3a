"""Imports of places and the lifecycle of import jobs: every write of the opendata app.

`import_places` runs the pipeline read → validate → load:

1. read (`reading.open_place_file`): the file is decoded and parsed as a stream of raw rows;
2. validate: each row goes through `places.validation.clean_place_input`, the validator of the
   API and the forms, against communes loaded once; a `source_id` seen earlier in the file is an
   error on the later line. Valid rows are spooled to a temporary file, so memory stays flat in
   the file's size and the database is not locked while a large file is being checked;
3. load, in short transactions: the spool is read back in batches of BATCH_SIZE rows, handed
   to `places.services.upsert_places`, the places app's bulk writer (`places.bulk`): each batch
   is matched on (source, source_id) and written in a transaction of its own, with its audit
   and change-log entries. A row whose digest equals the one stored at the last import is
   `unchanged` and nothing is written (not even `updated_at`).

Short transactions let other writers in between two batches: on SQLite, where a writer locks
the whole database, a request waits for a batch (a fraction of a second), not for the whole
import. A batch is planned without the lock and checked again once in its transaction: if a
place of the batch was created, deleted or re-imported meanwhile, the batch is planned again
under the lock, so it is written against what the database holds then; the slugs of new places
are chosen there too, so one taken meanwhile is not chosen again.

By default an import is all-or-nothing: one rejected row and nothing is written, because every
row is validated before the first batch is written. With `partial=True` the valid rows are
written and the bad ones reported; with `dry_run=True` nothing is written and the report tells
what the same import would do. If the process stops between two batches (killed, a crash, the
database gone), the batches before are written and the others not: running the same import
again completes it (the written rows are then `unchanged`), since loading is an upsert on
(source, source_id). Called inside a transaction, the batches are savepoints of that
transaction, which decides for all of them.
"""

import logging
import pickle
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, BinaryIO, cast

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from maillage.accounts.models import User
from maillage.common import jobs
from maillage.common.actors import SystemActor, check_actor
from maillage.common.errors import (
    FieldError,
    PermissionDenied,
    ValidationFailed,
    stored_message,
)
from maillage.common.files import delete_orphans
from maillage.common.heap import long_lived_frozen

# IllegalTransition stays importable from here, where callers of the job services look for it.
from maillage.common.lifecycle import IllegalTransition
from maillage.common.text import control_characters_message, has_control_characters
from maillage.places.duplicates import DuplicateIndex, duplicate_index
from maillage.places.formats import datainclusion, mednum
from maillage.places.formats.canonical import SOURCE_ID_MAX_LENGTH, place_digest
from maillage.places.formats.osm import OSM_SOURCE
from maillage.places.services import store_osm_records, upsert_places
from maillage.places.validation import TOO_LONG, CleanPlace, clean_place_input
from maillage.territories.selectors import CommuneIndex

from . import codes
from .models import ImportJob, ImportState
from .osm import HEAD_BYTES, OSM_FORMAT, OsmPlaceFile, is_osm_extract, open_osm_file
from .reading import (
    SOURCE_ID_DUPLICATE,
    SOURCE_ID_REQUIRED,
    ImportFileError,
    PlaceFile,
    RawRow,
    open_place_file,
)
from .rules import can_import_places
from .selectors import existing_rows

logger = logging.getLogger(__name__)

BATCH_SIZE = 1000
PROGRESS_EVERY_ROWS = 1000
# Uploads below this size are imported during the request; larger ones by a background worker.
INLINE_MAX_BYTES = 2 * 1024 * 1024
FILE_FIELD = "__file__"
IMPORTS_DIR = "imports"  # ImportJob.file's upload_to
SOURCE_MAX_LENGTH = 100  # Place.source
Progress = Callable[[int], None]


@dataclass(frozen=True)
class RowError:
    """One problem in the file: `line` 0 or 1 and field `__file__` for the file as a whole.

    `message` is rendered in the language of the import; when it is a `Message`, its code and
    params are stored too, so the report is rendered again in its reader's language
    (`selectors.displayed_errors`). A message without a code has the code "".
    """

    line: int | str  # an OSM object's id (`n123`) for an OSM extract
    field: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "field": self.field, **stored_message(self.message)}


@dataclass
class ImportReport:
    """What an import did (or, for a dry run, would do).

    Counts describe rows written or left as they were: when an all-or-nothing import is refused
    because of rejected rows, `created`, `updated` and `unchanged` are 0 — nothing was written —
    and `errors` lists every problem of every rejected row.
    """

    source: str
    dry_run: bool = False
    partial: bool = False
    # The format `reading` or `osm` recognised (`csv`, `geojson`, `mednum`, `osm`…), "" if none.
    format: str = ""
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def succeeded(self) -> bool:
        """False when a row was rejected or the file could not be read (exit code 1)."""
        return not self.errors

    @property
    def file_error(self) -> bool:
        return any(error.field == FILE_FIELD for error in self.errors)

    def as_dict(self) -> dict[str, Any]:
        """The documented JSON report of `maillage import_places --format json`."""
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "errors": [error.as_dict() for error in self.errors],
        }


def _check_source(source: str) -> str:
    if has_control_characters(source):
        raise ValidationFailed([FieldError("source", control_characters_message())])
    source = " ".join(source.split())
    if not source:
        raise ValidationFailed([FieldError("source", codes.SOURCE_REQUIRED())])
    if len(source) > SOURCE_MAX_LENGTH:
        raise ValidationFailed([FieldError("source", TOO_LONG(max=SOURCE_MAX_LENGTH))])
    return source


def open_import_file(stream: BinaryIO) -> PlaceFile:
    """Any file an import accepts: an OSM extract, recognised by its first bytes
    (`osm.is_osm_extract`), or a file of `reading.open_place_file` (CSV, GeoJSON, the national
    schemas). `stream` must be seekable (files, uploads and stored files are)."""
    head = stream.read(HEAD_BYTES)
    stream.seek(0)
    if is_osm_extract(head):
        return open_osm_file(stream)
    return open_place_file(stream)


def import_places(
    *,
    source: str,
    stream: BinaryIO | None = None,
    path: str | Path | None = None,
    dry_run: bool = False,
    partial: bool = False,
    actor: User | SystemActor,
    progress: Progress | None = None,
    reader: Callable[[BinaryIO], PlaceFile] = open_import_file,
) -> ImportReport:
    """Import any accepted file from `stream` (binary) or `path` under `source`: canonical CSV,
    GeoJSON, the national schemas, an OSM extract (detected from the content).

    `reader` opens the file (`open_import_file` by default; `import_osm` accepts extracts
    only). The one pipeline of every import: both commands, the import page and the API.

    `actor` must be an instance administrator (SYSTEM for commands). `progress(rows)` is called
    every PROGRESS_EVERY_ROWS rows read and once at the end of the reading, outside any
    transaction, so a job page sees it. Raises PermissionDenied, or ValidationFailed for a bad
    `source`; every problem with the file itself is in the report (a file that cannot be read to
    its end imports nothing, even with `partial`). When an OSM extract's places are written,
    the objects read are stored too (`places.services.store_osm_records`, for the place pages'
    comparison with OSM).
    """
    check_actor(actor)
    if not can_import_places(actor):
        raise PermissionDenied
    source = _check_source(source)
    if (stream is None) == (path is None):
        raise TypeError("import_places() takes exactly one of `stream` and `path`")
    report = ImportReport(source=source, dry_run=dry_run, partial=partial)
    # The commune index is read first, so that it is among the long-lived objects the garbage
    # collector leaves alone during the import.
    communes = CommuneIndex.preload()
    with ExitStack() as stack:
        stack.enter_context(long_lived_frozen())
        if stream is None:
            stream = stack.enter_context(Path(path).open("rb"))  # type: ignore[arg-type]  # checked above: path is set
        spool = stack.enter_context(tempfile.TemporaryFile(prefix="maillage-import-"))
        try:
            place_file = reader(stream)
            stack.callback(place_file.close)
            report.format = place_file.format
            _check_rows(place_file, report, spool, progress, source=source, communes=communes)
        except ImportFileError as exc:
            # Rows rejected before the unreadable part stay in the report: they need fixing too.
            report.errors.append(RowError(exc.line, FILE_FIELD, exc.message))
            return report
        if report.rejected and not partial:
            return report
        spool.seek(0)
        counts = upsert_places(
            actor=actor, source=source, batches=_spooled_batches(spool), write=not dry_run
        )
        report.created, report.updated, report.unchanged = (
            counts.created,
            counts.updated,
            counts.unchanged,
        )
    if isinstance(place_file, OsmPlaceFile) and not dry_run:
        store_osm_records(actor=actor, source=source, objects=place_file.objects)
    return report


def import_osm(
    *,
    path: str | Path | None = None,
    stream: BinaryIO | None = None,
    source: str = OSM_SOURCE,
    dry_run: bool = False,
    partial: bool = False,
    actor: User | SystemActor,
    progress: Progress | None = None,
) -> ImportReport:
    """`import_places` of an OSM extract only (`maillage import_osm`), under `source` (`osm` by
    default): any other file is refused as not an extract, with nothing written."""
    return import_places(
        source=source,
        stream=stream,
        path=path,
        dry_run=dry_run,
        partial=partial,
        actor=actor,
        progress=progress,
        reader=open_osm_file,
    )


def _text(value: Any) -> str:
    return "" if value is None else " ".join(str(value).split())


# The national schemas, whose rows are mapped onto our fields (`places.formats`): the format
# `reading` names → its module (KEY, read_record, COLUMN_OF_FIELD).
FOREIGN_FORMATS = {
    "mednum": mednum,
    datainclusion.STRUCTURE_FORMAT: datainclusion,
    datainclusion.SERVICE_FORMAT: datainclusion,
}


def _foreign_row(adapter, row: RawRow, existing: dict[str, dict], unkept: set[str]) -> RawRow:
    """A row of a national schema as canonical values: what it says differently from the
    place's export is read, the rest kept as stored (see `places.formats.mednum`)."""
    key = row.values.get(adapter.KEY)
    reading = adapter.read_record(row.values, existing.get(_text(key)))
    unkept.update(reading.unkept)
    return RawRow(row.line, {"source_id": key, **reading.values}, [*row.errors, *reading.errors])


def _service_rows(
    place_file: PlaceFile, existing: dict[str, dict], report: ImportReport
) -> Iterator[RawRow]:
    """A file of data·inclusion services as one row per place: its stored values with the
    services the file gives it (`places.formats.datainclusion.read_services`). The problems of
    the file's lines (an unknown structure, a code outside the schema's lists…) are reported
    here, by line and member; the rows of the places come after the whole file is read."""
    items = []
    for raw in place_file:
        report.rows += 1
        items.append((raw.line, raw.values if not raw.errors else None, raw.errors))
    for line, _values, errors in items:
        if errors:
            report.errors.extend(RowError(line, e.field, e.message) for e in errors)
    reading = datainclusion.read_services(
        ((int(line), values) for line, values, errors in items if not errors), existing
    )
    report.rejected += reading.rejected + sum(1 for *_, errors in items if errors)
    report.errors.extend(
        RowError(line, error.field, error.message) for line, error in reading.errors
    )
    for line, structure_id, place in reading.places:
        yield RawRow(line, {"source_id": structure_id, **place.values}, place.errors)


def _check_rows(
    place_file: PlaceFile,
    report: ImportReport,
    spool: BinaryIO,
    progress: Progress | None,
    *,
    source: str,
    communes: CommuneIndex,
) -> None:
    """Validate every row; spool the valid ones as (source_id, CleanPlace, digest) batches."""
    first_lines: dict[str, int | str] = {}
    batch: list[tuple[str, CleanPlace, str]] = []
    adapter = FOREIGN_FORMATS.get(place_file.format)
    # An import in a national schema keeps what the file does not say: the stored places of
    # the source, read once (one query a page).
    existing = existing_rows(source) if adapter is not None else {}
    # An OSM object that looks like a place of another source is reported (read once).
    duplicates = (
        duplicate_index(excluding_source=source) if place_file.format == OSM_FORMAT else None
    )
    unkept: set[str] = set()
    rows: Iterable[RawRow] = place_file
    services = place_file.format == datainclusion.SERVICE_FORMAT
    if services:
        rows = _service_rows(place_file, existing, report)
    for raw in rows:
        report.rows += not services  # a file of services counts its services (`_service_rows`)
        row = raw if adapter is None or services else _foreign_row(adapter, raw, existing, unkept)
        source_id, errors = _source_id(row, first_lines)
        data = {name: value for name, value in row.values.items() if name != "source_id"}
        clean, field_errors = clean_place_input(data, communes=communes)
        if row.lenient and (dropped := {e.field for e in field_errors} & row.lenient):
            report.warnings.extend(
                codes.VALUE_DROPPED(line=row.line, field=error.field, message=error.message)
                for error in field_errors
                if error.field in dropped
            )
            data = {name: value for name, value in data.items() if name not in dropped}
            clean, field_errors = clean_place_input(data, communes=communes)
        errors = [*row.errors, *errors, *field_errors]
        if errors:
            report.rejected += 1
            # Problems are named after the file's own columns (`pivot`, not `siret`).
            rename = adapter.COLUMN_OF_FIELD if adapter is not None else {}
            report.errors.extend(
                RowError(row.line, rename.get(error.field, error.field), error.message)
                for error in errors
            )
        elif report.partial or not report.rejected:
            if duplicates is not None:
                report.warnings.extend(_duplicate_warnings(row.line, clean, duplicates))
            # After a rejection, an all-or-nothing import will write nothing: stop spooling.
            batch.append((source_id, clean, place_digest(clean)))
            if len(batch) >= BATCH_SIZE:
                pickle.dump(batch, spool, pickle.HIGHEST_PROTOCOL)
                batch = []
        if progress is not None and report.rows % PROGRESS_EVERY_ROWS == 0:
            progress(report.rows)
    if batch:
        pickle.dump(batch, spool, pickle.HIGHEST_PROTOCOL)
    report.warnings.extend(
        codes.UNKNOWN_COLUMN(name=name)
        if place_file.format in ("csv", "mednum")
        else codes.UNKNOWN_PROPERTY(name=name)
        for name in place_file.unknown_fields
    )
    report.warnings.extend(place_file.notes)
    if unkept:
        report.warnings.append(codes.UNKEPT_COLUMNS(columns=", ".join(sorted(unkept))))
    if not report.rows:
        report.warnings.append(codes.NO_PLACES())
    if progress is not None:
        progress(report.rows)


def _duplicate_warnings(
    line: int | str, clean: CleanPlace, duplicates: DuplicateIndex
) -> list[str]:
    """« n1 : doublon possible du lieu n° 12 « … » (même nom à 40 m) », one per look-alike
    place of another source (`places.duplicates`): reported, never merged."""
    if clean.latitude is None or clean.longitude is None:
        return []
    reasons = {"siret": codes.SAME_SIRET, "name_nearby": codes.SAME_NAME}
    return [
        codes.POSSIBLE_DUPLICATE(
            line=line,
            id=match.place_id,
            name=match.name,
            reason=reasons[match.reason](),
            distance=round(match.distance_m),
        )
        for match in duplicates.matches(
            name=clean.name,
            siret=clean.siret,
            latitude=clean.latitude,
            longitude=clean.longitude,
        )
    ]


def _source_id(row: RawRow, first_lines: dict[str, int | str]) -> tuple[str, list[FieldError]]:
    source_id = _text(row.values.get("source_id"))
    if not source_id:
        return "", [FieldError("source_id", SOURCE_ID_REQUIRED())]
    if len(source_id) > SOURCE_ID_MAX_LENGTH:
        return source_id, [FieldError("source_id", TOO_LONG(max=SOURCE_ID_MAX_LENGTH))]
    if source_id in first_lines:
        return source_id, [
            FieldError("source_id", SOURCE_ID_DUPLICATE(id=source_id, line=first_lines[source_id]))
        ]
    first_lines[source_id] = row.line
    return source_id, []


def _spooled_batches(spool: BinaryIO) -> Iterator[list[tuple[str, CleanPlace, str]]]:
    """The batches `_check_rows` spooled, in order."""
    while True:
        try:
            # The spool is a temporary file this module has just written.
            yield pickle.load(spool)  # noqa: S301
        except EOFError:
            return


# --- Import jobs (web page and API) ---------------------------------------------------------


@transaction.atomic
def create_import_job(
    *, actor: User, source: str, file: File, dry_run: bool = False, partial: bool = False
) -> ImportJob:
    """Store an uploaded file and a pending job for it; only instance administrators may, each
    within their quota of active imports (IMPORT_JOBS_PER_USER, or their own `job_quota`).
    """
    check_actor(actor)
    if not can_import_places(actor):
        raise PermissionDenied
    source = _check_source(source)
    jobs.check_job_quota(user=actor, model=ImportJob)
    file_name = Path(file.name or "import").name[:255]
    return ImportJob.objects.create(
        source=source,
        file=File(file, name=file_name),
        file_name=file_name,
        size_bytes=file.size or 0,
        dry_run=dry_run,
        partial=partial,
        created_by=actor,
    )


def record_import_progress(*, job: ImportJob, rows_done: int) -> None:
    """Store how many rows a running job has checked (read by the job page while it polls); the
    total is known only once the file is read to its end."""
    jobs.record_progress(job, done=rows_done)


def finish_import_job(*, job: ImportJob, report: ImportReport) -> ImportJob:
    """running → succeeded, or failed when the report has errors; the report is stored."""
    job = jobs.finish_job(
        job,
        succeeded=report.succeeded,
        progress_done=report.rows,
        progress_total=report.rows,
        created_count=report.created,
        updated_count=report.updated,
        unchanged_count=report.unchanged,
        rejected_count=report.rejected,
        errors=[error.as_dict() for error in report.errors],
        warnings=[stored_message(warning) for warning in report.warnings],
    )
    _release_file(job)
    return job


def fail_import_job(*, job: ImportJob, message: str) -> ImportJob:
    """pending or running → failed, for a job that could not run to its end; the reason's code
    and params are kept when it has some (`Job.stop_reason`)."""
    job = jobs.fail_job(job, message=message)
    _release_file(job)
    return job


def _release_file(job: ImportJob) -> None:
    """Delete a finished job's file now when no retention is asked (IMPORT_FILE_RETENTION_DAYS
    = 0); `purge_import_files` deletes the others when their time is up.
    """
    if settings.IMPORT_FILE_RETENTION_DAYS <= 0:
        try:
            delete_import_file(job=job)
        except OSError:
            # The job has ended either way; the purge command will try the file again.
            logger.exception("import job %s: its file could not be deleted", job.pk)


def delete_import_file(*, job: ImportJob) -> bool:
    """Delete the uploaded file of a finished job, keeping the job, its report and the file's
    name; False when there was no file left.
    """
    if not job.is_finished:
        raise IllegalTransition(f"import job {job.pk} is {job.state}: its file is still needed")
    if not job.file:
        return False
    name = job.file.name
    if name:
        job.file.storage.delete(name)
    ImportJob.objects.filter(pk=job.pk).update(file="")
    job.file = ""
    return True


def _import_file(job: ImportJob) -> ImportReport:
    author = jobs.job_author(
        job,
        allowed=can_import_places,
        deleted=codes.AUTHOR_DELETED(),
        refused=codes.AUTHOR_REFUSED(),
    )
    with job.file.open("rb") as stored:
        stream = cast(BinaryIO, stored)  # a FieldFile opened in binary mode reads bytes
        return import_places(
            source=job.source,
            stream=stream,
            dry_run=job.dry_run,
            partial=job.partial,
            actor=author,
            progress=lambda rows: record_import_progress(job=job, rows_done=rows),
        )


def run_import_job(*, job_id: int) -> ImportJob:
    """Run a pending job to its end (the background task and small uploads both call this).

    Transient database errors (a locked SQLite file, a lost PostgreSQL connection) are retried
    with a growing pause, the import starting again from the top of the file (rows already
    written come out unchanged); the job ends failed, with a message, if anything else stops
    the import or the database stays unavailable. See `maillage.common.jobs.run_job`.
    """
    return jobs.run_job(
        ImportJob,
        job_id,
        related=("created_by",),
        work=_import_file,
        finish=lambda job, report: finish_import_job(job=job, report=report),
        fail=lambda job, message: fail_import_job(job=job, message=message),
        # Batches are committed one by one: those written before the error stay, and running
        # the same import again completes it (they come out unchanged).
        unexpected_message=codes.UNEXPECTED_ERROR(),
    )


def launch_import_job(*, job: ImportJob) -> ImportJob:
    """Run a small job now, or hand a large one to the task workers (`maillage db_worker`)."""
    if job.size_bytes < INLINE_MAX_BYTES:
        return run_import_job(job_id=job.pk)
    from .tasks import run_import_job_task

    run_import_job_task.enqueue(job_id=job.pk)
    job.refresh_from_db()
    return job


def _check_file_kept(job: ImportJob) -> None:
    if not job.file:
        raise ValidationFailed(
            [
                FieldError(
                    FILE_FIELD,
                    _("Le fichier de cet import a été supprimé : envoyez-le de nouveau."),
                )
            ]
        )


# What a retried import sets back, besides what every job does (`jobs.retry_job`).
REPORT_RESET = {
    "created_count": 0,
    "updated_count": 0,
    "unchanged_count": 0,
    "rejected_count": 0,
    "errors": [],
    "warnings": [],
}


def retry_import_job(*, actor: User, job: ImportJob) -> ImportJob:
    """failed, or stalled (pending or running without a heartbeat) → pending, launched again.

    Instance administrators may retry any import; it runs with its author's rights, checked
    again when it runs. Refused (IllegalTransition) for a job that succeeded
    or is still making progress; ValidationFailed when its file is gone (ask for it again) or
    when the job's author has no room left in their quota for a failed job brought back.
    """
    check_actor(actor)
    if not can_import_places(actor):
        raise PermissionDenied
    return jobs.retry_job(
        job,
        check=_check_file_kept,
        reset=REPORT_RESET,
        launch=lambda job: launch_import_job(job=job),
    )


def purge_import_files(*, older_than_days: int | None = None) -> int:
    """Delete the files of imports finished more than `older_than_days` days ago
    (IMPORT_FILE_RETENTION_DAYS when None), dry runs and failures included, and the files under
    `imports/` that no job refers to; the number of files deleted.

    Files of pending and running jobs are kept. An unreferenced file younger than
    `common.files.ORPHAN_GRACE` is kept too: it may be an upload whose job is being saved now.
    """
    days = settings.IMPORT_FILE_RETENTION_DAYS if older_than_days is None else older_than_days
    now = timezone.now()
    deleted = 0
    finished = ImportJob.objects.filter(
        state__in=(ImportState.SUCCEEDED, ImportState.FAILED),
        finished_at__lte=now - timedelta(days=days),
    ).exclude(file="")
    for job in finished.iterator():
        deleted += delete_import_file(job=job)
    storage = ImportJob._meta.get_field("file").storage
    referenced = set(ImportJob.objects.exclude(file="").values_list("file", flat=True))
    return deleted + delete_orphans(storage, IMPORTS_DIR, referenced)
