"""`/territoires/`: the territory pages (here, since they count places) and commune suggestions."""

from django.urls import path

from maillage.territories.views import territory_suggestions

from . import territory_views

app_name = "territories"

urlpatterns = [
    path("", territory_views.territory_index, name="index"),
    path("suggestions/", territory_suggestions, name="suggestions"),
    # `/territoires/departement/64/`: the level makes every code unambiguous.
    path("<slug:level>/<str:code>/", territory_views.territory_detail, name="detail"),
]
