"""Federation in /admin/: peers (added through `services.register_peer`, with the same URL
checks), harvests and their logs, harvested places, the duplicate queue, webhooks. Every save
and action goes through the services; the webhook secret is shown once, never again."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from maillage.common.admin import JobAdmin, StalledFilter, stalled_column, stop_reason_column
from maillage.common.errors import Conflict, ValidationFailed

from . import services
from .models import (
    DuplicateCandidate,
    HarvestedPlace,
    HarvestJob,
    Peer,
    WebhookDelivery,
    WebhookSubscription,
)


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.action(description=_("Moissonner maintenant"))
def harvest_now(model_admin, request, queryset):
    for peer in queryset:
        try:
            services.queue_harvest(actor=request.user, peer=peer)
        except Conflict as exc:
            model_admin.message_user(request, f"{peer}: {exc}", messages.WARNING)
        else:
            model_admin.message_user(request, _("Moisson de %s lancée.") % peer)


@admin.register(Peer)
class PeerAdmin(admin.ModelAdmin):
    list_display = ("name", "base_url", "active", "instance_uuid", "last_harvest_at")
    list_filter = ("active",)
    search_fields = ("name", "base_url")
    actions = [harvest_now]
    readonly_fields = ("instance_uuid", "last_harvest_at", "created_by")

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("name", "base_url")
        return ("name", "base_url", "active", "instance_uuid", "last_harvest_at", "created_by")

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return ("name", "base_url", *self.readonly_fields)

    def has_delete_permission(self, request, obj=None) -> bool:
        # Its harvested places would stay without provenance: stop its harvests instead.
        return False

    def save_model(self, request, obj, form, change):
        if change:
            services.set_peer_active(
                actor=request.user, peer=Peer.objects.get(pk=obj.pk), active=obj.active
            )
            return
        try:
            peer = services.register_peer(actor=request.user, base_url=obj.base_url, name=obj.name)
        except ValidationFailed as exc:
            raise ValidationError(str(exc)) from None
        obj.pk = peer.pk

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None:
            original_clean = form.clean

            def clean(self):
                data = original_clean(self)
                try:
                    services._checked_url(
                        services.normalise_base_url(data.get("base_url", "")), field="base_url"
                    )
                except ValidationFailed as exc:
                    self.add_error("base_url", exc.errors[0].message)
                return data

            form.clean = clean
        return form


@admin.register(HarvestJob)
class HarvestJobAdmin(JobAdmin):
    list_display = (
        "created_at",
        "peer",
        "state",
        stalled_column,
        "created_count",
        "updated_count",
        "deleted_count",
        "duplicate_count",
        stop_reason_column,
    )
    list_filter = ("state", StalledFilter, "peer")
    # The stop reason and the log as their reader reads them, not as the worker stored them.
    exclude = ("error_message", "log")
    readonly_fields = (stop_reason_column, "displayed_log_column")

    @admin.display(description=_("journal"))
    def displayed_log_column(self, job: HarvestJob):
        return format_html_join(
            "\n",
            "<p>{}: {}</p>",
            ((entry["level"], entry["message"]) for entry in job.displayed_log),
        )


@admin.register(HarvestedPlace)
class HarvestedPlaceAdmin(_ReadOnly):
    list_display = ("remote_uuid", "peer", "place", "state", "remote_updated_at")
    list_filter = ("state", "peer")
    search_fields = ("remote_uuid", "place__name")

    @admin.action(description=_("Reprendre localement (le lieu devient modifiable ici)"))
    def take_over(self, request, queryset):
        for entry in queryset.filter(state=HarvestedPlace.State.HARVESTED, place__isnull=False):
            services.take_over_place(actor=request.user, place=entry.place)

    actions = [take_over]


def _decide(decision: str, description):
    @admin.action(description=description)
    def decide(model_admin, request, queryset):
        for candidate in queryset.filter(state=DuplicateCandidate.State.PROPOSED):
            services.resolve_duplicate(actor=request.user, candidate=candidate, decision=decision)

    decide.__name__ = f"decide_{decision}"
    return decide


@admin.register(DuplicateCandidate)
class DuplicateCandidateAdmin(_ReadOnly):
    list_display = ("harvested", "local", "reason", "distance_m", "state", "decided_by")
    list_filter = ("state", "reason")
    actions = [
        _decide("merge", _("Fusionner (garder le lieu local, retirer la copie)")),
        _decide("keep_both", _("Garder les deux")),
    ]


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    list_display = ("url", "description", "active", "last_seq", "created_by")
    list_filter = ("active",)

    def get_fields(self, request, obj=None):
        return ("url", "description") if obj is None else ("url", "description", "active")

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else ("url", "description")

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        if change:
            services.set_webhook_active(
                actor=request.user,
                subscription=WebhookSubscription.objects.get(pk=obj.pk),
                active=obj.active,
            )
            return
        try:
            subscription, secret = services.subscribe_webhook(
                actor=request.user, url=obj.url, description=obj.description
            )
        except ValidationFailed as exc:
            raise ValidationError(str(exc)) from None
        obj.pk = subscription.pk
        self.message_user(
            request,
            _("Secret de signature (affiché une seule fois, à donner à l'abonné) : %s") % secret,
            messages.WARNING,
        )


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(_ReadOnly):
    list_display = ("subscription", "first_seq", "last_seq", "state", "attempts", "next_attempt_at")
    list_filter = ("state",)

    @admin.action(description=_("Renvoyer"))
    def retry(self, request, queryset):
        for delivery in queryset.filter(state=WebhookDelivery.State.FAILED):
            services.retry_delivery(actor=request.user, delivery=delivery)

    actions = [retry]
