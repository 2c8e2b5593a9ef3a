from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ObservatoryConfig(AppConfig):
    name = "maillage.observatory"
    label = "observatory"
    verbose_name = _("Observatoire")

    def ready(self) -> None:
        from maillage.places.moves import register_watcher

        from .sections import register
        from .services import watch_moved_transfers

        # « Observatoire » on the staff dashboard of a place.
        register()
        # Network hours moved by a change whose old place the audit log cannot tell.
        register_watcher("observatory", watch_moved_transfers)
