"""django.contrib.admin, whose admin modules are imported when the admin is needed, not at start-up.

Django's own AdminConfig imports every app's admin.py in `django.setup()`, and those import the
apps' services and forms (the importers, the data·inclusion schemas, pydantic, the OSM
reader…): about half a second of every `maillage` command, `--help` included (issue 14). Here
`discover_admin()` imports them instead, called by the URL configuration (so the web server,
which loads it before forking its workers, and every request have the whole admin) and by the
admin's system check (so `check` and `check --deploy` still check every ModelAdmin).
"""

from django.contrib.admin.apps import SimpleAdminConfig
from django.contrib.admin.checks import check_admin_app, check_dependencies
from django.core import checks


class AdminConfig(SimpleAdminConfig):
    def ready(self) -> None:
        # SimpleAdminConfig.ready() registers check_admin_app itself, but checks run in no set
        # order: it could run before any admin module is imported, and check nothing.
        checks.register(check_dependencies, checks.Tags.admin)
        checks.register(check_discovered_admin, checks.Tags.admin)


def discover_admin() -> None:
    """Register every app's ModelAdmins (importing each admin.py, once), then take back out of
    the admin what Maillage keeps out of it."""
    from django.contrib import admin

    from .admin import hide_task_results

    admin.autodiscover()
    hide_task_results()


def check_discovered_admin(app_configs, **kwargs) -> list[checks.CheckMessage]:
    discover_admin()
    return check_admin_app(app_configs, **kwargs)
