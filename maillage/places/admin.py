"""Django admin for places. Saving goes through the place services, so the admin applies the
validator and the permission rules of the API, the imports and the edit pages.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from . import services
from .forms import PlaceAdminForm
from .kinds import PlaceKind
from .models import Place
from .rules import can_create_place, can_delete_place, can_edit_place


class KindFilter(admin.SimpleListFilter):
    title = _("type de lieu")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return PlaceKind.choices

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(kind_links__kind=self.value())
        return queryset


@admin.register(Place)
class PlaceAdmin(admin.ModelAdmin):
    form = PlaceAdminForm
    list_display = ("name", "city", "departement_code", "status", "source", "updated_at")
    list_filter = (KindFilter, "status", "departement_code", "source")
    search_fields = ("name", "city", "insee_code", "source_id")
    filter_horizontal = ("managers",)
    fieldsets = (
        (None, {"fields": ("name", "kinds", "status", "description")}),
        (
            _("Localisation"),
            {"fields": ("address", "postal_code", "city", "insee_code", "latitude", "longitude")},
        ),
        (_("Horaires et contact"), {"fields": ("opening_hours", "website", "email", "phone")}),
        (_("Structure"), {"fields": ("legal_form", "siret", "surface_m2", "capacity")}),
        (
            _("Services, équipements, accessibilité"),
            {"fields": ("services", "equipment", "wheelchair", "acceslibre_url")},
        ),
        (_("Gestionnaires"), {"fields": ("managers",)}),
    )

    def has_add_permission(self, request):
        return super().has_add_permission(request) and can_create_place(request.user)

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or can_edit_place(request.user, obj))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or can_delete_place(request.user, obj))

    def get_readonly_fields(self, request, obj=None):
        # Only network admins choose managers (services.set_place_managers).
        return () if can_create_place(request.user) else ("managers",)

    def save_model(self, request, obj, form, change):
        if change:
            services.update_place(actor=request.user, place=obj, changes=form.changes)
        else:
            obj.pk = services.create_place(actor=request.user, data=form.changes).pk
        # The admin goes on with `obj` (managers, history, redirect): give it the saved state.
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        if "managers" in form.changed_data:
            services.set_place_managers(
                actor=request.user, place=form.instance, managers=form.cleaned_data["managers"]
            )

    def delete_model(self, request, obj):
        services.delete_place(actor=request.user, place=obj)

    def delete_queryset(self, request, queryset):
        for place in queryset:
            services.delete_place(actor=request.user, place=place)
