"""The sections sharing adds to the pages of other apps, from `SharingConfig.ready()`:

- « Objets prêtés » on a place's staff dashboard (registry `members.dashboard`, order 50): the
  loans out now, the late ones first, with links to the catalogue's management;
- « Mes emprunts » on the member's page (registry `members.member_page`, order 40): current and
  past loans, reservations; and « Ma banque de temps » (order 45): balances per place.

Each context reads three queries at most.
"""

from django.http import HttpRequest

from maillage.members import dashboard, member_page
from maillage.places.models import Place

from . import selectors
from .models import LoanState

PAST_LOANS_SHOWN = 5


def loans_out_context(request: HttpRequest, place: Place) -> dict:
    loans = list(selectors.place_open_loans(place)[:20])
    return {"loans": loans, "late": sum(1 for loan in loans if loan.state == LoanState.LATE)}


def my_loans_context(request: HttpRequest) -> dict | None:
    if not request.user.is_authenticated:
        return None
    loans = list(selectors.loans_of(request.user)[:30])
    current = [loan for loan in loans if loan.is_open]
    past = [loan for loan in loans if not loan.is_open][:PAST_LOANS_SHOWN]
    reservations = list(selectors.reservations_of(request.user))
    if not (current or past or reservations):
        return None
    return {"current": current, "past": past, "reservations": reservations}


def my_time_context(request: HttpRequest) -> dict | None:
    if not request.user.is_authenticated:
        return None
    balances = selectors.balances_of(request.user)
    if not balances:
        return None
    return {"balances": balances}


def register() -> None:
    dashboard.register_section(
        "objets-pretes",
        template="sharing/dashboard/_loans_out.html",
        context=loans_out_context,
        order=50,
    )
    member_page.register_section(
        "emprunts", "sharing/my_space/_loans.html", my_loans_context, order=40
    )
    member_page.register_section(
        "banque-de-temps", "sharing/my_space/_time_bank.html", my_time_context, order=45
    )
