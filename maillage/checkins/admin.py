"""Check-ins in the admin: read-only, since every change goes through the services (audited)."""

from django.contrib import admin

from .models import CheckIn, VisitorCount


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CheckIn)
class CheckInAdmin(ReadOnlyAdmin):
    list_display = ("place", "user", "checked_in_at", "checked_out_at", "source")
    list_filter = ("source", "closed_automatically")
    list_select_related = ("place", "user")
    date_hierarchy = "checked_in_at"
    raw_id_fields = ("place", "user", "recorded_by")


@admin.register(VisitorCount)
class VisitorCountAdmin(ReadOnlyAdmin):
    list_display = ("place", "day", "kind", "count")
    list_filter = ("kind",)
    list_select_related = ("place",)
