from django.urls import path

from . import views

app_name = "planning"

urlpatterns = [
    path("planifier/", views.plan_list, name="plans"),
    path("planifier/<int:job_id>/", views.plan_detail, name="plan"),
    path("planifier/<int:job_id>/relancer/", views.plan_retry, name="plan_retry"),
    path("planifier/<int:job_id>/lieux.csv", views.plan_csv, name="plan_csv"),
    path("planifier/<int:job_id>/lieux.geojson", views.plan_geojson, name="plan_geojson"),
    path("couverture/", views.coverage_search, name="coverage_search"),
    # The same territory URL scheme as the territory pages: `couverture/departement/64/`.
    path("couverture/<slug:level>/<str:code>/", views.coverage_section, name="coverage"),
    path(
        "couverture/<slug:level>/<str:code>/zones-blanches.csv",
        views.white_zones_csv,
        name="white_zones_csv",
    ),
    path(
        "couverture/<slug:level>/<str:code>/zones-blanches.geojson",
        views.white_zones_geojson,
        name="white_zones_geojson",
    ),
]
