from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LegalConfig(AppConfig):
    """The pages that say who publishes the site and on what terms (legal notice, personal data,
    accessibility, terms of use, contact), and what robots read (robots.txt, sitemap.xml,
    favicon)."""

    name = "maillage.legal"
    label = "legal"
    verbose_name = _("Pages légales")

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the deployment check)
