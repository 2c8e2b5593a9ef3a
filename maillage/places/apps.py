from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class PlacesConfig(AppConfig):
    name = "maillage.places"
    label = "places"
    verbose_name = _("Tiers-lieux")

    def ready(self) -> None:
        from .search import ensure_search_index

        # A later migration that alters places_place rebuilds the table on SQLite, without the
        # search triggers: they are put back after every `migrate`.
        post_migrate.connect(ensure_search_index, sender=self, dispatch_uid="places-search-index")
