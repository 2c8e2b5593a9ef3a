from django.contrib import admin

from maillage.common.admin import StalledFilter, retry_action, stalled_column

from .models import PlanJob
from .services import retry_plan_job


@admin.register(PlanJob)
class PlanJobAdmin(admin.ModelAdmin):
    """Read-only history: plans change state only through `planning.services` (the retry
    action included).
    """

    list_display = (
        "created_at",
        "territory",
        "kind",
        "n_new",
        "method",
        "state",
        stalled_column,
        "progress",
        "created_by",
    )
    list_filter = ("state", StalledFilter, "method")
    list_select_related = ("territory", "created_by")
    actions = [retry_action(retry_plan_job)]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
