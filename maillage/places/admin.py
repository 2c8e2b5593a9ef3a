"""Django admin for places. Saving goes through the place services, so the admin applies the
validator and the permission rules of the API, the imports and the edit pages.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from . import services
from .fields import FORM_SECTIONS
from .forms import PlaceAdminForm
from .kinds import PlaceKind
from .models import Network, OsmRecord, Place, PlaceRole
from .rules import (
    can_create_place,
    can_delete_place,
    can_edit_network,
    can_edit_place,
    can_manage_roles,
    places_where,
)


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
    # The edit form's sections (places.fields), the first untitled as the admin's main group.
    fieldsets = tuple(
        (
            None if index == 0 else section.label,
            {"fields": tuple(field.name for line in lines for field in line)},
        )
        for index, (section, lines) in enumerate(FORM_SECTIONS)
    )

    def has_add_permission(self, request):
        return super().has_add_permission(request) and can_create_place(request.user)

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or can_edit_place(request.user, obj))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or can_delete_place(request.user, obj))

    def save_model(self, request, obj, form, change):
        if change:
            services.update_place(actor=request.user, place=obj, changes=form.changes)
        else:
            obj.pk = services.create_place(actor=request.user, data=form.changes).pk
        # The admin goes on with `obj` (history, redirect): give it the saved state.
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        # The service saved kinds, services and equipment; the form's fields of the same names
        # hold text, not the model's relations, so Django's save_m2m must not run.
        pass

    def delete_model(self, request, obj):
        services.delete_place(actor=request.user, place=obj)

    def delete_queryset(self, request, queryset):
        for place in queryset:
            services.delete_place(actor=request.user, place=place)


@admin.register(PlaceRole)
class PlaceRoleAdmin(admin.ModelAdmin):
    """Who operates which place. Saving and deleting go through grant_place_role and
    revoke_place_role; a manager sees and chooses the roles of their own places only.
    """

    list_display = ("place", "user", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("place__name", "user__username")
    # A place by its id (a list of every place would be long); offered and accepted only among
    # the places whose roles the person chooses.
    raw_id_fields = ("place",)
    autocomplete_fields = ("user",)
    fields = ("place", "user", "role")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "place":
            kwargs["queryset"] = places_where(request.user, can="manage")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_queryset(self, request):
        places = places_where(request.user, can="manage")
        return (
            super().get_queryset(request).filter(place__in=places).select_related("place", "user")
        )

    def get_readonly_fields(self, request, obj=None):
        # Changing the place or the person of a role is revoking it and granting another.
        return ("place", "user") if obj is not None else ()

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or can_manage_roles(request.user, obj.place))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or can_manage_roles(request.user, obj.place))

    def save_model(self, request, obj, form, change):
        saved = services.grant_place_role(
            actor=request.user, place=obj.place, user=obj.user, role=obj.role
        )
        obj.pk = saved.pk
        obj.refresh_from_db()

    def delete_model(self, request, obj):
        services.revoke_place_role(actor=request.user, place=obj.place, user=obj.user)

    def delete_queryset(self, request, queryset):
        for role in queryset.select_related("place", "user"):
            services.revoke_place_role(actor=request.user, place=role.place, user=role.user)


@admin.register(Network)
class NetworkAdmin(admin.ModelAdmin):
    """Networks, for instance administrators only (rules.can_edit_network); saving goes through
    the network services, which audit every change.
    """

    list_display = ("name", "slug")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    filter_horizontal = ("places", "coordinators")

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and can_edit_network(request.user, obj)

    def has_add_permission(self, request):
        return super().has_add_permission(request) and can_edit_network(request.user, None)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and can_edit_network(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and can_edit_network(request.user, obj)

    def save_model(self, request, obj, form, change):
        # The places and coordinators are saved with the rest, in save_related.
        pass

    def save_related(self, request, form, formsets, change):
        data = {name: form.cleaned_data[name] for name in services.NETWORK_FIELDS}
        saved = services.save_network(
            actor=request.user, network=form.instance if change else None, data=data
        )
        form.instance.pk = saved.pk
        form.instance.refresh_from_db()

    def delete_model(self, request, obj):
        services.delete_network(actor=request.user, network=obj)

    def delete_queryset(self, request, queryset):
        for network in queryset:
            services.delete_network(actor=request.user, network=network)


@admin.register(OsmRecord)
class OsmRecordAdmin(admin.ModelAdmin):
    """The OSM objects the OSM imports read. Only their place can be changed here (through
    `link_osm_record`, instance administrators): linking a place of another source to the OSM
    object it is shows, on its page, how it differs from OSM. The rest is OSM's."""

    list_display = ("osm_id", "place", "version", "osm_timestamp", "imported_at")
    search_fields = ("osm_id", "place__name")
    raw_id_fields = ("place",)
    fields = ("osm_id", "place", "tags", "latitude", "longitude", "version", "osm_timestamp")
    readonly_fields = ("osm_id", "tags", "latitude", "longitude", "version", "osm_timestamp")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        services.link_osm_record(actor=request.user, osm_record=obj, place=obj.place)
