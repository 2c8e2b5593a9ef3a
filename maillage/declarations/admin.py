from django.contrib import admin

from .models import Declaration


@admin.register(Declaration)
class DeclarationAdmin(admin.ModelAdmin):
    """Read-only: declarations are written by the place's managers through the service (the
    one write path, audited)."""

    list_display = ["place", "year", "revenue_eur", "staff_fte", "surface_m2"]
    list_filter = ["year"]
    search_fields = ["place__name"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
