from collections.abc import Callable

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ObservatoryConfig(AppConfig):
    name = "maillage.observatory"
    label = "observatory"
    verbose_name = _("Observatoire")

    def ready(self) -> None:
        from maillage.places.moves import register_watcher

        from .sections import register

        # « Observatoire » on the staff dashboard of a place.
        register()
        # Network hours moved by a change whose old place the audit log cannot tell. The
        # services are imported when a change is watched, not here: they bring numpy and
        # scipy, which every command would then load at start-up (tests/planning/
        # test_command_startup.py).
        register_watcher("observatory", _watch_moved_transfers)


def _watch_moved_transfers(users: frozenset[int], places: frozenset[int]) -> Callable[[], None]:
    from .services import watch_moved_transfers

    return watch_moved_transfers(users, places)
