"""Admin pieces shared by the job models (import jobs, plan jobs): the read-only `JobAdmin`,
the "stalled" column and filter, the progress column, and the retry action, which goes through
each app's retry service.
"""

from collections.abc import Callable

from django.contrib import admin, messages
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .errors import PermissionDenied, ValidationFailed
from .lifecycle import IllegalTransition


class StalledFilter(admin.SimpleListFilter):
    """Active jobs without a heartbeat for JOB_STALLED_AFTER_SECONDS (the model's
    `stalled_filter()`), or the others.
    """

    title = _("bloqué")
    parameter_name = "stalled"

    def lookups(self, request, model_admin):
        return [("yes", _("bloqués")), ("no", _("non bloqués"))]

    def queryset(self, request, queryset):
        condition = queryset.model.stalled_filter()
        if self.value() == "yes":
            return queryset.filter(condition)
        if self.value() == "no":
            return queryset.exclude(condition)
        return queryset


@admin.display(boolean=True, description=_("bloqué"))
def stalled_column(job) -> bool:
    return job.is_stalled


@admin.display(description=_("message d'échec"))
def stop_reason_column(job) -> str:
    """Why the job stopped, in the admin's language (`Job.stop_reason`), not in the one the
    worker ran in (`error_message`)."""
    return job.stop_reason


@admin.display(description=_("avancement"))
def progress_column(job) -> str:
    percent = job.progress_percent
    return f"{job.progress_done}" if percent is None else f"{percent} %"


class JobAdmin(admin.ModelAdmin):
    """Read-only history: jobs change state only through their app's services, the retry
    action (`retry_action(the app's retry service)` in `actions`) included.
    """

    list_filter: tuple = ("state", StalledFilter)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


def retry_action(retry: Callable) -> Callable:
    """An admin action that calls `retry(actor=…, job=…)` on each selected job and reports the
    ones it refused, with the reason.
    """

    @admin.action(description=_("Relancer les travaux échoués ou bloqués"))
    def retry_selected(model_admin, request, queryset):
        retried = 0
        for job in queryset:
            try:
                retry(actor=request.user, job=job)
            except IllegalTransition:
                model_admin.message_user(
                    request,
                    gettext("%(job)s : ni échoué ni bloqué, il n'est pas relancé.") % {"job": job},
                    messages.WARNING,
                )
            except (ValidationFailed, PermissionDenied) as exc:
                reason = (
                    "; ".join(str(error.message) for error in exc.errors)
                    if isinstance(exc, ValidationFailed)
                    else gettext("vous n'avez pas le droit de le relancer.")
                )
                model_admin.message_user(
                    request,
                    gettext("%(job)s : %(reason)s") % {"job": job, "reason": reason},
                    messages.ERROR,
                )
            else:
                retried += 1
        if retried:
            model_admin.message_user(
                request, gettext("%d travail(s) relancé(s).") % retried, messages.SUCCESS
            )

    return retry_selected


def hide_task_results() -> None:
    """django-tasks-db's raw task rows stay out of the admin (maillage.common.third_party_apps):
    the job admins of opendata and planning show the same jobs in French. Called by
    `admin_config.discover_admin()`, after the autodiscovery registered them."""
    from django_tasks_db.models import DBTaskResult

    if admin.site.is_registered(DBTaskResult):
        admin.site.unregister(DBTaskResult)
