from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SharingConfig(AppConfig):
    name = "maillage.sharing"
    label = "sharing"
    verbose_name = _("Partage : objets et entraide")

    def ready(self) -> None:
        from maillage.accounts import personal_data

        from .personal_data import erase_sharing, export_sharing
        from .sections import register as register_sections

        personal_data.register("sharing", export=export_sharing, erase=erase_sharing)
        # « Objets prêtés » on the staff dashboard; « Mes emprunts » and « Ma banque de temps »
        # on the member's page.
        register_sections()
