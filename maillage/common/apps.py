from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "maillage.common"
    label = "common"
