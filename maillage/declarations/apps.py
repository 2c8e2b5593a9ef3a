from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeclarationsConfig(AppConfig):
    name = "maillage.declarations"
    label = "declarations"
    verbose_name = _("Déclarations annuelles")

    def ready(self) -> None:
        from .sections import register as register_sections

        # « Déclaration annuelle » on the staff dashboard.
        register_sections()
