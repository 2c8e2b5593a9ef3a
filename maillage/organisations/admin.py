"""Organisations in the admin, read-only: every change goes through the services (audited)."""

from django.contrib import admin

from .models import HeadcountDeclaration, Hosting, Organisation


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Organisation)
class OrganisationAdmin(ReadOnlyAdmin):
    list_display = ("name", "siret", "legal_form", "size_band")
    search_fields = ("name", "siret", "siren")


@admin.register(Hosting)
class HostingAdmin(ReadOnlyAdmin):
    list_display = ("organisation", "place", "kind", "start_date", "end_date")
    list_select_related = ("organisation", "place")
    list_filter = ("kind",)


@admin.register(HeadcountDeclaration)
class HeadcountAdmin(ReadOnlyAdmin):
    list_display = ("organisation", "declared_on", "employees", "employees_local")
    list_select_related = ("organisation",)
