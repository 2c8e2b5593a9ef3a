"""`/observatoire/…` downloads: figures (CSV, XLSX, PDF report), the census export, open data.
Included before `observatory.urls` (whose `<level>/<code>/` would otherwise be tried first)."""

from django.urls import path

from . import export_views

app_name = "observatory_exports"

urlpatterns = [
    path(
        "telecharger/<slug:level>/<str:code>/<str:fmt>/",
        export_views.area_download,
        name="download",
    ),
    path("recensement/<slug:slug>/<str:fmt>/", export_views.census_download, name="census"),
    path("donnees-ouvertes/", export_views.open_data, name="open_data"),
    path(
        "donnees-ouvertes/<str:key>/agregats.csv",
        export_views.open_data_csv,
        name="open_data_csv",
    ),
    path(
        "donnees-ouvertes/<str:key>/datapackage.json",
        export_views.open_data_package,
        name="open_data_package",
    ),
]
