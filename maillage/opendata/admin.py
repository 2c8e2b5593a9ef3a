from django.contrib import admin

from .models import ImportJob


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    """Read-only history: jobs change state only through `opendata.services`."""

    list_display = ("created_at", "source", "file_name", "state", "created_count", "rejected_count")
    list_filter = ("state", "source")
    search_fields = ("source", "file_name")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
