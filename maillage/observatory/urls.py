"""`/observatoire/`: the observatory pages."""

from django.urls import path

from . import views

app_name = "observatory"

urlpatterns = [
    path("", views.index, name="index"),
    path("indicateurs/", views.indicators, name="indicators"),
    path("lieux/<slug:slug>/", views.place, name="place"),
    path("reseaux/<slug:slug>/", views.network, name="network"),
    path("<slug:level>/<str:code>/", views.territory, name="territory"),
]
