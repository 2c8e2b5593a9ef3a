from django.contrib import admin

from maillage.common.admin import StalledFilter, retry_action, stalled_column

from .models import ImportJob
from .services import retry_import_job


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    """Read-only history: jobs change state only through `opendata.services` (the retry action
    included).
    """

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

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
