from django.urls import path

from . import views

app_name = "organisations"

urlpatterns = [
    path("lieux/<slug:slug>/structures/", views.hosted_list, name="list"),
    path("lieux/<slug:slug>/structures/<int:pk>/", views.detail, name="detail"),
    path("mes-trajets/", views.commuting, name="commuting"),
]
