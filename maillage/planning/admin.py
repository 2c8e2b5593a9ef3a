from django.contrib import admin

from maillage.common.admin import (
    JobAdmin,
    StalledFilter,
    progress_column,
    retry_action,
    stalled_column,
)

from .models import PlanJob
from .services import retry_plan_job


@admin.register(PlanJob)
class PlanJobAdmin(JobAdmin):
    list_display = (
        "created_at",
        "territory",
        "kind",
        "n_new",
        "method",
        "state",
        stalled_column,
        progress_column,
        "created_by",
    )
    list_filter = ("state", StalledFilter, "method")
    list_select_related = ("territory", "created_by")
    actions = [retry_action(retry_plan_job)]
