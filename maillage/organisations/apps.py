from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganisationsConfig(AppConfig):
    name = "maillage.organisations"
    label = "organisations"
    verbose_name = _("Structures hébergées")

    def ready(self) -> None:
        from maillage.accounts import personal_data

        from .personal_data import erase_organisation_data, export_organisation_data

        personal_data.register(
            "organisations", export=export_organisation_data, erase=erase_organisation_data
        )
