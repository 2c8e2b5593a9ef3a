"""A finished import's progress total is its count of rows. The message of an import stopped
before its end (`fail_import_job`) was stored as the one entry of `errors`, at line 0 of the
file: it moves to `error_message`, and back.

Apart from the schema change before it, so that PostgreSQL does not alter a table whose rows
this transaction has just updated.
"""

from django.db import migrations

FILE_FIELD = "__file__"


def _failure_message(errors):
    """The message `fail_import_job` stored, or None for a report of the file's rows."""
    if len(errors) == 1 and errors[0].get("line") == 0 and errors[0].get("field") == FILE_FIELD:
        return errors[0].get("message", "")
    return None


def move_failures_to_message(apps, schema_editor):
    ImportJob = apps.get_model("opendata", "ImportJob")
    for job in ImportJob.objects.filter(state__in=("succeeded", "failed")).iterator():
        message = _failure_message(job.errors) if job.state == "failed" else None
        if message is None:
            job.progress_total = job.progress_done
        else:
            job.error_message, job.errors = message, []
        job.save(update_fields=["progress_total", "error_message", "errors"])


def move_messages_to_errors(apps, schema_editor):
    ImportJob = apps.get_model("opendata", "ImportJob")
    for job in ImportJob.objects.exclude(error_message="").iterator():
        job.errors = [*job.errors, {"line": 0, "field": FILE_FIELD, "message": job.error_message}]
        job.save(update_fields=["errors"])


class Migration(migrations.Migration):
    dependencies = [("opendata", "0004_move_progress_and_failure_to_job_base")]

    operations = [migrations.RunPython(move_failures_to_message, move_messages_to_errors)]
