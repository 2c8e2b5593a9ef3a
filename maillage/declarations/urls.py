from django.urls import path

from . import views

app_name = "declarations"

urlpatterns = [
    path("lieux/<slug:slug>/declaration-annuelle/", views.declaration, name="declaration"),
]
