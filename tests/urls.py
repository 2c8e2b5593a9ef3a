"""The project's URLs plus the test-only endpoints of tests/capacity_app."""

from django.urls import include, path

from maillage.urls import urlpatterns as project_urlpatterns

urlpatterns = [path("test-capacity/", include("tests.capacity_app.urls")), *project_urlpatterns]
