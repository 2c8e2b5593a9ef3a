"""`/embed/`: the list and the map that other sites may put in an iframe (`embed_views`)."""

from django.urls import path

from . import embed_views

app_name = "embed"

urlpatterns = [
    path("lieux/", embed_views.embed_list, name="list"),
    path("carte/", embed_views.embed_map, name="map"),
]
