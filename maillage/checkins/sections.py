"""The sections check-ins adds to the pages of other apps, from `CheckinsConfig.ready()`:

- « Qui est là » on a place's staff dashboard (registry `members.dashboard`, order 40): who is
  checked in now, with links to the tablet and the desk's QR page;
- « Mes présences » on the member's page (registry `members.member_page`, order 30): where the
  person is now and their last stays.

Each context reads two queries at most.
"""

from django.http import HttpRequest

from maillage.members import dashboard, member_page
from maillage.places.models import Place

from . import selectors
from .rules import can_record_presence

LAST_STAYS_SHOWN = 5


def here_now_context(request: HttpRequest, place: Place) -> dict:
    return {
        "present": selectors.present_now(place, viewer=request.user),
        "is_desk": can_record_presence(request.user, place),
    }


def my_presences_context(request: HttpRequest) -> dict | None:
    if not request.user.is_authenticated:
        return None
    stays = list(selectors.checkins_of(request.user)[:LAST_STAYS_SHOWN])
    current = next((stay for stay in stays if stay.checked_out_at is None), None)
    return {"current": current, "stays": stays}


def register() -> None:
    dashboard.register_section(
        "qui-est-la",
        template="checkins/dashboard/_here_now.html",
        context=here_now_context,
        order=40,
    )
    member_page.register_section(
        "presences", "checkins/my_space/_presences.html", my_presences_context, order=30
    )
