from django.contrib import admin

from maillage.common.admin import JobAdmin, StalledFilter, retry_action, stalled_column

from .models import ImportJob
from .services import retry_import_job


@admin.register(ImportJob)
class ImportJobAdmin(JobAdmin):
    list_display = (
        "created_at",
        "source",
        "file_name",
        "state",
        stalled_column,
        "created_count",
        "rejected_count",
        "created_by",
    )
    list_filter = ("state", StalledFilter, "source")
    search_fields = ("source", "file_name")
    actions = [retry_action(retry_import_job)]
