from django.urls import path

from . import views

app_name = "opendata"

urlpatterns = [
    path("", views.import_list, name="imports"),
    path("<int:job_id>/", views.import_detail, name="job"),
    path("<int:job_id>/relancer/", views.import_retry, name="retry"),
]
