from django.apps import AppConfig


class CapacityAppConfig(AppConfig):
    name = "tests.capacity_app"
    label = "capacity_app"
    default_auto_field = "django.db.models.BigAutoField"
