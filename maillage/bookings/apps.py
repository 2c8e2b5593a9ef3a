from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BookingsConfig(AppConfig):
    name = "maillage.bookings"
    label = "bookings"
    verbose_name = _("Réservations")

    def ready(self) -> None:
        from .dashboard import register

        # Today's bookings, membership requests and the week's occupancy on the staff dashboard.
        register()
