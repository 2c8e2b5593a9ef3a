from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "maillage.common"
    label = "common"

    def ready(self) -> None:
        from django.contrib import admin
        from django.utils.translation import gettext_lazy as _

        # The admin says "Maillage" in the reader's language, not "Django administration".
        admin.site.site_header = _("Maillage — administration")
        admin.site.site_title = _("Administration de Maillage")
        admin.site.index_title = _("Tableau de bord de l'instance")
        admin.site.site_url = "/"
