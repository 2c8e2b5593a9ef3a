from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BookingsConfig(AppConfig):
    name = "maillage.bookings"
    label = "bookings"
    verbose_name = _("Réservations")

    def ready(self) -> None:
        from maillage.accounts import personal_data
        from maillage.members.cards import register_card_days

        from .cards import booking_days
        from .dashboard import register
        from .feed_services import export_calendar_feeds
        from .my_space import register as register_member_sections
        from .personal_data import erase_bookings, export_bookings

        personal_data.register("bookings", export=export_bookings, erase=erase_bookings)
        # The feeds' rows go with the account (cascade): nothing to anonymise.
        personal_data.register("calendar_feeds", export=export_calendar_feeds)
        # Today's bookings, membership requests and the week's occupancy on the staff dashboard.
        register()
        # The next bookings and the calendar feed on the member's page (« Mon espace »).
        register_member_sections()
        # The days bookings use on a 10-day card.
        register_card_days("bookings", booking_days)
