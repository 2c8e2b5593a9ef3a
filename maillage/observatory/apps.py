from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ObservatoryConfig(AppConfig):
    name = "maillage.observatory"
    label = "observatory"
    verbose_name = _("Observatoire")

    def ready(self) -> None:
        from .sections import register

        # « Observatoire » on the staff dashboard of a place.
        register()
