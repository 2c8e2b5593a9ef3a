"""The booking journey of issue 8 in a real browser: a member opens a resource's week, moves
between weeks (htmx, no reload), books a slot of tomorrow from the grid, finds it in « Mes
réservations » and cancels it."""

import os
from datetime import timedelta

import pytest
from django.utils import timezone

from maillage.bookings.models import Booking, BookingStatus
from tests.accounts.factories import UserFactory
from tests.bookings.factories import make_resource
from tests.members.factories import make_membership
from tests.places.factories import make_place

pytestmark = pytest.mark.browser


def test_a_member_books_tomorrow_from_the_week_and_cancels(page, site, sign_in):
    place = make_place()
    room = make_resource(place, name="Salle Ossau", opening_hours="Mo-Su 08:00-18:00")
    member = UserFactory(first_name="Ada")
    make_membership(place, member)
    sign_in(member)
    tomorrow = timezone.localdate(timezone=place.timezone) + timedelta(days=1)

    page.goto(f"{site}/reservations/ressources/{room.pk}/?semaine={tomorrow.isoformat()}")
    caption = page.locator("#grille-semaine caption")
    assert "Salle Ossau" in caption.text_content()
    # Next week and back through htmx: the grid is swapped, the page stays.
    page.evaluate("() => { window.sameDocument = true; }")
    first_caption = caption.text_content()
    page.get_by_role("link", name="Semaine suivante →").click()
    page.wait_for_function(
        "(before) => document.querySelector('#grille-semaine caption').textContent !== before",
        arg=first_caption,
    )
    assert page.evaluate("() => window.sameDocument") is True
    page.get_by_role("link", name="← Semaine précédente").click()
    page.wait_for_function(
        "(before) => document.querySelector('#grille-semaine caption').textContent === before",
        arg=first_caption,
    )

    # The free slot of tomorrow at 10:00 fills the form in.
    slot = page.locator(f'a[href*="jour={tomorrow.isoformat()}&debut=10:00"]')
    slot.click()
    page.wait_for_url("**debut=10:00*")
    assert page.input_value("#id_start") == "10:00"
    assert page.input_value("#id_end") == "10:30"
    page.fill("#id_end", "11:00")
    if os.environ.get("MAILLAGE_SCREENSHOTS"):
        page.screenshot(path=os.environ["MAILLAGE_SCREENSHOTS"] + "/week.png", full_page=True)
    page.get_by_role("button", name="Réserver ce créneau").click()

    page.wait_for_url("**/reservations/")
    assert "Réservation confirmée" in page.locator(".messages").text_content()
    row = page.locator("tbody tr", has_text="Salle Ossau")
    assert "10:00–11:00" in row.text_content()
    if os.environ.get("MAILLAGE_SCREENSHOTS"):
        page.screenshot(path=os.environ["MAILLAGE_SCREENSHOTS"] + "/mine.png", full_page=True)
    row.get_by_role("button", name="Annuler").click()
    page.wait_for_url("**/reservations/")
    assert "est annulée" in page.locator(".messages").text_content()
    assert page.locator("text=Aucune réservation à venir.").is_visible()
    assert Booking.objects.get().status == BookingStatus.CANCELLED
