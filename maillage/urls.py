from django.contrib import admin
from django.urls import include, path

from maillage.api import api
from maillage.common.admin_config import discover_admin

# Every app's ModelAdmins, imported here rather than at every command's start-up.
discover_admin()

urlpatterns = [
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("comptes/", include("maillage.accounts.urls")),
    path("territoires/", include("maillage.places.territory_urls")),
    path("embed/", include("maillage.places.embed_urls")),
    path("imports/", include("maillage.opendata.urls")),
    path("federation/", include("maillage.federation.urls")),
    path("analyse/", include("maillage.planning.urls")),
    path("", include("maillage.members.urls")),
    path("", include("maillage.checkins.urls")),
    path("", include("maillage.organisations.urls")),
    path("", include("maillage.declarations.urls")),
    path("gouvernance/", include("maillage.governance.urls")),
    path("", include("maillage.legal.urls")),
    path("", include("maillage.sharing.urls")),
    path("", include("maillage.bookings.urls")),
    path("", include("maillage.events.urls")),
    path("observatoire/", include("maillage.observatory.export_urls")),
    path("observatoire/", include("maillage.observatory.urls")),
    path("", include("maillage.places.urls")),
]
