from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "maillage.members"
    label = "members"
    verbose_name = _("Membres")

    def ready(self) -> None:
        from maillage.accounts import personal_data

        from .personal_data import erase_memberships, export_memberships

        personal_data.register("memberships", export=export_memberships, erase=erase_memberships)
