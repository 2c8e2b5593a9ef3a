from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GovernanceConfig(AppConfig):
    name = "maillage.governance"
    label = "governance"
    verbose_name = _("Gouvernance")

    def ready(self) -> None:
        from maillage.accounts import personal_data

        from .personal_data import erase_governance, export_governance
        from .sections import register as register_sections

        personal_data.register("governance", export=export_governance, erase=erase_governance)
        register_sections()
