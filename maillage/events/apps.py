from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "maillage.events"
    label = "events"
    verbose_name = _("Événements")

    def ready(self) -> None:
        from maillage.accounts import personal_data

        from .dashboard import register as register_dashboard
        from .my_space import register as register_member_sections
        from .personal_data import erase_registrations, export_registrations

        personal_data.register(
            "event_registrations", export=export_registrations, erase=erase_registrations
        )
        # The feeds' rows go with the account (cascade): nothing to anonymise.
        register_dashboard()
        register_member_sections()
