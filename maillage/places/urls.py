from django.urls import path

from . import views

app_name = "places"

urlpatterns = [
    path("", views.home, name="home"),
    path("lieux/", views.place_list, name="list"),
    path("lieux/export.csv", views.export_csv, name="export_csv"),
    # Before the slug pattern; slugs are `name-city`, so no place is called "nouveau".
    path("lieux/nouveau/", views.place_create, name="create"),
    path("lieux/<slug:slug>/", views.place_detail, name="detail"),
    path("lieux/<slug:slug>/modifier/", views.place_edit, name="edit"),
    path("lieux/<slug:slug>/supprimer/", views.place_delete, name="delete"),
    # Under the account pages' prefix, where it always was; served by the places app, which
    # knows who runs what (accounts does not import places).
    path("comptes/mes-lieux/", views.my_places, name="my_places"),
    path("reseaux/<slug:slug>/", views.network_detail, name="network"),
]
