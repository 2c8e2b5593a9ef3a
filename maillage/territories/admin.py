from django.contrib import admin

from .models import Territory


@admin.register(Territory)
class TerritoryAdmin(admin.ModelAdmin):
    list_display = ("name", "level", "code", "population", "departement_code", "region_code")
    list_filter = ("level", "region_code")
    search_fields = ("name", "code", "postal_codes")
    readonly_fields = [field.name for field in Territory._meta.fields]

    def has_add_permission(self, request):
        # Territories come from the reference file only (`maillage load_territories`).
        return False
