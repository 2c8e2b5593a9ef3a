from django.urls import path

from . import views

app_name = "territories"

urlpatterns = [
    path("", views.territory_index, name="index"),
    path("suggestions/", views.commune_suggestions, name="suggestions"),
    # `/territoires/departement/64/`: the level makes every code unambiguous.
    path("<slug:level>/<str:code>/", views.territory_detail, name="detail"),
]
