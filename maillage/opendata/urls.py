from django.urls import path

from . import views

app_name = "opendata"

urlpatterns = [
    path("", views.import_list, name="imports"),
    path("<int:job_id>/", views.import_detail, name="job"),
]
