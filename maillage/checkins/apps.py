from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CheckinsConfig(AppConfig):
    name = "maillage.checkins"
    label = "checkins"
    verbose_name = _("Présences")

    def ready(self) -> None:
        from maillage.accounts import personal_data
        from maillage.members.cards import register_card_days

        from .cards import checkin_days
        from .personal_data import erase_checkins, export_checkins
        from .sections import register as register_sections

        personal_data.register("checkins", export=export_checkins, erase=erase_checkins)
        # « Qui est là » on the staff dashboard, « Mes présences » on the member's page.
        register_sections()
        # The days check-ins use on a 10-day card.
        register_card_days("checkins", checkin_days)
