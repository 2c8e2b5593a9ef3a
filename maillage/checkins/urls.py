from django.urls import path

from . import views

app_name = "checkins"

urlpatterns = [
    path("lieux/<slug:slug>/presences/", views.presence, name="presence"),
    path("lieux/<slug:slug>/presences/accueil/", views.desk, name="desk"),
    path("lieux/<slug:slug>/presences/tablette/", views.tablet, name="tablet"),
    path("lieux/<slug:slug>/presences/scan/<str:code>/", views.scan, name="scan"),
    path("mes-presences/", views.mine, name="mine"),
    path("mes-presences/depart/", views.leave, name="leave"),
]
